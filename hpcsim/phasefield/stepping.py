"""Time integrators of the phase-field family (dimensionless), given the explicit rate R(c) = -div J(c).

  explicit        c^{n+1} = c^n + dt R(c^n)   (stable for dt below `deck.explicit_limit`)
  semi_implicit   (I - a Lap + b Lap^2) (c^{n+1} - c^n) = dt R(c^n),   a = dt S_D,  b = dt M_max kappa
  bdf2            variable-step BDF2 with the same splitting and a linear extrapolation (below); adaptive runs
                  drop to the first-order step where it allows longer steps (near equilibrium)

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

Second order (`bdf2`). With L = S_D Lap - M_max kappa Lap^2 the implicit part and w = dt^n / dt^{n-1}, the
variable-step BDF2 step treats R(c) - L c at the linear extrapolation c* = c^n + w (c^n - c^{n-1}) and L c at
t^{n+1}:
    (1+2w)/(1+w) c^{n+1} - (1+w) c^n + w^2/(1+w) c^{n-1} = dt [R(c*) + L (c^{n+1} - c*)].
In the increment delta = c^{n+1} - c* this is, with alpha = (1+2w)/(1+w) and v^{n-1} = (c^n - c^{n-1})/dt^{n-1},
    (I - (dt/alpha) L) delta = (dt/alpha) (R(c*) - v^{n-1}),      c* = c^n + dt v^{n-1},
the operator of the first-order step with dt/alpha for dt (same spectral and multigrid solves). The stabilising
and fourth-order terms act on c^{n+1} - c* = O(dt^2), so the splitting error is second order; the fixed point is
the exact steady state (v = 0, R = 0) and the increment has zero mean (solute conserved to round-off). The first
step (no v^{n-1}) is the first-order step. Error control: the local error of variable-step BDF2 is
dt^3 (1+w)^2 / (6 w (1+2w)) |d3c/dt3| (derived with c = t^3/6); (d3c/dt3) / 6 is the third divided difference
of c at t^{n+1}, t^n, t^{n-1}, t^{n-2}, from the velocities v^n, v^{n-1}, v^{n-2}:
    err = dt^3 (1+w)^2 / (w (1+2w)) max |[(v^n - v^{n-1})/(dt^n + dt^{n-1}) - (v^{n-1} - v^{n-2})/(dt^{n-1} +
          dt^{n-2})] / (dt^n + dt^{n-1} + dt^{n-2})|,
O(dt^3), so the `StepController` has order 2. The first two steps have no estimate and keep their dt. v^{n-1},
v^{n-2} (the fields `velocity`, `velocity_previous`), dt^{n-1} and dt^{n-2} (`dt_previous`, `dt_before`) are
checkpointed, so a restart continues bit for bit.
Stability. For a frozen mode with f'' the local curvature, large steps are stable when S_D >= M f'' (the explicit
part's Lipschitz bound): BDF2 needs phasefield.stabilisation ~ 2 (S_D = M max f'' on [c_a, c_b]), twice the
first-order step's. At 1 the BM1a step is held at dt ~ 2.3 (the estimate grows with the oscillation); at 2 it
follows the tolerance.

Variable order (adaptive runs). For large dt the BDF2 step's roots solve z^2 - 2 g z + g = 0, with g = (S_D -
M f'') / (S_D + M kappa k^2) the mode's ratio of explicit to implicit parts; a neutral or slow mode (g -> 1,
an interface translation near equilibrium) has the double root z = 1, so its velocity is hardly damped (its
second root is 1 - 1/(3/2 + mu dt) for a mode with mu = (S_D - M f'') k^2; the first-order step damps it in one
step). Near equilibrium those undamped velocities dominate BDF2's estimate and the controller shrinks the step
(BM1a after t ~ 5e5: dt from ~2000 to ~20). Every adaptive step therefore also evaluates the first-order
estimate from the same velocities, err_1 = dt^2 / (dt^n + dt^{n-1}) max|v^n - v^{n-1}|, and `BDF2Step.select`
takes the order allowing the longer next step, (tol / err_q)^(1 / (q + 1)), as variable-order BDF codes do
(CVODE), with two guards against flip-flopping: an order is held for ORDER_HOLD steps (the estimates after a
change mix velocities of both orders), and the first-order step must gain ORDER_MARGIN over BDF2. The order and the steps
held are checkpointed. BM1a: no change before t = 1e4 (the same 4055 steps), and 6513 steps to t = 1e6 instead of
16477. Fixed-dt runs stay second order.

The solve uses `SpectralSolve` on one rank with periodic/no-flux faces, otherwise flexible CG with the factored
multigrid preconditioner (`hpcsim.linalg.biharmonic`).
"""
from ..errors import InputError, NumericalError
from ..linalg.biharmonic import SpectralSolve, StabilisedBiharmonic, make_biharmonic_solver

ORDER_HOLD = 3       # steps at one order before BDF2Step.select may change it (the estimates need 3 velocities)
ORDER_MARGIN = 1.5   # the first-order step is taken only where it allows a 1.5x longer step than BDF2


class ExplicitStep:
    order_now = 1

    def __init__(self, model):
        self.model = model

    def advance(self, dt):
        """One forward-Euler step; returns (max|dc|, {} (no error estimate), {per-step scalars})."""
        m = self.model
        m.update_rate()
        m.kernels.advance(m.c, m.rate, dt, m.g, m.n)
        change = dt * float(m.xp.max(m.xp.abs(m.mesh.owned(m.rate))))
        return change, {}, {}

    def select(self, errors, tol):
        """(order, scaled error) steering the next dt from the reduced estimates; None: keep dt."""
        return None

    def state(self):
        return {}

    def restore(self, values):
        pass


