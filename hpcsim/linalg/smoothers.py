"""Multigrid smoothers: `smooth(b, x, zero_start=False, post=False)` improves x for A x = b in place.

  chebyshev  Chebyshev polynomial in D^-1 A over [hi / 5, hi] (`chebyshev.Chebyshev`), the default: symmetric,
             as parallel as Jacobi, and for any operator
  jacobi     damped Jacobi x += omega D^-1 (b - A x), omega = 4 / (3 hi) (2/3 for the Laplacian's hi = 2)
  rbgs       red-black Gauss-Seidel for the shifted Laplacian; pre-smoothing sweeps red then black and
             post-smoothing black then red, so that the V-cycle stays symmetric
"""
from ..errors import InputError
from .chebyshev import Chebyshev
from .operators import ShiftedLaplacian


class DampedJacobi:
    def __init__(self, op, sweeps):
        self.op, self.sweeps = op, sweeps
        self.mg = op.backend.kernels("linalg.multigrid")
        self.inv_diag = op.inverse_diagonal()
        self.omega = 4.0 / (3.0 * op.gershgorin_bound())
        self.r, self.d = op.mesh.zeros(op.xp), op.mesh.zeros(op.xp)

    def smooth(self, b, x, zero_start=False, post=False):
        for sweep in range(self.sweeps):
            r = b if (zero_start and sweep == 0) else self.r
            if r is self.r:
                self.op.residual(b, x, self.r, reduce=False)
            self.mg.chebyshev(x, self.d, r, self.inv_diag, 0.0, self.omega, self.op.g, self.op.n)


class RedBlackGaussSeidel:
    def __init__(self, op, sweeps):
        if not isinstance(op, ShiftedLaplacian):
            raise InputError("red-black Gauss-Seidel is implemented for the shifted Laplacian only; use "
                             "chebyshev or jacobi", "solver.mg_smoother")
        self.op, self.sweeps = op, sweeps
        self.mg = op.backend.kernels("linalg.multigrid")
        self.inv_diag = op.inverse_diagonal()
        mesh = op.mesh
        self.parity = sum(o - g for o, g in zip(mesh.local_offset, mesh.ghosts)) % 2

    def smooth(self, b, x, zero_start=False, post=False):
        op = self.op
        colours = (1, 0) if post else (0, 1)
        for _ in range(self.sweeps):
            for colour in colours:
                op.mesh.fill_ghosts(x)
                self.mg.gauss_seidel(b, x, self.inv_diag, colour, self.parity, op.g, op.n, op.o, op.w, op.alpha,
                                     op.beta)


SMOOTHERS = {
    "chebyshev": lambda op, sweeps: Chebyshev(op, steps=sweeps, ratio=5.0),
    "jacobi": DampedJacobi,
    "rbgs": RedBlackGaussSeidel,
}
