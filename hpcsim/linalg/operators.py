"""Matrix-free shifted Laplacian `A u = alpha u - beta Lap u` on the distributed mesh, and its CSR twin.

Lap is the second-order 3/5/7-point Laplacian with per-axis spacing h_a, applied after a ghost fill that
imposes the mesh's boundary conditions (homogeneous: inhomogeneous face values enter the right-hand side
through `boundary_source`). A is symmetric positive definite for alpha > 0 or any Dirichlet face; with
alpha = 0 and only periodic/Neumann faces its null space is the constants (`singular`).
"""
import numpy as np
import scipy.sparse as sp


class ShiftedLaplacian:
    def __init__(self, mesh, alpha, beta, backend):
        self.mesh, self.alpha, self.beta, self.backend = mesh, float(alpha), float(beta), backend
        self.xp = backend.xp
        self.kernels = backend.kernels("linalg")
        used = [a < mesh.ndim for a in range(3)]
        self.g = tuple(mesh.ghosts)
        self.n = tuple(mesh.local_shape)
        self.o = tuple(1 if u else 0 for u in used)
        self.w = tuple(1.0 / mesh.spacing[a] ** 2 if used[a] else 0.0 for a in range(3))
        dirichlet = any("dirichlet" in pair for pair in mesh.boundaries)
        self.singular = self.alpha == 0.0 and not dirichlet

    def apply_dot(self, u, out):
        """out = A u (homogeneous boundary conditions); returns the global u.(A u)."""
        self.mesh.fill_ghosts(u)
        local = self.kernels.apply_dot(u, out, self.g, self.n, self.o, self.w, self.alpha, self.beta)
        return self.mesh.comm.allreduce(local)

    def residual(self, b, u, r, reduce=True):
        """r = b - A u; returns the global ||r||^2 (with `reduce=False`, no reduction and None)."""
        self.mesh.fill_ghosts(u)
        local = self.kernels.residual(b, u, r, self.g, self.n, self.o, self.w, self.alpha, self.beta)
        return self.mesh.comm.allreduce(local) if reduce else None

    def coarsened(self, mesh):
        """The same operator rediscretised on a coarser mesh (a multigrid level)."""
        return ShiftedLaplacian(mesh, self.alpha, self.beta, self.backend)

    def boundary_source(self, face_values):
        """The right-hand-side term of inhomogeneous face values: -(A applied to 0 with those values)."""
        zero = self.mesh.zeros(self.xp)
        self.mesh.fill_ghosts(zero, face_values)
        out = self.mesh.zeros(self.xp)
        self.kernels.residual(out, zero, out, self.g, self.n, self.o, self.w, self.alpha, self.beta)
        return out

    def inverse_diagonal(self):
        """1 / diag(A) on the block (Jacobi): alpha + beta sum_a 2 w_a, corrected at physical faces."""
        mesh = self.mesh
        diag = np.full(mesh.array_shape, self.alpha + self.beta * 2.0 * sum(self.w))
        for a in range(mesh.ndim):
            for side, present in ((0, mesh.at_low(a)), (1, mesh.at_high(a))):
                if not present:
                    continue
                kind = mesh.boundaries[a][side]
                index = [slice(None)] * 3
                index[a] = self.g[a] if side == 0 else self.g[a] + self.n[a] - 1
                diag[tuple(index)] += self.beta * self.w[a] * (1.0 if kind == "dirichlet" else -1.0)
        return self.xp.asarray(1.0 / diag)

    def gershgorin_bound(self):
        """Upper bound of the spectrum of D^-1 A: max over rows of sum_j |a_ij| / a_ii (at most 2).
        Interior, periodic and Neumann rows all give 1 + 2 beta sum(w) / (alpha + 2 beta sum(w)); Dirichlet
        rows, with a larger diagonal, less."""
        off = 2.0 * self.beta * sum(self.w)
        return 1.0 + off / (self.alpha + off)

    def to_csr(self):
        """The same operator assembled over the global mesh (C order), for tests and peer comparisons."""
        mesh = self.mesh
        lap = None
        for a in range(mesh.ndim):
            n, h = mesh.global_shape[a], mesh.spacing[a]
            lap_a = _laplacian_1d(n, h, mesh.boundaries[a])
            eyes = [sp.identity(m, format="csr") for m in mesh.global_shape]
            eyes[a] = lap_a
            term = eyes[0]
            for e in eyes[1:]:
                term = sp.kron(term, e, format="csr")
            lap = term if lap is None else lap + term
        size = mesh.global_cells
        return (self.alpha * sp.identity(size, format="csr") - self.beta * lap).tocsr()


def _laplacian_1d(n, h, faces):
    main = np.full(n, -2.0)
    off = np.ones(n - 1)
    m = sp.diags([off, main, off], [-1, 0, 1], shape=(n, n), format="lil")
    if faces[0] == "periodic":
        m[0, n - 1] += 1.0
        m[n - 1, 0] += 1.0
    else:
        m[0, 0] += -1.0 if faces[0] == "dirichlet" else 1.0
        m[n - 1, n - 1] += -1.0 if faces[1] == "dirichlet" else 1.0
    return (m / h**2).tocsr()