class SemiImplicitStep:
    order_now = 1

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

    def solve(self, dt, rhs=None):
        """delta = A(dt)^-1 rhs (default: the rate) on the owned cells; returns the per-step scalars."""
        m = self.model
        rhs = m.rate if rhs is None else rhs
        a, b = self.coefficients(dt)
        if self.spectral is not None:
            self.spectral.solve(rhs, self.delta, a, b)
            return {}
        if dt not in self.solvers:
            if len(self.solvers) >= 3:
                self.solvers.pop(next(iter(self.solvers)))
            self.solvers[dt] = make_biharmonic_solver(StabilisedBiharmonic(m.mesh, a, b, m.backend), self.table)
        self.delta[...] = 0.0
        r = self.solvers[dt].solve(rhs, self.delta)
        if not r.converged:
            raise NumericalError(f"the semi-implicit solve did not reach rtol in {r.iterations} iterations "
                                 f"(relative residual {r.residual:.3e}); raise solver.max_iterations")
        return {"iterations": float(r.iterations)}

    def advance(self, dt):
        """One stabilised step; returns (max|dc|, {1: local error estimate}, {per-step scalars})."""
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
        return change, {1: err}, scalars

    def select(self, errors, tol):
        return 1, errors[1] / tol

    def state(self):
        """The controller's memory besides the checkpointed velocity field."""
        return {"dt_previous": self.dt_previous}

    def restore(self, values):
        self.dt_previous = float(values["dt_previous"])


class BDF2Step(SemiImplicitStep):
    """Variable-step BDF2 with the linearly stabilised splitting (module docstring)."""

    def __init__(self, model, p, solver_table, stabilising_diffusivity, fourth_order, velocity, velocity_previous):
        super().__init__(model, p, solver_table, stabilising_diffusivity, fourth_order, velocity)
        self.velocity_previous = velocity_previous
        self.dt_before = 0.0
        self.order_now, self.steps_at_order = 2, 0
        self.rhs = model.mesh.zeros(model.xp)

    def advance(self, dt):
        """One step of the current order; returns (max|dc|, {order: local error estimate} (empty until the
        estimates exist), {per-step scalars})."""
        m = self.model
        xp, owned = m.xp, m.mesh.owned
        dtp, dtpp = self.dt_previous, self.dt_before
        v, vp = self.velocity, self.velocity_previous
        second = dtp > 0.0 and self.order_now == 2
        w = dt / dtp if dtp > 0.0 else 0.0
        alpha = (1.0 + 2.0 * w) / (1.0 + w) if second else 1.0
        if second:
            m.kernels.advance(m.c, v, dt, m.g, m.n)           # c* = c^n + dt v^{n-1}
        m.update_rate()
        if second:
            owned(self.rhs)[...] = owned(m.rate) - owned(v)
            scalars = self.solve(dt / alpha, self.rhs)
        else:
            scalars = self.solve(dt)
        m.kernels.advance(m.c, self.delta, dt / alpha, m.g, m.n)
        new = owned(self.delta) / alpha + owned(v) if second else owned(self.delta)   # v^n
        errors = {}
        if dtp > 0.0:
            jump = new - owned(v)
            errors[1] = dt * dt / (dt + dtp) * float(xp.max(xp.abs(jump)))
        if dtp > 0.0 and dtpp > 0.0:
            third = (jump / (dt + dtp) - (owned(v) - owned(vp)) / (dtp + dtpp)) / (dt + dtp + dtpp)
            errors[2] = dt ** 3 * (1.0 + w) ** 2 / (w * (1.0 + 2.0 * w)) * float(xp.max(xp.abs(third)))
        vp[...] = v
        owned(v)[...] = new
        change = dt * float(xp.max(xp.abs(new)))
        self.dt_before, self.dt_previous = dtp, dt
        return change, errors, scalars

    def select(self, errors, tol):
        """The order of the next step and its scaled error estimate, from the globally reduced `errors`.

        The step factor an order's estimate allows, (tol / err_q)^(1 / (q + 1)), compared uncapped as
        variable-order BDF codes (CVODE) do: the first-order step is taken where its factor exceeds
        ORDER_MARGIN times BDF2's (where BDF2's weakly damped modes dominate its estimate, near equilibrium,
        module docstring), BDF2 otherwise. Called only with a tolerance: at a fixed dt the step stays second
        order."""
        if 2 not in errors:
            return None
        self.steps_at_order += 1
        if self.steps_at_order > ORDER_HOLD:
            factor = {q: (tol / e) ** (1.0 / (q + 1)) if e > 0.0 else float("inf") for q, e in errors.items()}
            order = 1 if factor[1] > ORDER_MARGIN * factor[2] else 2
            if order != self.order_now:
                self.order_now, self.steps_at_order = order, 0
        return self.order_now, errors[self.order_now] / tol

    def state(self):
        return {"dt_previous": self.dt_previous, "dt_before": self.dt_before, "order": self.order_now,
                "steps_at_order": self.steps_at_order}

    def restore(self, values):
        self.dt_previous = float(values["dt_previous"])
        self.dt_before = float(values["dt_before"])
        self.order_now, self.steps_at_order = int(values["order"]), int(values["steps_at_order"])
