"""Coarse-level operators of the multigrid hierarchy, and the same operator gathered onto one rank.

  rediscretise  the fine operator's own discretisation on the coarse mesh (`op.coarsened`); a cell coefficient
                (variable-coefficient operators) is averaged by the restriction, a_c = R a / R 1, with its
                ghosts mirrored at every face so that it stays positive
  galerkin      A_c = R A P = c P^T A P, assembled as a stencil (`StencilOperator`): for variable coefficients
                and operators whose rediscretisation is a poor coarse model (a large Helmholtz shift,
                u + beta Lap^2). Symmetric positive (semi-)definite whenever A is, since c > 0 and P has full
                column rank.

Stencil radius. A column of P is supported on |x - X_J| < H and A couples fine cells r_f h apart, so A_c couples
coarse cells with |I - J| H < 2 H + r_f h: radius r_c = 1 + ceil(r_f N_c / N) along a coarsened axis (2 for
the 7-point Laplacian on any grid and for radius-2 operators on nested axes; 3 for radius-2 operators on
non-nested axes), r_f along the others; offsets whose coefficient vanishes everywhere (the corners of the
Laplacian's product) are dropped. The stencil is found by probing the matrix-free product c P^T A P with
the coloured indicator vectors of `Operator` (2 max(r_c) + 1 colours per axis): one prolongation, one fine
application and one restriction per colour, so it works unchanged on any rank layout, boundary condition and
backend.
"""
import itertools

import numpy as np
import scipy.sparse as sp

from .operators import Operator, VariableCoefficient

def radii(op):
    """The stencil radius of `op` per axis (3-D, 0 on unused axes)."""
    if isinstance(op, StencilOperator):
        return op.r
    return tuple(op.radius if a < op.mesh.ndim else 0 for a in range(3))


def galerkin_radii(op, mesh, axes):
    """The radius per axis of R A P from `op` on `mesh` coarsened along `axes` (see the module docstring)."""
    r = radii(op)
    return tuple(1 - (-r[a] * ((n + 1) // 2) // n) if a in axes else r[a]
                 for a, n in enumerate(tuple(mesh.global_shape) + (1,) * (3 - mesh.ndim)))


class StencilOperator(Operator):
    """A u = sum_s C_s(x) u(x + o_s) over the offsets o_s (rows of `offsets`, an (S, 3) integer array), with the
    coefficients `coef[..., s]` stored per owned cell (cell-major); the mesh needs max |o_s| ghost layers."""

    def __init__(self, mesh, coef, offsets, singular, backend):
        super().__init__(mesh, backend)
        self.mg = backend.kernels("linalg.multigrid")
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.r = tuple(int(q) for q in np.abs(self.offsets).max(axis=0))
        self.radius = max(self.r)
        self.coef, self.stencil = self.xp.asarray(coef), self.xp.asarray(self.offsets)
        self.singular = singular
        self.centre = int(np.nonzero(~self.offsets.any(axis=1))[0][0])

    def apply_dot(self, u, out, reduce=True):
        self.mesh.fill_ghosts(u)
        local = self.mg.stencil_apply_dot(u, self.coef, self.stencil, out, self.g, self.n)
        return self.mesh.comm.allreduce(local) if reduce else local

    def probe(self):
        coef = np.asarray(self.backend.to_host(self.coef))
        return coef[..., self.centre], np.abs(coef).sum(axis=-1)

    def to_csr(self):
        """The assembled global matrix (one rank): one diagonal band per offset, wrapped on periodic axes;
        offsets that leave the domain through a physical face carry zero coefficients and are dropped."""
        mesh = self.mesh
        if mesh.comm.size != 1:
            raise ValueError("to_csr assembles on one rank")
        shape, coef = mesh.local_shape, np.asarray(self.backend.to_host(self.coef))
        index = np.indices(shape)
        rows, cols, vals = [], [], []
        for s, offset in enumerate(self.offsets):
            target = [index[a] + offset[a] for a in range(3)]
            keep = np.ones(shape, dtype=bool)
            for a in range(mesh.ndim):
                if mesh.periodic[a]:
                    target[a] %= shape[a]
                else:
                    keep &= (target[a] >= 0) & (target[a] < shape[a])
            rows.append(np.ravel_multi_index(tuple(i[keep] for i in index), shape))
            cols.append(np.ravel_multi_index(tuple(t[keep] for t in target), shape))
            vals.append(coef[..., s][keep])
        n = mesh.global_cells
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))

    def coarsened(self, mesh):
        raise TypeError("an assembled stencil has no rediscretisation; coarsen it by galerkin()")


