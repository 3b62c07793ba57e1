"""GPU deposition kernels, one thread per particle, the same per-particle bodies with an atomic `accumulate`."""
import functools
import math

from numba import cuda

from . import deposit_elements as el
from .shaped import compile_shaped
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


@functools.lru_cache(maxsize=None)
def _kernels(order):
    """(rho kernel, current kernel) of particle shape `order` (1: the linear bodies; 2, 3: the same with the
    shaped charge and current, `shaped.compile_shaped`), compiled when first used."""
    if order == 1:
        rho_cell, current_cell = deposit_rho_cell, esirkepov_cell
    else:
        cells = compile_shaped(cuda.jit(device=True), order, el.esirkepov_at,
                               replace={"accumulate": atomic_accumulate,
                                        "esirkepov_currents": _cell.esirkepov_currents})
        rho_cell, current_cell = cells.deposit_rho_at, cells.esirkepov_at

    @cuda.jit
    def rho_kernel(rho, x, qw, inv_h, shift):
        p = cuda.grid(1)
        if p < x.shape[1]:
            rho_cell(rho, x, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2])

    @cuda.jit
    def current_kernel(jx, jy, jz, x_old, x_new, u, qw, dt, inv_h, shift, h):
        p = cuda.grid(1)
        if p < x_new.shape[1]:
            current_cell(jx, jy, jz, x_old, x_new, u, p, qw, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1],
                         shift[2], qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt,
                         inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)

    return rho_kernel, current_kernel


def _blocks(n):
    return max(1, math.ceil(n / THREADS))


def deposit_rho(rho, x, qw, inv_h, shift, order=1):
    _kernels(int(order))[0][_blocks(x.shape[1]), THREADS](rho, x, qw, inv_h, shift)


def deposit_current(j, x_old, x_new, u, qw, dt, inv_h, shift, h, order=1):
    _kernels(int(order))[1][_blocks(x_new.shape[1]), THREADS](*j, x_old, x_new, u, qw, dt, inv_h, shift, h)
