"""GPU (numba.cuda) Yee field updates, one thread per owned cell; same interface as `yee_cpu`."""
from numba import cuda

from . import stencil
from . import yee_elements as el
from .linalg_gpu import THREADS, _blocks, owned_cell
from .twice import compile_for

_cell = compile_for(cuda.jit(device=True), el.faraday_at, el.ampere_at, stencil.binomial_at)
faraday_cell, ampere_cell, binomial_cell = _cell.faraday_at, _cell.ampere_at, _cell.binomial_at


@cuda.jit
def _faraday(ex, ey, ez, bx, by, bz, dt, g, n, o, d):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        faraday_cell(ex, ey, ez, bx, by, bz, dt, i, j, k, o[0], o[1], o[2], d[0], d[1], d[2])


@cuda.jit
def _ampere(ex, ey, ez, bx, by, bz, jx, jy, jz, dt, g, n, o, d):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        ampere_cell(ex, ey, ez, bx, by, bz, jx, jy, jz, dt, i, j, k, o[0], o[1], o[2], d[0], d[1], d[2])


@cuda.jit
def _binomial(u, out, g, n, o):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        binomial_cell(u, out, i, j, k, o[0], o[1], o[2])


def binomial(u, out, g, n, o):
    _binomial[_blocks(n), THREADS](u, out, g, n, o)


def faraday(e, b, dt, g, n, o, d):
    _faraday[_blocks(n), THREADS](*e, *b, dt, g, n, o, d)


def ampere(e, b, jc, dt, g, n, o, d):
    _ampere[_blocks(n), THREADS](*e, *b, *jc, dt, g, n, o, d)
