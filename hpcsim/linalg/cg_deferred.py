"""Conjugate gradients with device-resident scalars and a deferred convergence check (one rank, GPU).

The iteration is that of `CG`, but alpha = r.z / p.Ap and beta = (r.z)_new / (r.z)_old never visit the host:
every reduction leaves its sum in a small array `s` on the device (slots of `krylov_elements`: PAP, RR and two
r.z slots taken by alternate iterations, so the old r.z stays beside the new one without a copy), the update
kernels read their coefficients from it, and the sum of r.r also writes it to a device history. An iteration is
apply (A p, p.Ap), CG step (x, r, r.r), preconditioner (z, r.z) and direction update, each reduction one kernel
and a one-block sum of its per-block partials: 5 launches without a preconditioner, 7 with Jacobi. The host only
enqueues kernels; it reads the history once every `check_every` iterations, so the queue of kernels stays ahead
of the GPU and no iteration waits for a round trip (on a GPU a device-to-host read costs about as much as a
10^5-cell iteration). The price: up to `check_every - 1` iterations past the one that met the tolerance (the
residual only decreases further). A breakdown (p.Ap <= 0) is flagged in the history by the device and raised
at the next check, as in `CG`.

The stopping test is the true relative residual, recomputed on the host at convergence, with residual
replacement, exactly as in `CG`. With more than one rank the reductions must be summed by MPI on the host
anyway, so `make_solver` uses this class only for one rank (on the CPU it also works, with numpy scalars,
which is how CI tests it besides the CUDA simulator).
"""
import math

from ..kernels.linalg.krylov_elements import PAP, RR, RZ
from .cg import CG


class DeferredCheckCG(CG):
    name = "CG"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None, check_every=8):
        super().__init__(operator, rtol, max_iterations, preconditioner)
        if operator.mesh.comm.size != 1:
            raise ValueError("DeferredCheckCG keeps the reductions on one device: use CG on several ranks")
        self.check_every = int(check_every)
        self.s = self.op.xp.zeros(4)
        self.device_history = self.op.xp.zeros(self.check_every)
        self.old = RZ                               # slot of the current (old) r.z; the new one goes to the other

    def _rr_slot(self, new):
        """Where the CG step leaves r.r: in the new r.z slot without a preconditioner (z is r), else in RR."""
        return new if self.pc is None else RR

    def _precondition_into(self, slot):
        """z = M^-1 r with the local r.z in s[slot] (nothing without a preconditioner: z is r)."""
        if self.pc is None:
            return
        if hasattr(self.pc, "apply_into"):
            self.pc.apply_into(self.r, self.z, self.s, slot)
        else:
            self.pc.apply(self.r, self.z)
            self.k.dot_into(self.r, self.z, self.op.g, self.op.n, self.s, slot)

    def _restart(self, b, x):
        """r = b - A x, z = M^-1 r, p = z, s[old] = r.z; returns r.r (the host reads it once per restart)."""
        rr = self.op.residual(b, x, self.r)
        self._precondition_into(self.old)
        if self.pc is None:
            self.s[self.old] = rr
        self.p[...] = self.z
        return rr

    def _iterate(self, b, x, bnorm):
        g, n, k, s = self.op.g, self.op.n, self.k, self.s
        history = [math.sqrt(self._restart(b, x)) / bnorm]
        converged, iterations = history[0] <= self.rtol, 0
        while True:
            if converged or iterations >= self.max_iterations:
                true = self._true_residual(b, x, bnorm)
                if true <= self.rtol or iterations >= self.max_iterations:
                    return iterations, true, history
                history[-1] = math.sqrt(self._restart(b, x)) / bnorm     # residual replacement
                converged = False
            block = min(self.check_every, self.max_iterations - iterations)
            for slot in range(block):
                old = self.old
                new = RZ + 1 if old == RZ else RZ
                self.op.apply_dot_into(self.p, self.q, s, PAP)
                k.cg_step_into(x, self.r, self.p, self.q, s, old, self._rr_slot(new), self.device_history, slot, g, n)
                self._precondition_into(new)
                k.direction_update(self.z, self.p, s, new, old, g, n)
                self.old = new
            for j, rr in enumerate(self.op.backend.to_host(self.device_history[:block])):   # the one host read
                if rr < 0.0:
                    if converged:           # r vanished after convergence: the remaining steps did nothing
                        break
                    raise self._breakdown(iterations + j + 1, "p.Ap", float(s[PAP]))
                self._record(history, float(rr), bnorm, iterations + j + 1)
                converged = converged or history[-1] <= self.rtol
            iterations += block
