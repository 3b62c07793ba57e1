"""CG variants with the interface of `cg.CG`: fewer or overlapped reductions, and flexible preconditioning.

  CG1          Chronopoulos-Gear single-reduction CG: one fused Allreduce per iteration.
  PipelinedCG  Ghysels-Vanroose pipelined CG: that Allreduce is non-blocking and overlaps M and A.
  FlexibleCG   Notay's flexible CG for variable or nonlinear preconditioners (the learned DCDM one).

All three, like `CG`, stop on and report the true relative residual ||b - A x|| / ||b||: when the recurrence
says converged (or the iteration cap is reached) it is recomputed from x, and if it is not below rtol the
recurrence vectors are rebuilt from x (residual replacement) and the iteration goes on. `history` holds the
recurrence residual, one entry per iteration plus the initial one. The frame they share with CG (norms,
singular operators, the final true residual, breakdown and divergence checks) is `cg.KrylovSolver`. In exact
arithmetic CG, CG1 and PipelinedCG produce the same iterates.
"""

import numpy as np

from ..errors import InputError
from .cg import KrylovSolver


class CG1(KrylovSolver):
    """Chronopoulos-Gear CG. With u = M^-1 r, w = A u, gamma = r.u, delta = u.w:
        beta = gamma / gamma_old,  alpha = gamma / (delta - beta gamma / alpha_old)   (first step: beta = 0)
        p = u + beta p;  s = w + beta s (= A p);  x += alpha p;  r -= alpha s     (one fused pass, local r.r)
        u = M^-1 r;  w = A u;  Allreduce [gamma, delta, r.r] (no preconditioner: [r.r, delta])
    delta - beta gamma / alpha_old is p.Ap, the curvature CG computes with a second reduction."""

    name = "CG1"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None):
        super().__init__(operator, rtol, max_iterations, preconditioner)
        self._require_symmetric()
        self.w, self.p, self.s = self._vector(), self._vector(), self._vector()
        self.u = self.r if preconditioner is None else self._vector()

    def _reduced(self, rr_local):
        """u = M^-1 r, w = A u and the one Allreduce; returns the global (gamma, delta, r.r)."""
        ru_local = self._precondition(self.r, self.u, dot=True)
        uw_local = self.op.apply_dot(self.u, self.w, reduce=False)
        local = [rr_local, uw_local] if self.pc is None else [ru_local, uw_local, rr_local]
        return self._unpack(self._global(np.array(local)))

    def _iterate(self, b, x, bnorm):
        g, n = self.op.g, self.op.n
        self.p[...] = 0.0
        self.s[...] = 0.0
        self.op.residual(b, x, self.r, reduce=False)
        gamma, delta, rr = self._reduced(self.k.dot(self.r, self.r, g, n))
        history, iterations, restart = [], 0, True
        while True:
            self._record(history, rr, bnorm, iterations)
            if history[-1] <= self.rtol or iterations >= self.max_iterations:
                true = self._true_residual(b, x, bnorm)
                if true <= self.rtol or iterations >= self.max_iterations:
                    return iterations, true, history
                # residual replacement: restart from the true residual, as CG does
                gamma, delta, rr = self._reduced(self.k.dot(self.r, self.r, g, n))
                restart = True
            beta = 0.0 if restart else gamma / gamma_old
            curvature = delta if restart else delta - beta * gamma / alpha_old
            if not curvature > 0.0:
                raise self._breakdown(iterations, "p.Ap", curvature)
            alpha = gamma / curvature
            if self.pc is None:
                rr_local = self.fused.cg1_plain_step(x, self.r, self.w, self.p, self.s, alpha, beta, g, n)
            else:
                rr_local = self.fused.cg1_step(x, self.r, self.u, self.w, self.p, self.s, alpha, beta, g, n)
            gamma_old, alpha_old, restart = gamma, alpha, False
            gamma, delta, rr = self._reduced(rr_local)
            iterations += 1


