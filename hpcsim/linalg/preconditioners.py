"""Preconditioners M ~ A for the Krylov solvers: `apply(r, z)` sets z = M^-1 r on the owned cells.

Protocol: `apply(r, z)` may overwrite the ghost layers of r and z but not r's owned cells; `symmetric` says
whether M^-1 is a fixed symmetric positive definite linear map (required by CG, CG1 and pipelined CG; flexible
CG also accepts variable or nonlinear preconditioners); with `fused_dot`, `apply` returns the local r.z it
computed on the way. `make_preconditioner(name, operator, options)` builds one by its deck name.
"""
from .chebyshev import Chebyshev
from .multigrid import Multigrid


class Jacobi:
    """M = diag(A)."""

    symmetric = True
    fused_dot = True

    def __init__(self, operator):
        self.op = operator
        self.inv_diag = operator.inverse_diagonal()

    def apply(self, r, z):
        """z = D^-1 r; returns the local r.z (the fused reduction the CG kernels provide)."""
        return self.op.kernels.jacobi(r, self.inv_diag, z, self.op.g, self.op.n)

    def apply_into(self, r, z, s, slot):
        """z = D^-1 r with the local r.z left in s[slot] (device-resident scalars)."""
        self.op.kernels.jacobi_into(r, self.inv_diag, z, self.op.g, self.op.n, s, slot)


def _learned(operator, options):
    """The DCDM network's direction z = N(r / ||r||) (nonlinear: flexible CG only)."""
    from .dcdm.solver import learned_direction

    return learned_direction(operator, options)


PRECONDITIONERS = {
    "none": lambda op, opts: None,
    "jacobi": lambda op, opts: Jacobi(op),
    "chebyshev": lambda op, opts: Chebyshev(op, steps=opts["chebyshev_steps"]),
    "multigrid": lambda op, opts: Multigrid(op, sweeps=opts["mg_sweeps"],
                                            smoother=opts["mg_smoother"],
                                            coarse=opts["mg_coarse"]),
    "dcdm": _learned,
}


def make_preconditioner(name, operator, options=None):
    """The preconditioner `name` for `operator`; `options`: a [solver] table (keys it lacks take the section's
    defaults, the one source of them)."""
    from .config import SOLVER

    return PRECONDITIONERS[name](operator, SOLVER.resolve(dict(options or {})))
