"""CPU (numba, threaded) kernels of the geometric multigrid: prolongation, restriction, assembled-stencil
operator, polynomial smoother, red-black Gauss-Seidel.

Loops over owned cells of 3-D ghosted blocks call the per-element bodies of `multigrid_elements`.
`gf`, `gc` are the ghost widths of the fine and coarse blocks; `index`, `weight`, `span` the per-axis transfer
tables (see `multigrid_elements`).
"""
import numpy as np
from numba import njit, prange

from . import multigrid_elements as el
from . import stencil
from .linalg_cpu import sum_planes
from .twice import compile_for

_opts = dict(parallel=True, fastmath=False, cache=True)
_cell = compile_for(njit(inline="always"), stencil.laplacian_at, stencil.shifted_laplacian_at,
                    el.prolong_add_at, el.restrict_at, el.stencil_apply_at, el.chebyshev_at, el.gauss_seidel_at)
prolong_add_cell, restrict_cell, chebyshev_cell = _cell.prolong_add_at, _cell.restrict_at, _cell.chebyshev_at
gauss_seidel_cell, stencil_apply_cell = _cell.gauss_seidel_at, _cell.stencil_apply_at


@njit(**_opts)
def prolong_add(ec, ef, gf, nf, gc, index, weight):
    """ef += P ec on the fine owned cells."""
    for i in prange(gf[0], gf[0] + nf[0]):
        for j in range(gf[1], gf[1] + nf[1]):
            for k in range(gf[2], gf[2] + nf[2]):
                prolong_add_cell(ec, ef, i, j, k, gf[0], gf[1], gf[2], gc[0], gc[1], gc[2], index, weight)


@njit(**_opts)
def restrict(rf, rc, gf, gc, nc, span, rweight, scale):
    """rc = scale P^T rf on the coarse owned cells."""
    for i in prange(gc[0], gc[0] + nc[0]):
        for j in range(gc[1], gc[1] + nc[1]):
            for k in range(gc[2], gc[2] + nc[2]):
                restrict_cell(rf, rc, i, j, k, gf[0], gf[1], gf[2], gc[0], gc[1], gc[2], span, rweight,
                              scale)


@njit(**_opts)
def stencil_apply_dot(u, coef, offsets, out, g, n):
    """out = A u for the assembled stencil (`coef`, `offsets`) on the owned cells; returns the local u.out."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += stencil_apply_cell(u, coef, offsets, out, i, j, k, g[0], g[1], g[2])
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def chebyshev(x, d, r, inv_diag, c1, c2, g, n):
    """d = c1 d + c2 D^-1 r; x += d on the owned cells."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                chebyshev_cell(x, d, r, inv_diag, c1, c2, i, j, k)


@njit(**_opts)
def gauss_seidel(b, x, inv_diag, colour, parity, g, n, o, w, alpha, beta):
    """One colour of a red-black Gauss-Seidel sweep for the shifted Laplacian (ghosts of x filled)."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                gauss_seidel_cell(b, x, inv_diag, colour, parity, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2],
                                  alpha, beta)