class PipelinedCG(KrylovSolver):
    """Ghysels-Vanroose pipelined CG. Recurrences (u = M^-1 r, w = A u, m = M^-1 w, n = A m (attribute `am`),
    s = A p, q = M^-1 s, z = A q), per iteration:
        start Iallreduce [gamma = r.u, delta = w.u, r.r];  m = M^-1 w;  n = A m;  wait
        beta = gamma / gamma_old,  alpha = gamma / (delta - beta gamma / alpha_old)   (first step: beta = 0)
        z = n + beta z; q = m + beta q; s = w + beta s; p = u + beta p;
        x += alpha p; r -= alpha s; u -= alpha q; w -= alpha z         (one fused pass, the next local dots)
    so the only reduction overlaps the preconditioner and the stencil (and its halo exchange). Without a
    preconditioner u = r, m = w, q = s. The extra recurrences lose attainable accuracy: every `replace_every`
    iterations, and when the recurrence says converged but the true residual does not, the vectors are rebuilt
    from x and p (r = b - A x, u = M^-1 r, w = A u, s = A p, q = M^-1 s, z = A q), which in exact arithmetic
    changes nothing."""

    name = "PipelinedCG"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None, replace_every=50):
        super().__init__(operator, rtol, max_iterations, preconditioner)
        self._require_symmetric()
        if replace_every < 1:
            raise InputError(f"PipelinedCG: replace_every must be a positive iteration count, got {replace_every}")
        self.replace_every = replace_every
        self.w, self.am, self.p, self.s, self.z = (self._vector() for _ in range(5))
        if preconditioner is None:
            self.u, self.m, self.q = self.r, self.w, self.s
        else:
            self.u, self.m, self.q = self._vector(), self._vector(), self._vector()

    def _local_dots(self):
        """The local [r.u, w.u, r.r] (no preconditioner: [r.r, w.r]), as the fused step returns them."""
        dot, g, n = self.k.dot, self.op.g, self.op.n
        if self.pc is None:
            return np.array([dot(self.r, self.r, g, n), dot(self.w, self.r, g, n)])
        return np.array([dot(self.r, self.u, g, n), dot(self.w, self.u, g, n), dot(self.r, self.r, g, n)])

    def _rebuild(self, b, x, residual=True, directions=True):
        """Residual replacement: recompute the recurrence vectors from x (and p); returns the local dots."""
        op = self.op
        if residual:
            op.residual(b, x, self.r, reduce=False)
        self._precondition(self.r, self.u)
        op.apply_dot(self.u, self.w, reduce=False)
        if directions:
            op.apply_dot(self.p, self.s, reduce=False)
            self._precondition(self.s, self.q)
            op.apply_dot(self.q, self.z, reduce=False)
        return self._local_dots()

    def _overlapped(self, local):
        """Start the Allreduce of the local dots, compute m = M^-1 w and n = A m meanwhile, wait; returns the
        global (gamma, delta, r.r) (no preconditioner: r.r is gamma)."""
        dots = np.empty_like(local)
        request = self.mesh.comm.iallreduce(local, dots)
        self._precondition(self.w, self.m)
        self.op.apply_dot(self.m, self.am, reduce=False)
        request.Wait()
        return self._unpack(dots)

    def _step(self, x, alpha, beta):
        g, n, f = self.op.g, self.op.n, self.fused
        if self.pc is None:
            return f.pipelined_plain_step(x, self.r, self.w, self.am, self.p, self.s, self.z, alpha, beta, g, n)
        return f.pipelined_step(x, self.r, self.u, self.w, self.m, self.am, self.p, self.s, self.q, self.z,
                                alpha, beta, g, n)

    def _iterate(self, b, x, bnorm):
        for v in (self.p, self.s, self.q, self.z):
            v[...] = 0.0
        gamma, delta, rr = self._overlapped(self._rebuild(b, x, directions=False))
        history, iterations = [], 0
        while True:
            self._record(history, rr, bnorm, iterations)
            if history[-1] <= self.rtol or iterations >= self.max_iterations:
                true = self._true_residual(b, x, bnorm)
                if true <= self.rtol or iterations >= self.max_iterations:
                    return iterations, true, history
                gamma, delta, rr = self._overlapped(self._rebuild(b, x, residual=False))
            beta = 0.0 if iterations == 0 else gamma / gamma_old
            curvature = delta if iterations == 0 else delta - beta * gamma / alpha_old
            if not curvature > 0.0:
                raise self._breakdown(iterations, "p.Ap", curvature)
            alpha = gamma / curvature
            local = self._step(x, alpha, beta)
            gamma_old, alpha_old = gamma, alpha
            iterations += 1
            if iterations % self.replace_every == 0:
                local = self._rebuild(b, x)
            gamma, delta, rr = self._overlapped(local)


