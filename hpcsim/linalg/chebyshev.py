"""Chebyshev polynomial iteration on D^-1 A: a smoother for multigrid and a preconditioner on its own.

For eigenvalues of D^-1 A in [lo, hi], with theta = (hi + lo)/2, delta = (hi - lo)/2, sigma = theta/delta:
    d_0 = D^-1 r_0 / theta,  x_1 = x_0 + d_0
    rho_0 = 1/sigma,  rho_k = 1 / (2 sigma - rho_{k-1})
    d_k = rho_k rho_{k-1} d_{k-1} + (2 rho_k / delta) D^-1 r_k,  x_{k+1} = x_k + d_k,   r_k = b - A x_k
(Saad, Iterative Methods, alg. 12.1). A fixed number of steps from x_0 = 0 is a fixed polynomial in D^-1 A,
hence a symmetric linear preconditioner. hi is the operator's Gershgorin bound on D^-1 A (safe: an eigenvalue
above hi would be amplified, and power iteration underestimates); a smoother targets [hi / 5, hi] (the high
frequencies a 2x coarser grid cannot represent), a preconditioner [hi / 30, hi].
"""

class Chebyshev:
    """`steps` Chebyshev iterations on D^-1 A over [hi / ratio, hi]; `apply(r, z)` starts from z = 0."""

    symmetric = True

    def __init__(self, operator, steps=4, ratio=30.0, inv_diag=None, lam_max=None):
        self.op, self.steps = operator, steps
        self.mg = operator.backend.kernels("linalg.multigrid")
        self.inv_diag = operator.inverse_diagonal() if inv_diag is None else inv_diag
        hi = operator.gershgorin_bound() if lam_max is None else lam_max
        self.interval = (hi / ratio, hi)
        xp, mesh = operator.xp, operator.mesh
        self.d, self.r = mesh.zeros(xp), mesh.zeros(xp)

    def smooth(self, b, x, zero_start=False, post=False, steps=None):
        """Apply the iteration to A x = b in place (x's ghosts get filled); `post` makes no difference."""
        op, (lo, hi) = self.op, self.interval
        theta, delta = 0.5 * (hi + lo), 0.5 * (hi - lo)
        sigma = theta / delta
        rho = 1.0 / sigma
        g, n = op.g, op.n
        for step in range(steps or self.steps):
            r = b if (zero_start and step == 0) else self.r
            if r is self.r:
                op.residual(b, x, self.r, reduce=False)
            if step == 0:
                self.mg.chebyshev(x, self.d, r, self.inv_diag, 0.0, 1.0 / theta, g, n)
            else:
                rho_new = 1.0 / (2.0 * sigma - rho)
                self.mg.chebyshev(x, self.d, r, self.inv_diag, rho_new * rho, 2.0 * rho_new / delta, g, n)
                rho = rho_new

    def apply(self, r, z):
        z[...] = 0.0
        self.smooth(r, z, zero_start=True)
