"""The `diffusion` family: du/dt = D Lap u + s, one implicit CG solve per step (dimensionless).

Schemes (theta method, theta = 1 backward Euler, 1/2 Crank-Nicolson; forward Euler for checks):
    (I - theta dt D Lap) u^{n+1} = u^n + (1 - theta) dt D Lap u^n + dt s + dt D L_b
where L_b is the Laplacian of the inhomogeneous face values (Dirichlet value / Neumann derivative). Each solve
is warm-started from u^n. Forward Euler is stable for dt D sum_a 2 / h_a^2 <= 1, checked at validation.

Initial conditions: `mode` (a Laplacian eigenfunction phi with K^2; with s = 0 and homogeneous faces the exact
solution is A exp(-D K^2 t) phi and its error is a diagnostic), `gaussian`, `uniform`.
"""
import math

import numpy as np

from ..deck.schema import Key, Section
from ..errors import InputError, NumericalError
from ..io import Record
from ..mesh import Mesh
from .config import SOLVER, make_solver
from .manufactured import Eigenmode
from .operators import ShiftedLaplacian
from .problem import check_profile, gaussian, profile_keys

TIME_DEPENDENT = True
GHOST = 1
THETA = {"backward_euler": 1.0, "crank_nicolson": 0.5, "forward_euler": 0.0}

SECTIONS = [
    Section("diffusion", "Solve du/dt = D Lap u + s (dimensionless).", [
        Key("D", "float", 1.0, "Diffusivity.", minimum=0.0, exclusive_minimum=True),
        Key("scheme", "str", "crank_nicolson", "Time integrator.", choices=tuple(THETA)),
        Key("source", "float", 0.0, "Uniform source s."),
        Key("initial", "str", "mode", "Initial condition.", choices=("mode", "gaussian", "uniform")),
        *profile_keys("initial condition"),
    ]),
    SOLVER,
]


def check(deck):
    check_profile(deck, "diffusion")
    d, mesh = deck["diffusion"], deck["mesh"]
    if d["scheme"] == "forward_euler":
        number = deck["run"]["dt"] * d["D"] * sum(2.0 * (n / L) ** 2 for n, L in zip(mesh["shape"], mesh["length"]))
        if number > 1.0:
            limit = deck["run"]["dt"] / number
            raise InputError(f"forward Euler is unstable: dt D sum(2/h^2) = {number:.3g} > 1; use dt <= "
                             f"{limit:.3e} or an implicit scheme", "run.dt")


class Model:
    time_dependent = True

    def __init__(self, deck, comm, backend, rng):
        d, s = deck["diffusion"], deck["solver"]
        self.backend, self.xp = backend, backend.xp
        self.mesh = mesh = Mesh.from_deck(deck, comm, GHOST)
        self.D, self.theta, self.s = d["D"], THETA[d["scheme"]], d["source"]
        self.dt = deck["run"]["dt"]
        self.laplacian = ShiftedLaplacian(mesh, 0.0, -1.0, backend)           # apply gives Lap u
        # L_b = Lap of the face values = -(-Lap)(0 with the face values), the boundary source of A = -Lap
        self.lap_boundary = ShiftedLaplacian(mesh, 0.0, 1.0, backend).boundary_source(d["bc_value"])
        if self.theta > 0:
            self.op = ShiftedLaplacian(mesh, 1.0, self.theta * self.dt * self.D, backend)
            self.solver = make_solver(self.op, s)
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
        self.u = self.xp.asarray(u)
        self.rhs, self.lap_u = mesh.zeros(self.xp), mesh.zeros(self.xp)
        self.time = 0.0

    def state_fields(self):
        return {"u": self.u}

    def step(self, dt):
        dtD = dt * self.D
        forcing = dt * self.s + dtD * self.lap_boundary
        if self.theta < 1.0:
            self.laplacian.apply_dot(self.u, self.lap_u)
        if self.theta == 0.0:
            self.u += dtD * self.lap_u + forcing
            self.time += dt
            return {}
        self.rhs[...] = self.u + forcing
        if self.theta < 1.0:
            self.rhs += (1.0 - self.theta) * dtD * self.lap_u
        r = self.solver.solve(self.rhs, self.u)
        self.time += dt
        if not r.converged:
            raise NumericalError(f"CG did not reach rtol in {r.iterations} iterations at t = {self.time:.6g} "
                                 f"(true relative residual {r.residual:.3e}); raise solver.max_iterations")
        return {"iterations": float(r.iterations), "residual": r.residual}

    def exact(self):
        return self.amplitude * math.exp(-self.D * self.mode.k2 * self.time) * self.xp.asarray(self.mode.values())

    def diagnostics(self):
        comm, xp, owned = self.mesh.comm, self.xp, self.mesh.owned(self.u)
        out = {"mass": comm.allreduce(float(xp.sum(owned))) * self.mesh.cell_volume,
               "u_min": comm.allreduce(float(xp.min(owned)), "min"),
               "u_max": comm.allreduce(float(xp.max(owned)), "max")}
        if self.exact_known:
            e = owned - self.exact().reshape(owned.shape)
            out["error_l2"] = (comm.allreduce(float(xp.sum(e * e))) * self.mesh.cell_volume) ** 0.5
        return out

    def records(self):
        return {"u": Record(self.backend.to_host(self.mesh.owned(self.u)))}

    def solver_state(self):
        return {"time": self.time}

    def restore(self, fields, state):
        self.u[self.mesh.interior] = self.xp.asarray(fields["u"]).reshape(self.mesh.local_shape)
        self.time = float(state["time"])