def _stalled(history, window):
    """True when min(history[-window:]) is not 0.1% below min(history[:-window])."""
    return len(history) > window and min(history[-window:]) > 0.999 * min(history[:-window])


class FlexibleCG(KrylovSolver):
    """Flexible CG (Notay 2000, FCG(m)) for preconditioners that change from one application to the next or
    are nonlinear (z = B_k(r)). Each new direction is A-orthogonalised against the last m = `directions`:
        z = B_k(r);  p_k = z - sum_{j=k-m}^{k-1} (z.A p_j / p_j.A p_j) p_j;  q_k = A p_k
        alpha = p_k.r / p_k.q_k;  x += alpha p_k;  r -= alpha q_k
    with two reductions per iteration: [r.r, z.q_j ...] after the preconditioner, [p.r, p.q] after A. For
    m = 1 the coefficient is the Polak-Ribiere beta = z_k.(r_k - r_{k-1}) / z_{k-1}.r_{k-1} (r_k - r_{k-1} =
    -alpha q_{k-1}, alpha = z_{k-1}.r_{k-1} / p_{k-1}.q_{k-1}); with a fixed SPD preconditioner FCG(m) is CG.
    Directions and their images live in 4-D stacks of m + 1 slots, the newest overwriting the oldest.

    Stall safeguard (for a preconditioner with `may_stall` true, the learned DCDM direction): a deterministic
    nonlinear B can fall into a cycle of directions that are new against the retained ones but orthogonal to
    the residual (p.r ~ 0), so the steps vanish, r and hence B(r) repeat, and the iteration stalls for good.
    When the smallest relative residual of the last w = m + 2 iterations is not 0.1% below the smallest
    before them (and no safeguard step was taken in them), the next direction is the residual itself (a CG
    step, z = r, which always lowers the A-norm error), moving r off the cycle; the preconditioner is used
    again after it. `fallbacks` counts these steps in the last solve.
    """

    name = "FlexibleCG"

    def __init__(self, operator, rtol=1e-8, max_iterations=10000, preconditioner=None, directions=1):
        super().__init__(operator, rtol, max_iterations, preconditioner)
        if directions < 1:
            raise InputError(f"FlexibleCG needs at least one previous direction, got {directions}")
        self.directions = directions
        self.may_stall, self.fallbacks = getattr(preconditioner, "may_stall", False), 0
        stack = (directions + 1,) + self.mesh.array_shape
        self.P, self.Q = operator.xp.zeros(stack), operator.xp.zeros(stack)
        self.z = self.r if preconditioner is None else self._vector()

    def _iterate(self, b, x, bnorm):
        g, n, f, k = self.op.g, self.op.n, self.fused, self.k
        slots = self.directions + 1
        self.op.residual(b, x, self.r, reduce=False)
        rr_local = k.dot(self.r, self.r, g, n)
        pq = [0.0] * slots
        history, iterations, first = [], 0, 0          # directions from `first` on are A-orthogonalised
        self.fallbacks, last, span = 0, 0, self.directions + 2
        while True:
            if self.may_stall and iterations - last >= span and _stalled(history, span):
                self.fallbacks, last = self.fallbacks + 1, iterations
                self.z[...] = self.r
            else:
                self._precondition(self.r, self.z)
            dots = self._global(np.concatenate(([rr_local], f.stack_dots(self.z, self.Q, g, n))))
            self._record(history, float(dots[0]), bnorm, iterations)
            if history[-1] <= self.rtol or iterations >= self.max_iterations:
                true = self._true_residual(b, x, bnorm)
                if true <= self.rtol or iterations >= self.max_iterations:
                    return iterations, true, history
                self._precondition(self.r, self.z)      # residual replacement: restart from the true residual
                first = iterations
            window = {(iterations - d) % slots for d in range(1, min(self.directions, iterations - first) + 1)}
            coef = tuple(float(dots[1 + t]) / pq[t] if t in window else 0.0 for t in range(slots))
            slot = iterations % slots
            p, q = self.P[slot], self.Q[slot]
            local = [f.direction(self.z, self.r, self.P, coef, slot, g, n), self.op.apply_dot(p, q, reduce=False)]
            pr, pq[slot] = (float(v) for v in self._global(np.array(local)))
            if not pq[slot] > 0.0:
                raise self._breakdown(iterations, "p.Ap", pq[slot])
            rr_local = k.cg_step(x, self.r, p, q, pr / pq[slot], g, n)
            iterations += 1