class GalerkinProduct(Operator):
    """The matrix-free c P^T A P on the coarse mesh of `transfer` (for probing only)."""

    def __init__(self, fine_op, transfer):
        super().__init__(transfer.coarse, fine_op.backend)
        self.fine_op, self.transfer = fine_op, transfer
        self.r = galerkin_radii(fine_op, fine_op.mesh, transfer.axes)
        self.radius = max(self.r)
        self.pe, self.ape = (fine_op.mesh.zeros(self.xp) for _ in range(2))

    def apply_dot(self, u, out, reduce=False):
        self.pe[...] = 0.0
        self.transfer.prolong_add(u, self.pe)
        self.fine_op.apply_dot(self.pe, self.ape, reduce=False)
        self.transfer.restrict(self.ape, out)


def galerkin(fine_op, transfer):
    """R A P as a `StencilOperator` on the coarse mesh of `transfer` (whose ghost width must be at least the
    largest of `galerkin_radii`)."""
    product = GalerkinProduct(fine_op, transfer)
    mesh, r = transfer.coarse, product.r
    spans = product._spans() + [1] * (3 - mesh.ndim)
    width = [2 * q + 1 for q in r]
    coef = np.zeros(mesh.local_shape + (int(np.prod(width)),))
    index = mesh.global_index()
    for colour, (_, column) in zip(itertools.product(*(range(s) for s in spans)), product._probe_columns()):
        flat, valid = 0, np.ones(mesh.local_shape, dtype=bool)
        for a in range(3):
            d = (colour[a] - index[a]) % spans[a]
            d = np.where(d > r[a], d - spans[a], d)
            valid = valid & (d >= -r[a])
            flat = flat * width[a] + d + r[a]
        flat, valid = np.broadcast_to(flat, mesh.local_shape), np.broadcast_to(valid, mesh.local_shape)
        cells = np.nonzero(valid)
        coef[cells + (flat[cells],)] = column[cells]
    offsets = np.array(list(itertools.product(*(range(-q, q + 1) for q in r))))
    used = mesh.comm.allreduce(np.any(coef != 0.0, axis=(0, 1, 2)).astype(np.int64), "max") > 0
    used |= ~offsets.any(axis=1)                      # the centre, always
    return StencilOperator(mesh, coef[..., used], offsets[used], fine_op.singular, fine_op.backend)


def rediscretise(fine_op, transfer):
    """The fine operator's discretisation on the coarse mesh of `transfer`."""
    if isinstance(fine_op, StencilOperator):
        return galerkin(fine_op, transfer)
    if isinstance(fine_op, VariableCoefficient):
        coarse = transfer.coarse
        a, one = fine_op.mesh.zeros(fine_op.xp), fine_op.mesh.zeros(fine_op.xp) + 1.0
        a[...] = fine_op.a
        ra, rone = coarse.zeros(fine_op.xp), coarse.zeros(fine_op.xp)
        transfer.restrict(a, ra, even=True)
        transfer.restrict(one, rone, even=True)
        average = np.asarray(fine_op.backend.to_host(coarse.owned(ra) / coarse.owned(rone)))
        return VariableCoefficient(coarse, fine_op.alpha, fine_op.beta, average, fine_op.backend)
    return fine_op.coarsened(transfer.coarse)


COARSE_OPERATORS = {"rediscretise": rediscretise, "galerkin": galerkin}


def cell_fields(op):
    """The per-cell data that defines `op` on its mesh (owned cells, numpy), for gathering onto one rank."""
    if isinstance(op, StencilOperator):
        return [np.asarray(op.backend.to_host(op.coef))]
    if isinstance(op, VariableCoefficient):
        return [np.asarray(op.backend.to_host(op.a[op.mesh.interior]))]
    return []


def on_mesh(op, mesh, fields):
    """`op` on another layout `mesh` of the same global grid, given its gathered `cell_fields`."""
    if isinstance(op, StencilOperator):
        return StencilOperator(mesh, fields[0], op.offsets, op.singular, op.backend)
    if isinstance(op, VariableCoefficient):
        return VariableCoefficient(mesh, op.alpha, op.beta, fields[0], op.backend)
    return op.coarsened(mesh)
