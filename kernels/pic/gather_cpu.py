"""CPU (numba, threaded over particles) field gather (`gather_elements`), one loop per dimensionality with the
used axes as compile-time constants."""
from numba import njit, prange, types

from . import gather_elements as el
from ..twice import compile_for

__all__ = ["gather"]   # the interface shared with the gpu twin


@njit(inline="always")
def fetch_unsigned(grid, i, j, k):
    """grid[i, j, k] for i, j, k >= 0, read without numba's wrap-around of negative indices (a test and a select
    per index and node: a quarter of the gather's time)."""
    return grid[types.uint64(i), types.uint64(j), types.uint64(k)]


gather_cell = compile_for(njit(inline="always", error_model="numpy"), el.line, el.plane, el.interpolate, el.fields_at,
                          el.gather_at, replace={"fetch": fetch_unsigned}).gather_at


@njit(inline="always", error_model="numpy")
def _gather_all(fe, fb, e, b, x, inv_h, shift, used0, used1, used2):
    for p in prange(x.shape[1]):
        gather_cell(fe[0], fe[1], fe[2], fb[0], fb[1], fb[2], e, b, x, p, inv_h[0], inv_h[1], inv_h[2],
                    shift[0], shift[1], shift[2], used0, used1, used2)


@njit(parallel=True, fastmath=False, error_model="numpy", cache=True)
def gather(fe, fb, e, b, x, inv_h, shift):
    """e[:, p], b[:, p] = E, B at every particle (fe, fb: tuples of the component grids, ghosts filled; axes
    with inv_h = 0 unused)."""
    if inv_h[2] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, True)
    elif inv_h[1] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, False)
    else:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, False, False)
