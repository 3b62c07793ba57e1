"""The `diffusion` family: du/dt = D Lap u + s, one implicit CG solve per step (dimensionless).

Schemes (theta method, theta = 1 backward Euler, 1/2 Crank-Nicolson; forward Euler for checks):
    (I - theta dt D Lap) u^{n+1} = u^n + (1 - theta) dt D Lap u^n + dt s + dt D L_b
where L_b is the Laplacian of the inhomogeneous face values (Dirichlet value / Neumann derivative). Each solve
is warm-started from u^n. Forward Euler is stable for dt D sum_a 2 / h_a^2 <= 1, checked at validation.

Initial conditions: `mode` (a Laplacian eigenfunction phi with K^2; with s = 0 and homogeneous faces the exact
solution is A exp(-D K^2 t) phi and its error is a diagnostic), `gaussian`, `uniform`.

Adaptive step (`adaptive_tol` > 0, implicit schemes): the local error of a step is estimated from the forward
Euler predictor u_FE = u^n + dt (D Lap u^n + s + D L_b), err = max|u^{n+1} - u_FE| / (2 max(|u^{n+1}|, |u^n|)),
the O(dt^2) local error of backward Euler (an upper estimate for Crank-Nicolson), and
`hpcsim.runtime.controller.StepController` (order 1) chooses the next step for err = adaptive_tol. Steady state
(`steady_tol` > 0): the run stops, exit status 0, once max|u^{n+1} - u^n| / dt < steady_tol.
"""
import math

import numpy as np

from ..deck.schema import Key, Section
from ..errors import InputError, NumericalError
from ..mesh import Mesh
from ..models import Family
from ..runtime import Model, Stop
from ..runtime.controller import StepController
from .config import SOLVER, make_solver
from .manufactured import Eigenmode
from .operators import ShiftedLaplacian
from ..profiles import check_profile, gaussian, profile_keys

THETA = {"backward_euler": 1.0, "crank_nicolson": 0.5, "forward_euler": 0.0}

SECTIONS = [
    Section("diffusion", "Solve du/dt = D Lap u + s (dimensionless).", [
        Key("D", "float", 1.0, "Diffusivity.", minimum=0.0, exclusive_minimum=True),
        Key("scheme", "str", "crank_nicolson", "Time integrator.", choices=tuple(THETA)),
        Key("source", "float", 0.0, "Uniform source s."),
        Key("initial", "str", "mode", "Initial condition.", choices=("mode", "gaussian", "uniform")),
        Key("adaptive_tol", "float", 0.0, "Adaptive step: relative local error per step aimed at (0: the fixed "
            "run.dt; implicit schemes only).", minimum=0.0),
        Key("steady_tol", "float", 0.0, "Stop (exit status 0) once max|du/dt| falls below this (0: never).",
            minimum=0.0),
        *profile_keys("initial condition"),
    ]),
    SOLVER,
]


def check(deck):
    check_profile(deck, "diffusion")
    d, mesh = deck["diffusion"], deck["mesh"]
    if d["adaptive_tol"] and d["scheme"] == "forward_euler":
        raise InputError("forward Euler is stability-limited: use an implicit scheme for an adaptive step",
                         "diffusion.adaptive_tol")
    if d["scheme"] == "forward_euler":
        number = deck["run"]["dt"] * d["D"] * sum(2.0 * (n / L) ** 2 for n, L in zip(mesh["shape"], mesh["length"]))
        if number > 1.0:
            limit = deck["run"]["dt"] / number
            raise InputError(f"forward Euler is unstable: dt D sum(2/h^2) = {number:.3g} > 1; use dt <= "
                             f"{limit:.3e} or an implicit scheme", "run.dt")


