"""Matrix-free operators on the distributed cell-centred mesh, and their assembled CSR twins.

  ShiftedLaplacian     A u = alpha u - beta Lap u
  VariableCoefficient  A u = alpha u - beta div(a grad u), face coefficients the harmonic mean of the cells'
  BiharmonicShift      A u = u + beta Lap(Lap u)    (the implicit part of a semi-implicit fourth-order step)

Lap is the second-order 3/5/7-point Laplacian with per-axis spacing h_a, applied after a ghost fill that imposes
the mesh's homogeneous boundary conditions (inhomogeneous face values enter the right-hand side through
`boundary_source`); the biharmonic operator applies the same conditions to Lap u (for Neumann faces:
du/dn = 0 and d(Lap u)/dn = 0, the no-flux conditions of Cahn-Hilliard). All are symmetric positive
(semi-)definite; with no Dirichlet face and no shift the constants are their null space (`singular`).

Every operator knows its stencil radius, so its diagonal, its Gershgorin row sums and its CSR twin can be
probed: with cells coloured by global index modulo (2 r + 1) per axis, one application to the indicator of each
colour returns, in every row, the single entry of that colour (`probe`).
"""
import itertools

import numpy as np
import scipy.sparse as sp


class Operator:
    """Common machinery; subclasses provide `apply_dot`, `radius` and `coarsened`."""

    radius = 1

    def __init__(self, mesh, backend):
        self.mesh, self.backend, self.xp = mesh, backend, backend.xp
        self.kernels = backend.kernels("linalg.linalg")
        used = [a < mesh.ndim for a in range(3)]
        self.g, self.n = tuple(mesh.ghosts), tuple(mesh.local_shape)
        self.o = tuple(1 if u else 0 for u in used)
        self.w = tuple(1.0 / mesh.spacing[a] ** 2 if used[a] else 0.0 for a in range(3))
        self.has_dirichlet = any("dirichlet" in pair for pair in mesh.boundaries)
        self._probed = None

    def residual(self, b, u, r, reduce=True):
        """r = b - A u; returns the global ||r||^2 (with `reduce=False`, no reduction and None)."""
        self.apply_dot(u, r, reduce=False)
        self.kernels.xpby(b, r, -1.0, self.g, self.n)
        if reduce:
            return self.mesh.comm.allreduce(self.kernels.dot(r, r, self.g, self.n))
        return None

    def apply_dot_into(self, u, out, s, slot):
        """out = A u; the local u.(A u) is left in s[slot] of the scalar array `s` (on the device for a GPU
        operator with a fused kernel, so nothing waits for the host). This generic version goes through the
        host."""
        s[slot] = self.apply_dot(u, out, reduce=False)

    def boundary_source(self, face_values):
        """The right-hand-side term of inhomogeneous face values: -(A applied to 0 with those values)."""
        zero, out = self.mesh.zeros(self.xp), self.mesh.zeros(self.xp)
        self.mesh.fill_ghosts(zero, face_values)
        self._apply_filled(zero, out)
        return -out

    # -- probing -------------------------------------------------------------------------------------------
    def _spans(self):
        """Colour period per axis: 2r + 1, raised on a periodic axis to a divisor of its size so that cells
        that are neighbours across the periodic wrap never share a colour."""
        spans = []
        for a in range(self.mesh.ndim):
            n, s = self.mesh.global_shape[a], 2 * self.radius + 1
            if self.mesh.periodic[a]:
                s = next(d for d in range(min(s, n), n + 1) if n % d == 0)
            spans.append(s)
        return spans

    def _colours(self):
        index = self.mesh.global_index()
        spans = self._spans()
        for colour in itertools.product(*(range(s) for s in spans)):
            mask = np.ones(self.mesh.local_shape, dtype=bool)
            for a, c in enumerate(colour):
                mask &= index[a] % spans[a] == c
            yield mask

    def _probe_columns(self):
        """(mask, A applied to the mask's indicator on the owned cells) for every colour."""
        e, out = self.mesh.zeros(self.xp), self.mesh.zeros(self.xp)
        for mask in self._colours():
            e[...] = 0.0
            e[self.mesh.interior] = self.xp.asarray(mask.astype(np.float64))
            self.apply_dot(e, out, reduce=False)
            yield mask, np.asarray(self.backend.to_host(out[self.mesh.interior]))

    def probe(self):
        """(diagonal, sum_j |a_ij|) on the owned cells, as 3-D numpy arrays."""
        if self._probed is None:
            diag, absrow = np.zeros(self.mesh.local_shape), np.zeros(self.mesh.local_shape)
            for mask, col in self._probe_columns():
                diag += np.where(mask, col, 0.0)
                absrow += np.abs(col)
            self._probed = diag, absrow
        return self._probed

    def inverse_diagonal(self):
        """1 / diag(A) as a block array (Jacobi, Chebyshev)."""
        out = np.ones(self.mesh.array_shape)
        out[self.mesh.interior] = 1.0 / self.probe()[0]
        return self.xp.asarray(out)

    def gershgorin_bound(self):
        """max_i sum_j |a_ij| / a_ii: an upper bound of the spectrum of D^-1 A (Chebyshev needs one that is
        never below the largest eigenvalue)."""
        diag, absrow = self.probe()
        return self.mesh.comm.allreduce(float(np.max(absrow / diag)), "max")

    def to_csr(self):
        """The assembled global matrix (C order over the global mesh), by probing; one rank only."""
        mesh = self.mesh
        if mesh.comm.size != 1:
            raise ValueError("to_csr assembles on one rank")
        shape = mesh.local_shape
        number = np.arange(mesh.global_cells).reshape(shape)
        reach = range(-self.radius, self.radius + 1)
        offsets = list(itertools.product(*(reach if a < mesh.ndim else [0] for a in range(3))))
        rows, cols, vals = [], [], []
        for mask, col in self._probe_columns():
            for i in zip(*np.nonzero(col)):
                for d in offsets:
                    j = [i[a] + d[a] for a in range(3)]
                    if not all(0 <= j[a] < shape[a] or mesh.periodic[a] for a in range(mesh.ndim)):
                        continue
                    j = tuple(j[a] % shape[a] for a in range(3))
                    if mask[j]:
                        rows.append(number[i])
                        cols.append(number[j])
                        vals.append(col[i])
                        break
        return sp.csr_matrix((vals, (rows, cols)), shape=(mesh.global_cells,) * 2)


