"""Where the chemotaxis scheme lives: a Cartesian box (distributed, any backend) or a ball in dimension N
solved for radially symmetric data on a 1-D mesh of r in [0, R] (one rank).

Each geometry provides the explicit density step, the positivity rate, the Lyapunov sum, integrals over the
domain, the largest mass in one cell, and its Helmholtz solver (shift I - diffusivity Lap): on a Cartesian box
either the [solver] section's Krylov method or, on one rank with periodic / no-flux faces, the exact DFT/DCT
diagonal solve of the linear-algebra package (`linalg.biharmonic.SpectralSolve`, b = 0; chemotaxis.linear_solver).
Radial volumes and areas are those of the ball: the integral of u is |S^(N-1)| sum_i V_i u_i with
V_i = (r_+^N - r_-^N) / N and |S^(N-1)| = 2 pi^(N/2) / Gamma(N/2), so the mass is that of the N-dimensional
solution (8 pi in 2-D is the critical mass of classical Keller-Segel).
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_banded

from ..errors import InputError
from ..linalg.biharmonic import SpectralSolve
from ..linalg.config import make_solver
from ..linalg.operators import ShiftedLaplacian


def spectral_applies(choice, mesh):
    """Whether chemotaxis.linear_solver = `choice` selects the spectral solve on `mesh` (raises for spectral where
    it does not apply)."""
    if choice == "spectral" and not SpectralSolve.supported(mesh):
        raise InputError("the spectral solve needs one rank and periodic or no-flux faces; use 'krylov' or 'auto'",
                         "chemotaxis.linear_solver")
    return choice != "krylov" and SpectralSolve.supported(mesh)


class Cartesian:
    def __init__(self, mesh, backend, solver_table, linear_solver="krylov"):
        self.mesh, self.backend, self.table = mesh, backend, solver_table
        self.spectral = SpectralSolve(mesh, backend) if spectral_applies(linear_solver, mesh) else None
        self.kernels = backend.kernels("chemotaxis.chemotaxis")
        self.g, self.n = tuple(mesh.ghosts), tuple(mesh.local_shape)
        self.o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
        self.d = tuple(1.0 / mesh.spacing[a] if a < mesh.ndim else 0.0 for a in range(3))

    def density_step(self, rho, c, out, chi, dt, growth):
        self.kernels.density_step(rho, c, out, self.g, self.n, self.o, self.d, chi, dt, growth)

    def drift_divergence(self, rho, c, out, chi):
        self.kernels.drift_divergence(rho, c, out, self.g, self.n, self.o, self.d, chi)

    def positivity_rate(self, c, rate, chi):
        self.kernels.positivity_rate(c, rate, self.g, self.n, self.o, self.d, chi)

    def lyapunov(self, rho, c, w, chi, weights):
        """This rank's part of E."""
        return self.mesh.cell_volume * self.kernels.lyapunov(rho, c, w, self.g, self.n, self.o, self.d, chi,
                                                             *weights)

    def integral(self, u):
        """This rank's part of the integral of u (owned cells)."""
        return float(self.backend.xp.sum(self.mesh.owned(u))) * self.mesh.cell_volume

    def cell_mass_max(self, u):
        return float(self.backend.xp.max(self.mesh.owned(u))) * self.mesh.cell_volume

    def helmholtz(self, shift, diffusivity):
        if self.spectral is not None:
            return SpectralHelmholtz(self.spectral, shift, diffusivity)
        return make_solver(ShiftedLaplacian(self.mesh, shift, diffusivity, self.backend), self.table)


@dataclass
class DirectResult:
    converged: bool = True
    iterations: int = 0
    residual: float = 0.0


class SpectralHelmholtz:
    """(shift I - diffusivity Lap) x = b by two transforms and a multiplication by the inverse symbol
    1 / (shift + diffusivity lambda), lambda the eigenvalues of -Lap (exact to round-off; the 3/5/7-point
    Laplacian of the Krylov path)."""

    def __init__(self, spectral, shift, diffusivity):
        self.spectral = spectral
        self.inverse = 1.0 / (float(shift) + float(diffusivity) * spectral.eigenvalues)

    def solve(self, b, x):
        v = self.spectral.forward(b)
        v *= self.inverse
        self.spectral.backward(v, x)
        return DirectResult()


class Tridiagonal:
    """(shift I - diffusivity Lap_r) x = b on the radial mesh, by a banded LU solve (exact to round-off):
    shift V_i x_i + diffusivity (A_+ (x_i - x_{i+1}) + A_- (x_i - x_{i-1})) / h = V_i b_i, A = 0 at r = 0, no
    flux at r = R."""

    def __init__(self, radial, shift, diffusivity):
        self.radial = radial
        area, v, h = radial.area_host, radial.volume_host[1:-1], radial.mesh.spacing[0]
        inner, outer = diffusivity * area[1:-1] / h, diffusivity * area[2:] / h     # low and high face of each cell
        outer[-1] = 0.0
        bands = np.zeros((3, v.size))
        bands[1] = shift * v + inner + outer
        bands[0, 1:] = -outer[:-1]
        bands[2, :-1] = -inner[1:]
        self.bands, self.v = bands, v

    def solve(self, b, x):
        mesh = self.radial.mesh
        rhs = self.v * np.asarray(b[mesh.interior]).ravel()
        x[mesh.interior] = solve_banded((1, 1), self.bands, rhs).reshape(mesh.local_shape)
        return DirectResult()


class Radial:
    def __init__(self, mesh, backend, dimension):
        if mesh.ndim != 1 or mesh.comm.size != 1 or backend.name != "cpu":
            raise InputError("the radial solver runs on a 1-D mesh of r, one rank, backend cpu",
                             "chemotaxis.radial_dimension")
        self.mesh, self.backend, self.dimension = mesh, backend, dimension
        self.kernels = backend.kernels("chemotaxis.chemotaxis")
        N, h, cells = dimension, mesh.spacing[0], mesh.global_shape[0]
        faces = np.arange(cells + 1) * h + mesh.origin[0]
        self.area_host = np.zeros(cells + 2)
        self.area_host[1:] = faces ** (N - 1)
        self.volume_host = np.ones(cells + 2)
        self.volume_host[1:-1] = (faces[1:] ** N - faces[:-1] ** N) / N
        self.area, self.volume = self.area_host, self.volume_host
        self.sphere = 2.0 * math.pi ** (N / 2) / math.gamma(N / 2)
        self.g, self.n, self.d = tuple(mesh.ghosts), tuple(mesh.local_shape), (1.0 / h, 0.0, 0.0)

    def density_step(self, rho, c, out, chi, dt, growth):
        self.kernels.radial_density_step(rho, c, out, self.g, self.n, self.area, self.volume, self.d, chi, dt,
                                         growth)

    def positivity_rate(self, c, rate, chi):
        self.kernels.radial_positivity_rate(c, rate, self.g, self.n, self.area, self.volume, self.d, chi)

    def lyapunov(self, rho, c, w, chi, weights):
        return self.sphere * self.kernels.radial_lyapunov(rho, c, w, self.g, self.n, self.area, self.volume, self.d,
                                                          chi, *weights)

    def integral(self, u):
        return self.sphere * float(np.sum(self.volume[1:-1] * u[self.mesh.interior].ravel()))

    def cell_mass_max(self, u):
        return self.sphere * float(np.max(self.volume[1:-1] * u[self.mesh.interior].ravel()))

    def helmholtz(self, shift, diffusivity):
        return Tridiagonal(self, shift, diffusivity)
