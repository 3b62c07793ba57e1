"""CPU (numba, threaded over particles) field gather (`gather_elements`), one loop per dimensionality with the
used axes as compile-time constants. Quadratic and cubic shapes (order 2, 3) have their own kernels, the order
a compile-time constant, compiled when first used."""
import functools

from numba import njit, prange, types

from . import gather_elements as el
from . import shape_elements as sh
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


gather_shaped_cell = compile_for(njit(inline="always", error_model="numpy"), sh.shape_weight, sh.first_node,
                                 sh.node_weights, el.interpolate_shaped, el.fields_shaped_at, el.gather_shaped_at,
                                 replace={"fetch": fetch_unsigned}).gather_shaped_at


def gather(fe, fb, e, b, x, inv_h, shift, order=1):
    """e[:, p], b[:, p] = E, B at every particle (fe, fb: tuples of the component grids, ghosts filled; axes
    with inv_h = 0 unused) with the shape of `order` (1, 2, 3)."""
    (_gather_linear if order == 1 else _shaped(order))(tuple(fe), tuple(fb), e, b, x, inv_h, shift)


@njit(inline="always", error_model="numpy")
def _gather_shaped_all(fe, fb, e, b, x, inv_h, shift, used0, used1, used2, order):
    for p in range(x.shape[1]):
        gather_shaped_cell(fe[0], fe[1], fe[2], fb[0], fb[1], fb[2], e, b, x, p, inv_h[0], inv_h[1], inv_h[2],
                           shift[0], shift[1], shift[2], used0, used1, used2, order)


@functools.lru_cache(maxsize=None)
def _shaped(order):
    """The gather kernel of shape `order` (2 or 3), the order a compile-time constant (the only closure
    variable: the disk cache finds it again). KNOWN PROBLEM: compiling it (all three dimensionalities in one
    function) did not finish in 25 minutes and grew past 19 GB, as a parallel loop and as this serial one; the
    PIC step gathers in the fused kernel (`advance_cpu`), which compiles (minutes). Split per dimensionality
    before using it."""
    @njit(fastmath=False, error_model="numpy", cache=True)
    def kernel(fe, fb, e, b, x, inv_h, shift):
        if inv_h[2] > 0.0:
            _gather_shaped_all(fe, fb, e, b, x, inv_h, shift, True, True, True, order)
        elif inv_h[1] > 0.0:
            _gather_shaped_all(fe, fb, e, b, x, inv_h, shift, True, True, False, order)
        else:
            _gather_shaped_all(fe, fb, e, b, x, inv_h, shift, True, False, False, order)

    return kernel


@njit(parallel=True, fastmath=False, error_model="numpy", cache=True)
def _gather_linear(fe, fb, e, b, x, inv_h, shift):
    if inv_h[2] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, True)
    elif inv_h[1] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, False)
    else:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, False, False)
