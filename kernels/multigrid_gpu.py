"""GPU (numba.cuda) kernels of the geometric multigrid, one thread per owned cell; same interface as
`multigrid_cpu` and the same per-element bodies (`multigrid_elements`)."""
from numba import cuda

from . import multigrid_elements as el
from . import stencil
from .gpu_grid import block_sum, launch, owned_cell
from .linalg_gpu import _reduce
from .twice import compile_for

_cell = compile_for(cuda.jit(device=True), stencil.laplacian_at, stencil.shifted_laplacian_at,
                    el.prolong_add_at, el.restrict_at, el.stencil_apply_at, el.chebyshev_at, el.gauss_seidel_at)
prolong_add_cell, restrict_cell, chebyshev_cell = _cell.prolong_add_at, _cell.restrict_at, _cell.chebyshev_at
gauss_seidel_cell, stencil_apply_cell = _cell.gauss_seidel_at, _cell.stencil_apply_at


@cuda.jit
def _prolong_add(ec, ef, gf, nf, gc, index, weight):
    i, j, k, inside = owned_cell(gf, nf)
    if inside:
        prolong_add_cell(ec, ef, i, j, k, gf[0], gf[1], gf[2], gc[0], gc[1], gc[2], index, weight)


@cuda.jit
def _restrict(rf, rc, gf, gc, nc, span, rweight, scale):
    i, j, k, inside = owned_cell(gc, nc)
    if inside:
        restrict_cell(rf, rc, i, j, k, gf[0], gf[1], gf[2], gc[0], gc[1], gc[2], span, rweight, scale)


@cuda.jit
def _stencil_apply_dot(u, coef, offsets, out, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = stencil_apply_cell(u, coef, offsets, out, i, j, k, g[0], g[1], g[2])
    block_sum(v, partial)


@cuda.jit
def _chebyshev(x, d, r, inv_diag, c1, c2, g, n):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        chebyshev_cell(x, d, r, inv_diag, c1, c2, i, j, k)


@cuda.jit
def _gauss_seidel(b, x, inv_diag, colour, parity, g, n, o, w, alpha, beta):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        gauss_seidel_cell(b, x, inv_diag, colour, parity, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)


def gauss_seidel(b, x, inv_diag, colour, parity, g, n, o, w, alpha, beta):
    _gauss_seidel[launch(n)](b, x, inv_diag, colour, parity, g, n, o, w, alpha, beta)


def prolong_add(ec, ef, gf, nf, gc, index, weight):
    _prolong_add[launch(nf)](ec, ef, gf, nf, gc, index, weight)


def restrict(rf, rc, gf, gc, nc, span, rweight, scale):
    _restrict[launch(nc)](rf, rc, gf, gc, nc, span, rweight, scale)


def stencil_apply_dot(u, coef, offsets, out, g, n):
    return _reduce(_stencil_apply_dot, u, n, u, coef, offsets, out, g, n)


def chebyshev(x, d, r, inv_diag, c1, c2, g, n):
    _chebyshev[launch(n)](x, d, r, inv_diag, c1, c2, g, n)
