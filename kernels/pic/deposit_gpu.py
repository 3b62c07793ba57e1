"""GPU deposition kernels, one thread per particle, the same per-particle bodies with an atomic `accumulate`."""
import math

from numba import cuda

from . import deposit_elements as el
from . import shape_elements as sh
from ..twice import compile_for

__all__ = ["deposit_current", "deposit_rho"]   # the interface shared with the cpu twin

THREADS = 128


@cuda.jit(device=True)
def atomic_accumulate(grid, i, j, k, v):
    cuda.atomic.add(grid, (i, j, k), v)
    return 0.0


_cell = compile_for(cuda.jit(device=True), el.accumulate, el.linear_weight, el.transverse, el.transverse_or_mean,
                    el.stays, el.cell_window, el.window, el.esirkepov_currents, el.esirkepov_move,
                    el.deposit_rho_at, el.esirkepov_at,
                    replace={"accumulate": atomic_accumulate})
deposit_rho_cell, esirkepov_cell = _cell.deposit_rho_at, _cell.esirkepov_at
_shaped_cell = compile_for(cuda.jit(device=True), sh.shape_weight, sh.first_node, sh.node_weights, sh.window_base,
                           sh.shape_window, el.esirkepov_currents, el.esirkepov_shaped_move,
                           el.deposit_rho_shaped_at, el.esirkepov_shaped_at,
                           replace={"accumulate": atomic_accumulate, "transverse": _cell.transverse,
                                    "transverse_or_mean": _cell.transverse_or_mean})
deposit_rho_shaped_cell, esirkepov_shaped_cell = _shaped_cell.deposit_rho_shaped_at, _shaped_cell.esirkepov_shaped_at


@cuda.jit
def _deposit_rho(rho, x, qw, inv_h, shift, order):
    p = cuda.grid(1)
    if p < x.shape[1]:
        if order == 1:
            deposit_rho_cell(rho, x, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2])
        else:
            deposit_rho_shaped_cell(rho, x, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2],
                                    order)


@cuda.jit
def _deposit_current(jx, jy, jz, x_old, x_new, u, qw, dt, inv_h, shift, h, order):
    p = cuda.grid(1)
    if p < x_new.shape[1]:
        if order == 1:
            esirkepov_cell(jx, jy, jz, x_old, x_new, u, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1],
                           shift[2], qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt,
                           inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)
        else:
            esirkepov_shaped_cell(jx, jy, jz, x_old, x_new, u, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0],
                                  shift[1], shift[2], qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt,
                                  inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0, order)


def _blocks(n):
    return max(1, math.ceil(n / THREADS))


def deposit_rho(rho, x, qw, inv_h, shift, order=1):
    _deposit_rho[_blocks(x.shape[1]), THREADS](rho, x, qw, inv_h, shift, int(order))


def deposit_current(j, x_old, x_new, u, qw, dt, inv_h, shift, h, order=1):
    _deposit_current[_blocks(x_new.shape[1]), THREADS](*j, x_old, x_new, u, qw, dt, inv_h, shift, h, int(order))
