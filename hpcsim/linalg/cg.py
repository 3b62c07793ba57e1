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


class KrylovSolver:
    """Shared frame: right-hand-side norm, singular projection, final true residual, history, divergence.
    Subclasses implement `_iterate(b, x, bnorm) -> (iterations, true relative residual, history)`."""

    name = "Krylov"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None):
        """`preconditioner`: None (identity) or an object with `apply(r, z)` (see `preconditioners`)."""
        self.op, self.rtol, self.max_iterations, self.pc = operator, rtol, max_iterations, preconditioner
        self.mesh, self.k = operator.mesh, operator.kernels
        self.fused = operator.backend.kernels("linalg.krylov_fused")
        self.r = self._vector()

    def _global(self, local):
        return self.mesh.comm.allreduce(local)

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

    def _vector(self):
        return self.mesh.zeros(self.op.xp)

    def _require_symmetric(self):
        if self.pc is not None and not getattr(self.pc, "symmetric", False):
            raise InputError(f"{self.name} needs a fixed symmetric positive definite preconditioner; "
                             f"use FlexibleCG for a variable or nonlinear one")

    def _precondition(self, r, z, dot=False):
        """z = M^-1 r (nothing to do without a preconditioner, where z is r); with `dot`, the local r.z."""
        if self.pc is None:
            return None
        local = self.pc.apply(r, z)
        if dot and not getattr(self.pc, "fused_dot", False):
            local = self.k.dot(r, z, self.op.g, self.op.n)
        return local

    def _unpack(self, dots):
        """(gamma, delta, r.r) from the reduced [r.u, delta, r.r], or [r.r, delta] without a preconditioner."""
        return float(dots[0]), float(dots[1]), float(dots[0] if self.pc is None else dots[2])

    def _true_residual(self, b, x, bnorm):
        """r = b - A x; returns ||r|| / ||b||."""
        return math.sqrt(self.op.residual(b, x, self.r)) / bnorm

    def _record(self, history, rr, bnorm, iterations):
        history.append(math.sqrt(rr) / bnorm)
        if not history[-1] <= 1e12:         # also catches NaN
            raise NumericalError(f"{self.name} diverged at iteration {iterations}: relative residual "
                                 f"{history[-1]:g}")

    def _breakdown(self, iterations, what, value):
        return NumericalError(f"{self.name} breakdown at iteration {iterations}: {what} = {value:g} (operator or "
                              f"preconditioner not positive definite, or a non-finite value)")

    def solve(self, b, x):
        """Solve A x = b in place (x holds the initial guess). b is left unchanged unless A is singular,
        in which case its constant part is removed. Returns a `SolveResult`."""
        start = time.perf_counter()
        g, n = self.op.g, self.op.n
        bnorm = math.sqrt(self._global(self.k.dot(b, b, g, n)))
        defect = 0.0
        if self.op.singular and bnorm > 0.0:
            defect = self.project_compatible(b)
            bnorm = math.sqrt(self._global(self.k.dot(b, b, g, n)))
            self._remove_constant(x)
        if bnorm == 0.0:
            x[...] = 0.0
            return SolveResult(True, 0, 0.0, [], time.perf_counter() - start, defect)
        iterations, true, history = self._iterate(b, x, bnorm)
        if self.op.singular:
            self._remove_constant(x)
        return SolveResult(true <= self.rtol, iterations, true, history, time.perf_counter() - start, defect)


class CG(KrylovSolver):
    """Preconditioned conjugate gradients; work vectors are allocated once and reused."""

    name = "CG"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None):
        super().__init__(operator, rtol, max_iterations, preconditioner)
        self.p, self.q = self._vector(), self._vector()
        self.z = self._vector() if preconditioner is not None else self.r

    def _reduce(self, rr_local):
        """z = M^-1 r given the local r.r; returns the global (r.z, r.r) from one Allreduce."""
        if self.pc is None:
            rr = self._global(rr_local)
            return rr, rr
        rz, rr = self.mesh.comm.allreduce([self._precondition(self.r, self.z, dot=True), rr_local])
        return float(rz), float(rr)

    def _iterate(self, b, x, bnorm):
        g, n, k = self.op.g, self.op.n, self.k
        self.op.residual(b, x, self.r)
        rz, rr = self._reduce(k.dot(self.r, self.r, g, n))
        self.p[...] = self.z
        history = [math.sqrt(rr) / bnorm]
        iterations = 0
        while True:
            if history[-1] <= self.rtol or iterations >= self.max_iterations:
                true = self._true_residual(b, x, bnorm)
                if true <= self.rtol or iterations >= self.max_iterations:
                    return iterations, true, history
                # residual replacement: restart the recurrence from the true residual
                rz, rr = self._reduce(k.dot(self.r, self.r, g, n))
                self.p[...] = self.z
            pap = self.op.apply_dot(self.p, self.q)
            if not pap > 0.0:
                raise self._breakdown(iterations, "p.Ap", pap)
            rz_new, rr = self._reduce(k.cg_step(x, self.r, self.p, self.q, rz / pap, g, n))
            iterations += 1
            self._record(history, rr, bnorm, iterations)
            k.xpby(self.z, self.p, rz_new / rz, g, n)
            rz = rz_new
