"""Preconditioned conjugate gradients, matrix-free and distributed.

Solves A x = b for symmetric positive (semi-)definite A. Per iteration: one operator application fused with
p.Ap, one fused update x += a p, r -= a q with r.r (and r.z), one direction update, and two scalar
`Allreduce`s. The stopping and reported quantity is the true relative residual ||b - A x|| / ||b||: when the
recurrence says converged, the residual is recomputed from x and, if round-off has let the two drift apart,
replaces the recurrence (residual replacement) and the iteration goes on.

Singular operators (constant null space: pure Neumann / periodic with alpha = 0): the constant part of b is its
compatibility defect. It is reported; if it exceeds `rtol` relative to ||b|| no solution can meet the
tolerance and `IncompatibleRHS` is raised; otherwise it is projected out, and so is the constant part of x.
"""
import math
import time
from dataclasses import dataclass, field

from ..errors import InputError, NumericalError


class IncompatibleRHS(InputError):
    pass


@dataclass
class SolveResult:
    converged: bool
    iterations: int
    residual: float                     # true relative residual ||b - A x|| / ||b||
    history: list = field(default_factory=list)   # recurrence relative residual per iteration
    seconds: float = 0.0
    compatibility_defect: float = 0.0   # |mean(b)| sqrt(N) / ||b|| for singular operators, else 0


class CG:
    """Conjugate-gradient solver bound to an operator; work vectors are allocated once and reused."""

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None):
        """`preconditioner`: None (identity) or an object with `apply(r, z)` (see `preconditioners`)."""
        self.op, self.rtol, self.max_iterations = operator, rtol, max_iterations
        self.mesh, self.k = operator.mesh, operator.kernels
        xp = operator.xp
        self.r, self.p, self.q = (self.mesh.zeros(xp) for _ in range(3))
        self.pc = preconditioner
        self.z = self.mesh.zeros(xp) if preconditioner is not None else self.r

    def _global(self, local):
        return self.mesh.comm.allreduce(local)

    def _precondition(self, rr_local):
        """z = M^-1 r given the local r.r; returns the global (r.z, r.r) from one Allreduce."""
        if self.pc is None:
            rr = self._global(rr_local)
            return rr, rr
        rz_local = self.pc.apply(self.r, self.z)
        if not getattr(self.pc, "fused_dot", False):
            rz_local = self.k.dot(self.r, self.z, self.op.g, self.op.n)
        rz, rr = self.mesh.comm.allreduce([rz_local, rr_local])
        return float(rz), float(rr)

    def _remove_constant(self, v):
        """Subtract the global mean of v over the owned cells; returns the mean removed."""
        mean = self._global(self.k.dot(v, self._ones(), self.op.g, self.op.n)) / self.mesh.global_cells
        self.k.add_constant(v, -mean, self.op.g, self.op.n)
        return mean

    def _ones(self):
        if not hasattr(self, "_ones_array"):
            self._ones_array = self.mesh.zeros(self.op.xp) + 1.0
        return self._ones_array

    def project_compatible(self, b):
        """Singular operator: remove the constant part of b and return its relative size (the compatibility
        defect); raise `IncompatibleRHS` when it exceeds rtol, since no x can then meet the tolerance."""
        bnorm = math.sqrt(self._global(self.k.dot(b, b, self.op.g, self.op.n)))
        if bnorm == 0.0:
            return 0.0
        mean = self._remove_constant(b)
        defect = abs(mean) * math.sqrt(self.mesh.global_cells) / bnorm
        if defect > self.rtol:
            raise IncompatibleRHS(
                f"the right-hand side is incompatible with the singular operator (pure Neumann/periodic, "
                f"alpha = 0): its constant part is {defect:.3e} of its norm, above rtol = {self.rtol:g}; "
                f"make the source integrate to zero")
        return defect

    def solve(self, b, x):
        """Solve A x = b in place (x holds the initial guess). b is left unchanged unless A is singular,
        in which case its constant part is removed. Returns a `SolveResult`."""
        start = time.perf_counter()
        g, n, k = self.op.g, self.op.n, self.k
        bnorm = math.sqrt(self._global(k.dot(b, b, g, n)))
        defect = 0.0
        if self.op.singular and bnorm > 0.0:
            defect = self.project_compatible(b)
            bnorm = math.sqrt(self._global(k.dot(b, b, g, n)))
            self._remove_constant(x)
        if bnorm == 0.0:
            x[...] = 0.0
            return SolveResult(True, 0, 0.0, [], time.perf_counter() - start, defect)
        self.op.residual(b, x, self.r)
        rz, rr = self._precondition(k.dot(self.r, self.r, g, n))
        self.p[...] = self.z
        history = [math.sqrt(rr) / bnorm]
        iterations = 0
        while True:
            if history[-1] <= self.rtol:
                true = math.sqrt(self.op.residual(b, x, self.r)) / bnorm
                if true <= self.rtol or iterations >= self.max_iterations:
                    break
                # residual replacement: restart the recurrence from the true residual
                rz, rr = self._precondition(k.dot(self.r, self.r, g, n))
                self.p[...] = self.z
            if iterations >= self.max_iterations:
                true = math.sqrt(self.op.residual(b, x, self.r)) / bnorm
                break
            pap = self.op.apply_dot(self.p, self.q)
            if not pap > 0.0:
                raise NumericalError(f"CG breakdown at iteration {iterations}: p.Ap = {pap:g} (operator not "
                                     f"positive definite, or a non-finite value)")
            a = rz / pap
            rz_new, rr = self._precondition(k.cg_step(x, self.r, self.p, self.q, a, g, n))
            iterations += 1
            history.append(math.sqrt(rr) / bnorm)
            if not math.isfinite(history[-1]) or history[-1] > 1e12:
                raise NumericalError(f"CG diverged at iteration {iterations}: relative residual {history[-1]:g}")
            k.xpby(self.z, self.p, rz_new / rz, g, n)
            rz = rz_new
        if self.op.singular:
            self._remove_constant(x)
        return SolveResult(true <= self.rtol, iterations, true, history, time.perf_counter() - start, defect)
