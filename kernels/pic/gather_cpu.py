"""CPU (numba, threaded over particles) field gather (`gather_elements`), one loop per dimensionality with the
used axes as compile-time constants. Quadratic and cubic shapes (order 2, 3) have their own kernels, the order
a compile-time constant, compiled when first used."""
import functools

from numba import njit, prange, types

from . import gather_elements as el
from .gather_elements import gather_at  # noqa: F401  (called by name; compile_shaped binds it)
from .shaped import compile_shaped
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


def gather(fe, fb, e, b, x, inv_h, shift, order=1):
    """e[:, p], b[:, p] = E, B at every particle (fe, fb: tuples of the component grids, ghosts filled; axes
    with inv_h = 0 unused) with the shape of `order` (1, 2, 3)."""
    kernel = _gather_linear if order == 1 else _shaped(order, tuple(bool(v > 0.0) for v in inv_h))
    kernel(tuple(fe), tuple(fb), e, b, x, inv_h, shift)


def _gather_shaped_all(fe, fb, e, b, x, inv_h, shift, used0, used1, used2):
    for p in range(x.shape[1]):
        gather_at(fe[0], fe[1], fe[2], fb[0], fb[1], fb[2], e, b, x, p, inv_h[0], inv_h[1], inv_h[2],
                  shift[0], shift[1], shift[2], used0, used1, used2)
    return 0.0


def _shaped_loop(order):
    """The gather loop with the particle shape of `order` (2, 3) (`shaped.compile_shaped`)."""
    return compile_shaped(njit(inline="always", error_model="numpy"), order, el.fields_at, el.gather_at,
                          _gather_shaped_all, replace={"fetch": fetch_unsigned})._gather_shaped_all


gather_quadratic, gather_cubic = _shaped_loop(2), _shaped_loop(3)


@functools.lru_cache(maxsize=None)
def _shaped(order, used):
    """The gather kernel of shape `order` (2 or 3) on the `used` axes, both compile-time constants (the only
    closure variables: the disk cache finds it again), compiled when first used. Serial: numba's parallel array
    analysis fails on the shape tuples (an assertion in numba 0.68); the PIC step gathers in the fused kernel
    (`advance_cpu`), which is threaded, so this one serves diagnostics and tests."""
    used0, used1, used2 = used

    @njit(fastmath=False, error_model="numpy", cache=True)
    def kernel(fe, fb, e, b, x, inv_h, shift):
        if order == 2:
            gather_quadratic(fe, fb, e, b, x, inv_h, shift, used0, used1, used2)
        else:
            gather_cubic(fe, fb, e, b, x, inv_h, shift, used0, used1, used2)

    return kernel


@njit(parallel=True, fastmath=False, error_model="numpy", cache=True)
def _gather_linear(fe, fb, e, b, x, inv_h, shift):
    if inv_h[2] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, True)
    elif inv_h[1] > 0.0:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, True, False)
    else:
        _gather_all(fe, fb, e, b, x, inv_h, shift, True, False, False)
