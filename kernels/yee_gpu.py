"""GPU (numba.cuda) Yee field updates, one thread per owned cell; same interface as `yee_cpu`."""
from numba import cuda

from . import stencil
from . import yee_elements as el
from .gpu_grid import launch, owned_cell
from .twice import compile_for

_cell = compile_for(cuda.jit(device=True), el.faraday_at, el.ampere_at, stencil.binomial_at)
faraday_cell, ampere_cell, binomial_cell = _cell.faraday_at, _cell.ampere_at, _cell.binomial_at


@cuda.jit
def _faraday(ex, ey, ez, bx, by, bz, dt, g, n, o, d):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        faraday_cell(ex, ey, ez, bx, by, bz, dt, i, j, k, o[0], o[1], o[2], d[0], d[1], d[2])


@cuda.jit
def _ampere(ex, ey, ez, bx, by, bz, jx, jy, jz, dt, g, n, o, d):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        ampere_cell(ex, ey, ez, bx, by, bz, jx, jy, jz, dt, i, j, k, o[0], o[1], o[2], d[0], d[1], d[2])


@cuda.jit
def _binomial(u, out, g, n, o):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        binomial_cell(u, out, i, j, k, o[0], o[1], o[2])


def binomial(u, out, g, n, o):
    _binomial[launch(n)](u, out, g, n, o)


def faraday(e, b, dt, g, n, o, d):
    _faraday[launch(n)](*e, *b, dt, g, n, o, d)


def ampere(e, b, jc, dt, g, n, o, d):
    _ampere[launch(n)](*e, *b, *jc, dt, g, n, o, d)
