"""Time integrators of the phase-field family (dimensionless), given the explicit rate R(c) = -div J(c).

  explicit        c^{n+1} = c^n + dt R(c^n)   (stable for dt below `deck.explicit_limit`)
  semi_implicit   (I - a Lap + b Lap^2) (c^{n+1} - c^n) = dt R(c^n),   a = dt S_D,  b = dt M_max kappa

The linearly stabilised step (Eyre; Shen & Yang 2010) treats the fourth-order term and a stabilising diffusion
with diffusivity S_D (`Thermodynamics.stabilising_diffusivity` times phasefield.stabilisation) implicitly with
constant coefficients and the rest explicitly: its fixed point is the exact steady state, it conserves solute
(the operator maps zero-mean increments to zero-mean increments), and large steps are stable.

Error control. The step is first order, its local error (dt^2 / 2) |c''|. With v^n = (c^{n+1} - c^n) / dt^n the
step's velocity, c'' ~ (v^n - v^{n-1}) / ((dt^n + dt^{n-1}) / 2), so
    err = max |v^n - v^{n-1}| (dt^n)^2 / (dt^n + dt^{n-1})
(the divided-difference estimate of variable-step BDF1; v^{-1} = 0 on the first step). Stiff modes in
quasi-equilibrium have a steady velocity and do not limit the step, unlike a comparison with forward Euler. With
phasefield.adaptive_tol > 0 the `StepController` (order 1) picks the next dt for err = adaptive_tol; v^{n-1} and
dt^{n-1} are checkpointed (the field `velocity`, not written to the dumps, and the value `dt_previous`).
The solve uses `SpectralSolve` on one rank with periodic/no-flux faces, otherwise flexible CG with the factored
multigrid preconditioner (`hpcsim.linalg.biharmonic`).
"""
from ..errors import InputError, NumericalError
from ..linalg.biharmonic import SpectralSolve, StabilisedBiharmonic, make_biharmonic_solver


class ExplicitStep:
    def __init__(self, model):
        self.model = model

    def advance(self, dt):
        """One forward-Euler step; returns (max|dc|, error estimate (none: 0), {per-step scalars})."""
        m = self.model
        m.update_rate()
        m.kernels.advance(m.c, m.rate, dt, m.g, m.n)
        change = dt * float(m.xp.max(m.xp.abs(m.mesh.owned(m.rate))))
        return change, 0.0, {}

    def state(self):
        return {}

    def restore(self, values):
        pass


class SemiImplicitStep:
    def __init__(self, model, p, solver_table, stabilising_diffusivity, fourth_order, velocity):
        """`velocity`: the model's block array holding v^{n-1} (module docstring)."""
        self.model, self.table, self.velocity = model, solver_table, velocity
        self.dt_previous = 0.0
        self.s_d, self.m_kappa = stabilising_diffusivity, fourth_order
        mesh = model.mesh
        choice = p["linear_solver"]
        if choice == "spectral" and not SpectralSolve.supported(mesh):
            raise InputError("the spectral solve needs one rank and periodic or no-flux faces; use 'krylov' or "
                             "'auto'", "phasefield.linear_solver")
        self.spectral = SpectralSolve(mesh, model.backend) if choice != "krylov" and \
            SpectralSolve.supported(mesh) else None
        self.solvers = {}
        self.delta = mesh.zeros(model.xp)

    def coefficients(self, dt):
        return dt * self.s_d, dt * self.m_kappa

    def solve(self, dt):
        """delta = A^-1 R on the owned cells; returns the per-step scalars of the solve."""
        m = self.model
        a, b = self.coefficients(dt)
        if self.spectral is not None:
            self.spectral.solve(m.rate, self.delta, a, b)
            return {}
        if dt not in self.solvers:
            if len(self.solvers) >= 3:
                self.solvers.pop(next(iter(self.solvers)))
            self.solvers[dt] = make_biharmonic_solver(StabilisedBiharmonic(m.mesh, a, b, m.backend), self.table)
        self.delta[...] = 0.0
        r = self.solvers[dt].solve(m.rate, self.delta)
        if not r.converged:
            raise NumericalError(f"the semi-implicit solve did not reach rtol in {r.iterations} iterations "
                                 f"(relative residual {r.residual:.3e}); raise solver.max_iterations")
        return {"iterations": float(r.iterations)}

    def advance(self, dt):
        """One stabilised step; returns (max|dc|, err, {per-step scalars})."""
        m = self.model
        m.update_rate()
        scalars = self.solve(dt)
        xp, owned = m.xp, m.mesh.owned
        m.kernels.advance(m.c, self.delta, dt, m.g, m.n)
        change = dt * float(xp.max(xp.abs(owned(self.delta))))
        err = dt * dt / (dt + (self.dt_previous or dt)) * float(xp.max(xp.abs(owned(self.delta) -
                                                                             owned(self.velocity))))
        self.velocity[...] = self.delta
        self.dt_previous = dt
        return change, err, scalars

    def state(self):
        """The controller's memory besides the checkpointed velocity field."""
        return {"dt_previous": self.dt_previous}

    def restore(self, values):
        self.dt_previous = float(values["dt_previous"])
