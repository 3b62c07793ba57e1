"""CPU (numba, threaded) Yee field updates over the owned cells of 3-D ghosted blocks (`yee_elements`)."""
from numba import njit, prange

from . import stencil
from . import yee_elements as el
from .twice import compile_for

_cell = compile_for(njit(inline="always"), el.faraday_at, el.ampere_at, stencil.binomial_at)
faraday_cell, ampere_cell, binomial_cell = _cell.faraday_at, _cell.ampere_at, _cell.binomial_at
_opts = dict(parallel=True, fastmath=False, cache=True)


@njit(**_opts)
def faraday(e, b, dt, g, n, o, d):
    """B -= dt curl E; e and b are tuples of the three component arrays (ghosts of E filled)."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                faraday_cell(e[0], e[1], e[2], b[0], b[1], b[2], dt, i, j, k, o[0], o[1], o[2], d[0], d[1], d[2])


@njit(**_opts)
def ampere(e, b, jc, dt, g, n, o, d):
    """E += dt (curl B - J) (ghosts of B filled)."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                ampere_cell(e[0], e[1], e[2], b[0], b[1], b[2], jc[0], jc[1], jc[2], dt, i, j, k, o[0], o[1], o[2],
                            d[0], d[1], d[2])


@njit(**_opts)
def binomial(u, out, g, n, o):
    """out = one (1, 2, 1)/4 pass along every used axis of u (ghosts of u filled)."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                binomial_cell(u, out, i, j, k, o[0], o[1], o[2])
