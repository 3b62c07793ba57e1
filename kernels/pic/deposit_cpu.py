"""CPU deposition kernels (`deposit_elements`): a serial loop over the particles of a species, so that no two
threads add into the same node (threaded deposition with per-thread grids is future work), one loop per
dimensionality with the used axes as compile-time constants. Quadratic and cubic shapes (order 2, 3) have their
own kernels with the order a compile-time constant (`_shaped`), compiled when first used; order 1 runs the
linear kernels as before."""
import functools

from numba import njit, types

from . import deposit_elements as el
from .deposit_elements import deposit_rho_at, esirkepov_at  # noqa: F401  (called by name; compile_shaped binds them)
from .shaped import compile_shaped
from ..twice import compile_for

__all__ = ["deposit_current", "deposit_rho"]   # the interface shared with the gpu twin


@njit(inline="always")
def accumulate_unsigned(grid, i, j, k, v):
    """grid[i, j, k] += v for i, j, k >= 0 (the window starts at or above node 0 for a move of less than a cell
    with at least one ghost layer), without numba's wrap-around of negative indices."""
    grid[types.uint64(i), types.uint64(j), types.uint64(k)] += v
    return 0.0


def _rho_all(rho, x, qw, inv_h, shift):
    for p in range(x.shape[1]):
        deposit_rho_at(rho, x, types.uint64(p), qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2])
    return 0.0


def _current_all(j, x_old, x_new, u, qw, dt, inv_h, shift, h, used0, used1, used2):
    cx, cy, cz = qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt
    for p in range(x_new.shape[1]):
        esirkepov_at(j[0], j[1], j[2], x_old, x_new, u, types.uint64(p), qw, inv_h[0], inv_h[1], inv_h[2],
                     shift[0], shift[1], shift[2], cx, cy, cz, used0, used1, used2)
    return 0.0


# the loops over the particles, compiled with the linear bodies here and with each shaped one in _shaped_loops
_cell = compile_for(njit(inline="always", error_model="numpy"), el.linear_weight, el.transverse, el.transverse_or_mean,
                    el.stays, el.cell_window, el.window, el.esirkepov_currents, el.esirkepov_move,
                    el.deposit_rho_at, el.esirkepov_at, _rho_all, _current_all,
                    replace={"accumulate": accumulate_unsigned})


def _shaped_loops(order):
    """(rho loop, current loop) with the particle shape of `order` (2, 3) (`shaped.compile_shaped`)."""
    cells = compile_shaped(njit(inline="always", error_model="numpy"), order, el.esirkepov_at, _rho_all,
                           _current_all, replace={"accumulate": accumulate_unsigned,
                                                  "esirkepov_currents": _cell.esirkepov_currents})
    return cells._rho_all, cells._current_all


rho_quadratic, current_quadratic = _shaped_loops(2)
rho_cubic, current_cubic = _shaped_loops(3)


def deposit_rho(rho, x, qw, inv_h, shift, order=1):
    """rho += sum_p q w S(x_p) / V (qw = q w / V) with the shape of `order` (1, 2, 3)."""
    if order == 1:
        _deposit_rho_linear(rho, x, qw, inv_h, shift)
    else:
        _shaped(order, _used(inv_h))[0](rho, x, qw, inv_h, shift)


def deposit_current(j, x_old, x_new, u, qw, dt, inv_h, shift, h, order=1):
    """J += the Esirkepov current of every particle moving from x_old to x_new (j: tuple of 3 grids; axes with
    inv_h = 0 unused) with the shape of `order` (1, 2, 3)."""
    if order == 1:
        _deposit_current_linear(j, x_old, x_new, u, qw, dt, inv_h, shift, h)
    else:
        _shaped(order, _used(inv_h))[1](j, x_old, x_new, u, qw, dt, inv_h, shift, h)


def _used(inv_h):
    return tuple(bool(v > 0.0) for v in inv_h)


@functools.lru_cache(maxsize=None)
def _shaped(order, used):
    """(rho kernel, current kernel) of shape `order` (2 or 3) on the `used` axes, both compile-time constants
    (the only closure variables, so that the disk cache finds the kernels again: a compiled function as a closure
    variable pickles differently in every process), compiled when first used."""
    used0, used1, used2 = used

    @njit(error_model="numpy", cache=True)
    def rho_kernel(rho, x, qw, inv_h, shift):
        if order == 2:
            rho_quadratic(rho, x, qw, inv_h, shift)
        else:
            rho_cubic(rho, x, qw, inv_h, shift)

    @njit(error_model="numpy", cache=True)
    def current_kernel(j, x_old, x_new, u, qw, dt, inv_h, shift, h):
        if order == 2:
            current_quadratic(j, x_old, x_new, u, qw, dt, inv_h, shift, h, used0, used1, used2)
        else:
            current_cubic(j, x_old, x_new, u, qw, dt, inv_h, shift, h, used0, used1, used2)

    return rho_kernel, current_kernel


rho_linear, current_linear = _cell._rho_all, _cell._current_all


@njit(cache=True)
def _deposit_rho_linear(rho, x, qw, inv_h, shift):
    rho_linear(rho, x, qw, inv_h, shift)


@njit(error_model="numpy", cache=True)
def _deposit_current_linear(j, x_old, x_new, u, qw, dt, inv_h, shift, h):
    if inv_h[2] > 0.0:
        current_linear(j, x_old, x_new, u, qw, dt, inv_h, shift, h, True, True, True)
    elif inv_h[1] > 0.0:
        current_linear(j, x_old, x_new, u, qw, dt, inv_h, shift, h, True, True, False)
    else:
        current_linear(j, x_old, x_new, u, qw, dt, inv_h, shift, h, True, False, False)