class DiffusionModel(Model):
    def __init__(self, deck, comm, backend, rng):
        d = deck["diffusion"]
        mesh = Mesh.from_deck(deck, comm, FAMILY.ghost)
        super().__init__(mesh, backend)
        self.solver_table = deck["solver"]
        self.D, self.theta, self.s = d["D"], THETA[d["scheme"]], d["source"]
        self.laplacian = ShiftedLaplacian(mesh, 0.0, -1.0, backend)           # apply gives Lap u
        # L_b = Lap of the face values = -(-Lap)(0 with the face values), the boundary source of A = -Lap
        self.lap_boundary = ShiftedLaplacian(mesh, 0.0, 1.0, backend).boundary_source(d["bc_value"])
        self.solvers = {}                                                     # dt -> solver of I - theta dt D Lap
        if self.theta > 0:
            self.implicit_solver(deck["run"]["dt"])
        u = np.zeros(mesh.array_shape)
        self.mode = None
        if d["initial"] == "mode":
            self.mode = Eigenmode(mesh, d["modes"])
            u[mesh.interior] = d["amplitude"] * self.mode.values()
        elif d["initial"] == "gaussian":
            u[mesh.interior] = d["amplitude"] * gaussian(mesh, d["center"], d["width"])
        else:
            u[mesh.interior] = d["amplitude"]
        self.exact_known = self.mode is not None and self.s == 0.0 and not any(any(p) for p in d["bc_value"])
        self.amplitude = d["amplitude"]
        self.u = self.fields.add("u", self.xp.asarray(u), reduce={"integral": "mass", "min": "u_min",
                                                                   "max": "u_max"})
        self.rhs, self.lap_u = mesh.zeros(self.xp), mesh.zeros(self.xp)
        self.adaptive_tol, self.steady_tol = d["adaptive_tol"], d["steady_tol"]
        self.controller = StepController(order=1) if self.adaptive_tol else None
        self.u_before = mesh.zeros(self.xp) if (self.adaptive_tol or self.steady_tol) else None
        self.time, self.dt_next, self.stop = 0.0, deck["run"]["dt"], None

    def implicit_solver(self, dt):
        """The solver of (I - theta dt D Lap) for this dt (the last few kept: output times shorten single steps)."""
        if dt not in self.solvers:
            if len(self.solvers) >= 3:
                self.solvers.pop(next(iter(self.solvers)))
            op = ShiftedLaplacian(self.mesh, 1.0, self.theta * dt * self.D, self.backend)
            self.solvers[dt] = make_solver(op, self.solver_table)
        return self.solvers[dt]

    def propose_dt(self, dt):
        return self.dt_next if self.controller is not None else dt

    def step(self, dt):
        dtD = dt * self.D
        forcing = dt * self.s + dtD * self.lap_boundary
        if self.u_before is not None:
            self.u_before[...] = self.u
        if self.theta < 1.0 or self.controller is not None:
            self.laplacian.apply_dot(self.u, self.lap_u)
        if self.theta == 0.0:
            self.u += dtD * self.lap_u + forcing
            self.time += dt
            self.judge(dt, forcing)
            return {}
        self.rhs[...] = self.u + forcing
        if self.theta < 1.0:
            self.rhs += (1.0 - self.theta) * dtD * self.lap_u
        r = self.implicit_solver(dt).solve(self.rhs, self.u)
        self.time += dt
        if not r.converged:
            raise NumericalError(f"CG did not reach rtol in {r.iterations} iterations at t = {self.time:.6g} "
                                 f"(true relative residual {r.residual:.3e}); raise solver.max_iterations")
        out = {"iterations": float(r.iterations), "residual": r.residual}
        out.update(self.judge(dt, forcing))
        return out

    def judge(self, dt, forcing):
        """Error estimate and next step (adaptive), steady-state test; the per-step scalars they give."""
        if self.u_before is None:
            return {}
        xp, owned = self.xp, self.mesh.owned
        change = owned(self.u) - owned(self.u_before)
        maxima = {"change": float(xp.max(xp.abs(change))), "size": float(xp.max(xp.abs(owned(self.u)))),
                  "size_before": float(xp.max(xp.abs(owned(self.u_before))))}
        if self.controller is not None:
            predictor = owned(self.u_before) + self.D * dt * owned(self.lap_u) + owned(forcing)
            maxima["defect"] = float(xp.max(xp.abs(owned(self.u) - predictor)))
        g = self.mesh.comm.reduce_named(maxima=maxima)
        out = {"dt": dt}
        if self.controller is not None:
            err = 0.5 * g["defect"] / max(g["size"], g["size_before"], 1e-300) / self.adaptive_tol
            self.dt_next = self.controller.next_dt(dt, err)
            out["error_estimate"] = err * self.adaptive_tol
        rate = g["change"] / dt
        if self.steady_tol and rate < self.steady_tol:
            self.stop = Stop(f"steady state: max|du/dt| = {rate:.3e} < diffusion.steady_tol = {self.steady_tol:g}")
        return out

    def stop_reason(self):
        return self.stop

    def exact(self):
        return self.amplitude * math.exp(-self.D * self.mode.k2 * self.time) * self.xp.asarray(self.mode.values())

    def diagnostics(self):
        if not self.exact_known:
            return self.fields.reductions()
        owned = self.mesh.owned(self.u)
        e = owned - self.exact().reshape(owned.shape)
        out = self.fields.reductions(sums={"error_l2": float(self.xp.sum(e * e))})
        out["error_l2"] = (out["error_l2"] * self.mesh.cell_volume) ** 0.5
        return out

    def checkpoint_state(self):
        state = super().checkpoint_state()
        state.values.update(time=self.time, dt_next=self.dt_next)
        return state

    def restore(self, state):
        super().restore(state)
        self.time = float(state.values["time"])
        self.dt_next = float(state.values.get("dt_next", self.dt_next))


FAMILY = Family("diffusion", tuple(SECTIONS), DiffusionModel, ghost=1, time_dependent=True, check=check,
                adaptive_dt=lambda deck: deck["diffusion"]["adaptive_tol"] > 0)