class ShiftedLaplacian(Operator):
    """A u = alpha u - beta Lap u (fused stencil + dot kernels; its CSR twin is assembled by Kronecker sums)."""

    def __init__(self, mesh, alpha, beta, backend):
        super().__init__(mesh, backend)
        self.alpha, self.beta = float(alpha), float(beta)
        self.singular = self.alpha == 0.0 and not self.has_dirichlet

    def _apply_filled(self, u, out):
        return self.kernels.apply_dot(u, out, self.g, self.n, self.o, self.w, self.alpha, self.beta)

    def apply_dot(self, u, out, reduce=True):
        """out = A u (homogeneous boundary conditions); returns the global u.(A u) (local if not `reduce`)."""
        self.mesh.fill_ghosts(u)
        local = self._apply_filled(u, out)
        return self.mesh.comm.allreduce(local) if reduce else local

    def apply_dot_into(self, u, out, s, slot):
        self.mesh.fill_ghosts(u)
        self.kernels.apply_dot_into(u, out, self.g, self.n, self.o, self.w, self.alpha, self.beta, s, slot)

    def residual(self, b, u, r, reduce=True):
        self.mesh.fill_ghosts(u)
        local = self.kernels.residual(b, u, r, self.g, self.n, self.o, self.w, self.alpha, self.beta)
        return self.mesh.comm.allreduce(local) if reduce else None

    def inverse_diagonal(self):
        """Closed form: alpha + beta sum_a 2 w_a, plus beta w_a at a Dirichlet face, minus it at a Neumann one."""
        mesh = self.mesh
        diag = np.full(mesh.array_shape, self.alpha + self.beta * 2.0 * sum(self.w))
        for a in range(mesh.ndim):
            for side, present in ((0, mesh.at_low(a)), (1, mesh.at_high(a))):
                if present:
                    index = [slice(None)] * 3
                    index[a] = self.g[a] if side == 0 else self.g[a] + self.n[a] - 1
                    sign = 1.0 if mesh.boundaries[a][side] == "dirichlet" else -1.0
                    diag[tuple(index)] += sign * self.beta * self.w[a]
        return self.xp.asarray(1.0 / diag)

    def gershgorin_bound(self):
        """Closed form: interior, periodic and Neumann rows give 1 + 2 beta sum(w) / (alpha + 2 beta sum(w));
        Dirichlet rows, with a larger diagonal, less."""
        off = 2.0 * self.beta * sum(self.w)
        return 1.0 + off / (self.alpha + off)

    def coarsened(self, mesh):
        """The same operator rediscretised on a coarser mesh (a multigrid level)."""
        return ShiftedLaplacian(mesh, self.alpha, self.beta, self.backend)

    def to_csr(self):
        """Kronecker-sum assembly over the global mesh (any size: used for the scipy peer runs)."""
        mesh = self.mesh
        lap = None
        for a in range(mesh.ndim):
            eyes = [sp.identity(m, format="csr") for m in mesh.global_shape]
            eyes[a] = _laplacian_1d(mesh.global_shape[a], mesh.spacing[a], mesh.boundaries[a])
            term = eyes[0]
            for e in eyes[1:]:
                term = sp.kron(term, e, format="csr")
            lap = term if lap is None else lap + term
        return (self.alpha * sp.identity(mesh.global_cells, format="csr") - self.beta * lap).tocsr()


