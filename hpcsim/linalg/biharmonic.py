"""The implicit operator of a linearly stabilised Cahn-Hilliard step, A = I - a Lap + b Lap^2 (a, b >= 0), and
its two solvers: a direct spectral solve on one rank and preconditioned conjugate gradients on any number.

Lap is the second-order 3/5/7-point Laplacian of `operators.ShiftedLaplacian` with the mesh's homogeneous
conditions, applied twice with a ghost fill between (no-flux faces: du/dn = 0 and d(Lap u)/dn = 0), so A is
symmetric positive definite and exactly the operator of the explicit face fluxes with a constant mobility.

Spectral solve (`SpectralSolve`): on periodic axes the discrete -Lap is diagonal in the DFT basis with
eigenvalues (4/h^2) sin^2(pi k/N), on Neumann axes in the DCT-II basis with (4/h^2) sin^2(pi k/(2N)); A then
has the symbol 1 + a l + b l^2 and the solve is two transforms and a division (exact to round-off).

Krylov solve (`make_biharmonic_solver`): with L = -Lap, A = I + a L + b L^2 = (I + r1 L)(I + r2 L) with
r1 r2 = b, r1 + r2 = a when a^2 >= 4 b (real roots); otherwise the preconditioner (I + sqrt(b) L)^2 is
spectrally equivalent, the eigenvalue ratio (1 + a l + b l^2) / (1 + sqrt(b) l)^2 lying in [1/2, 1]. Each
factor is applied as one multigrid V-cycle of `ShiftedLaplacian(1, r)`; flexible CG absorbs the V-cycles'
inexactness, so the iteration count stays a handful at any size.
"""
import math

import numpy as np

from .config import SOLVER
from .krylov import FlexibleCG
from .multigrid import Multigrid
from .operators import Operator, ShiftedLaplacian


class StabilisedBiharmonic(Operator):
    """A u = u - a Lap u + b Lap(Lap u)."""

    radius = 2

    def __init__(self, mesh, a, b, backend):
        super().__init__(mesh, backend)
        self.a, self.b = float(a), float(b)
        self.singular = False
        self.laplacian = ShiftedLaplacian(mesh, 0.0, -1.0, backend)     # apply gives Lap u
        self.lap_u, self.lap2_u = mesh.zeros(self.xp), mesh.zeros(self.xp)

    def _apply_filled(self, u, out):
        self.laplacian._apply_filled(u, self.lap_u)
        self.mesh.fill_ghosts(self.lap_u)
        self.laplacian._apply_filled(self.lap_u, self.lap2_u)
        inner = self.mesh.interior
        out[inner] = u[inner] - self.a * self.lap_u[inner] + self.b * self.lap2_u[inner]
        return self.kernels.dot(u, out, self.g, self.n)

    def apply_dot(self, u, out, reduce=True):
        self.mesh.fill_ghosts(u)
        local = self._apply_filled(u, out)
        return self.mesh.comm.allreduce(local) if reduce else local

    def factors(self):
        """(r1, r2) of the factored preconditioner (I + r1 L)(I + r2 L)."""
        disc = self.a * self.a - 4.0 * self.b
        if disc >= 0.0:
            root = math.sqrt(disc)
            return 0.5 * (self.a + root), 0.5 * (self.a - root)
        return math.sqrt(self.b), math.sqrt(self.b)


class FactoredPreconditioner:
    """z ~ (I + r2 L)^-1 (I + r1 L)^-1 r by one V-cycle of each factor (not symmetric: use flexible CG)."""

    symmetric = False

    def __init__(self, operator, table):
        mesh, backend = operator.mesh, operator.backend
        self.cycles = [Multigrid(ShiftedLaplacian(mesh, 1.0, r, backend), sweeps=table["mg_sweeps"],
                                 smoother=table["mg_smoother"]) for r in operator.factors() if r > 0.0]
        self.work = mesh.zeros(operator.xp)

    def apply(self, r, z):
        if len(self.cycles) == 1:
            self.cycles[0].apply(r, z)
            return None
        self.cycles[0].apply(r, self.work)
        self.cycles[1].apply(self.work, z)
        return None


def make_biharmonic_solver(operator, table):
    """Flexible CG on `operator` with the factored multigrid preconditioner; `table`: a [solver] table."""
    table = SOLVER.resolve(dict(table))
    return FlexibleCG(operator, table["rtol"], table["max_iterations"], FactoredPreconditioner(operator, table))


class SpectralSolve:
    """Direct solve of (I - a Lap + b Lap^2) u = f on one rank by DFT (periodic axes) and DCT-II (Neumann
    axes); Dirichlet faces are not supported (`supported`)."""

    def __init__(self, mesh, backend):
        self.mesh, self.xp = mesh, backend.xp
        if backend.name == "gpu":
            import cupyx.scipy.fft as fft
        else:
            import scipy.fft as fft
        self.fft = fft
        self.neumann = [a for a in range(mesh.ndim) if not mesh.periodic[a]]
        self.periodic = [a for a in range(mesh.ndim) if mesh.periodic[a]]
        eig = np.zeros(mesh.global_shape)
        for a in range(mesh.ndim):
            n, h = mesh.global_shape[a], mesh.spacing[a]
            k = np.arange(n)
            angle = np.pi * k / n if mesh.periodic[a] else np.pi * k / (2 * n)
            shape = [1] * mesh.ndim
            shape[a] = n
            eig = eig + (4.0 / h**2 * np.sin(angle) ** 2).reshape(shape)
        if self.periodic:                                  # the half spectrum of rfftn along the last one
            last = self.periodic[-1]
            eig = np.take(eig, range(mesh.global_shape[last] // 2 + 1), axis=last)
        self.eigenvalues = self.xp.asarray(eig)           # of -Lap

    @staticmethod
    def supported(mesh):
        return mesh.comm.size == 1 and all(kind in ("periodic", "neumann") for pair in mesh.boundaries
                                           for kind in pair)

    def solve(self, f, u, a, b):
        """u = A^-1 f on the owned cells (f's owned cells are read)."""
        lam = self.eigenvalues
        self.backward(self.forward(f) / (1.0 + a * lam + b * lam * lam), u)

    def forward(self, f):
        """The transform of f's owned cells (its coefficients pair with `eigenvalues`)."""
        fft, v = self.fft, self.mesh.owned(f)
        if self.neumann:
            v = fft.dctn(v, type=2, axes=self.neumann, norm="ortho")
        if self.periodic:
            v = fft.rfftn(v, axes=self.periodic)
        return v

    def backward(self, v, u):
        """u's owned cells = the inverse transform of v."""
        fft = self.fft
        if self.periodic:
            v = fft.irfftn(v, s=[self.mesh.global_shape[a] for a in self.periodic], axes=self.periodic)
        if self.neumann:
            v = fft.idctn(v, type=2, axes=self.neumann, norm="ortho")
        u[self.mesh.interior] = self.xp.ascontiguousarray(v).reshape(self.mesh.local_shape)
