"""The `poisson` family: one distributed solve of the shifted Poisson / Helmholtz problem

    alpha u - beta Lap u = f      (alpha >= 0, beta > 0; dimensionless)

on a 1-D, 2-D or 3-D mesh with per-face Dirichlet, Neumann or periodic conditions, by matrix-free CG.
Sources: `manufactured` (f = (alpha + beta K^2) phi for a Laplacian eigenfunction phi, so the exact solution
u = phi is known and the error is written) or `gaussian`. With alpha = 0 and no Dirichlet face the problem is
singular: a source that does not integrate to zero is rejected with its compatibility defect.
"""
import time

import numpy as np

from ..deck.schema import Key, Section
from ..errors import InputError, NumericalError
from ..io import Record
from ..mesh import Mesh
from ..models import Family, Footprint
from ..runtime import Model
from .config import SOLVER, make_solver
from .manufactured import Eigenmode
from .operators import ShiftedLaplacian
from ..profiles import check_profile, gaussian, profile_keys

SECTIONS = [
    Section("poisson", "Solve alpha u - beta Lap u = f (dimensionless).", [
        Key("alpha", "float", 0.0, "Shift alpha >= 0 (0: Poisson; > 0: screened Poisson / Helmholtz).", minimum=0.0),
        Key("beta", "float", 1.0, "Diffusion coefficient beta > 0.", minimum=0.0, exclusive_minimum=True),
        Key("source", "str", "manufactured", "Right-hand side f.", choices=("manufactured", "gaussian")),
        *profile_keys("source"),
    ]),
    SOLVER,
]


def check(deck):
    check_profile(deck, "poisson")
    p = deck["poisson"]
    if p["source"] == "manufactured" and any(any(pair) for pair in p["bc_value"]):
        raise InputError("the manufactured source has homogeneous boundary values: remove bc_value or use "
                         "source = 'gaussian'", "poisson.bc_value")


class PoissonModel(Model):
    def __init__(self, deck, comm, backend, rng):
        p, s = deck["poisson"], deck["solver"]
        mesh = Mesh.from_deck(deck, comm, FAMILY.ghost)
        super().__init__(mesh, backend)
        t0 = time.perf_counter()
        self.op = ShiftedLaplacian(mesh, p["alpha"], p["beta"], backend)
        self.solver = make_solver(self.op, s)
        f = np.zeros(mesh.array_shape)
        self.exact = None
        if p["source"] == "manufactured":
            mode = Eigenmode(mesh, p["modes"])
            phi = mode.values()
            f[mesh.interior] = p["amplitude"] * (p["alpha"] + p["beta"] * mode.k2) * phi
            self.exact = self.xp.asarray(p["amplitude"] * phi).reshape(mesh.local_shape[: mesh.ndim])
        else:
            f[mesh.interior] = p["amplitude"] * gaussian(mesh, p["center"], p["width"])
        self.f = self.fields.add("f", self.xp.asarray(f), state=False)
        self.b = self.f + self.op.boundary_source(p["bc_value"])
        # A singular problem with an incompatible source is bad input: refuse it before any output exists.
        self.compatibility_defect = self.solver.project_compatible(self.b) if self.op.singular else 0.0
        self.u = self.fields.add("u", reduce=("min", "max"))
        self.setup_seconds = time.perf_counter() - t0
        self.result = None

    def step(self, dt):
        self.result = r = self.solver.solve(self.b, self.u)
        if not r.converged:
            raise NumericalError(f"CG did not reach rtol in {r.iterations} iterations (true relative residual "
                                 f"{r.residual:.3e}); raise solver.max_iterations or use a preconditioner")
        return {"iterations": float(r.iterations), "residual": r.residual, "setup_seconds": self.setup_seconds,
                "solve_seconds": r.seconds, "compatibility_defect": self.compatibility_defect}

    def tables(self):
        """Per-run tables written to diags/: the CG residual history of the solve."""
        if self.result is None:
            return {}
        r = self.result
        return {"solver": ({"iteration": np.arange(len(r.history)), "relative_residual": np.array(r.history)},
                           {"iterations": r.iterations, "true_relative_residual": r.residual,
                            "setup_seconds": self.setup_seconds, "solve_seconds": r.seconds})}

    def error(self):
        return self.mesh.owned(self.u) - self.exact

    def diagnostics(self):
        if self.exact is None or self.result is None:
            return self.fields.reductions()
        e, xp = self.error(), self.xp
        out = self.fields.reductions(sums={"error_l2": float(xp.sum(e * e))},
                                     maxima={"error_max": float(xp.max(xp.abs(e)))})
        out["error_l2"] = (out["error_l2"] * self.mesh.cell_volume) ** 0.5
        return out

    def records(self):
        recs = self.fields.records()
        if self.exact is not None:
            recs["error"] = Record(self.backend.to_host(self.error()))
        return recs


FAMILY = Family("poisson", tuple(SECTIONS), PoissonModel, ghost=1, time_dependent=False, check=check,
                footprint=Footprint(grid_arrays=28, state_fields=1, records=3))