class VariableCoefficient(Operator):
    """A u = alpha u - beta div(a grad u) with a > 0 given per cell (a block array or owned numpy block).
    Coarse levels average the coefficient over the 2^d children (`coarsened`)."""

    def __init__(self, mesh, alpha, beta, coefficient, backend):
        super().__init__(mesh, backend)
        self.alpha, self.beta = float(alpha), float(beta)
        self.singular = self.alpha == 0.0 and not self.has_dirichlet
        a = np.zeros(mesh.array_shape)
        coefficient = np.asarray(backend.to_host(coefficient))
        a[mesh.interior] = coefficient[mesh.interior] if coefficient.shape == mesh.array_shape else \
            coefficient.reshape(mesh.local_shape)
        mesh.fill_ghosts(a, even=True)
        self.a = self.xp.asarray(a)

    def _apply_filled(self, u, out):
        return self.kernels.apply_dot_var(u, self.a, out, self.g, self.n, self.o, self.w, self.alpha, self.beta)

    def apply_dot(self, u, out, reduce=True):
        self.mesh.fill_ghosts(u)
        local = self._apply_filled(u, out)
        return self.mesh.comm.allreduce(local) if reduce else local

    def apply_dot_into(self, u, out, s, slot):
        self.mesh.fill_ghosts(u)
        self.kernels.apply_dot_var_into(u, self.a, out, self.g, self.n, self.o, self.w, self.alpha, self.beta,
                                        s, slot)

    def coarsened(self, mesh):
        fine = np.asarray(self.backend.to_host(self.mesh.owned(self.a)))
        for a in range(self.mesh.ndim):
            if mesh.local_shape[a] != self.mesh.local_shape[a]:
                fine = 0.5 * (np.take(fine, range(0, fine.shape[a], 2), axis=a)
                              + np.take(fine, range(1, fine.shape[a], 2), axis=a))
        return VariableCoefficient(mesh, self.alpha, self.beta, fine, self.backend)


class BiharmonicShift(Operator):
    """A u = u + beta Lap(Lap u), beta >= 0: two Laplacian applications with a ghost fill between them."""

    radius = 2

    def __init__(self, mesh, beta, backend):
        super().__init__(mesh, backend)
        self.beta = float(beta)
        self.singular = False
        self.laplacian = ShiftedLaplacian(mesh, 0.0, -1.0, backend)     # apply gives Lap u
        self.lap_u = mesh.zeros(self.xp)

    def _apply_filled(self, u, out):
        self.laplacian._apply_filled(u, self.lap_u)
        self.mesh.fill_ghosts(self.lap_u)
        self.laplacian._apply_filled(self.lap_u, out)
        self.kernels.xpby(u, out, self.beta, self.g, self.n)            # out = u + beta Lap Lap u
        return self.kernels.dot(u, out, self.g, self.n)

    def apply_dot(self, u, out, reduce=True):
        self.mesh.fill_ghosts(u)
        local = self._apply_filled(u, out)
        return self.mesh.comm.allreduce(local) if reduce else local

    def coarsened(self, mesh):
        return BiharmonicShift(mesh, self.beta, self.backend)


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
