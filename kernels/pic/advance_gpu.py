"""GPU (numba.cuda) fused particle step (`advance_elements`), one thread per particle: gather, (forced) push,
move and Esirkepov deposit (atomic adds into J, as in `deposit_gpu`) with the particle in registers (the
scratch column of `advance_elements` is a thread-local array). Same per-particle bodies as `advance_cpu`."""
import functools
import math

import numpy as np
from numba import cuda, float64

from . import advance_elements as ae
from . import deposit_elements as de
from . import forcing_elements as fe
from . import gather_elements as ge
from . import pic_elements as pe
from .deposit_gpu import atomic_accumulate
from .shaped import compile_shaped
from ..twice import compile_for

__all__ = ["advance"]   # the interface shared with the cpu twin

THREADS = 128
ROWS = ae.ROWS

advance_cell = compile_for(cuda.jit(device=True), ge.fetch, ge.line, ge.plane, ge.interpolate, ge.fields_at,
                           fe.flow_factor, fe.gradient_flow_at, fe.temperature_flow_at, fe.relativistic_substep,
                           fe.relativistic_temperature_flow_at, fe.forcing_half_at,
                           pe.push_vay, pe.push_boris, pe.inverse_gamma, de.linear_weight, de.transverse,
                           de.transverse_or_mean, de.stays, de.cell_window, de.window, de.esirkepov_currents,
                           de.esirkepov_move, ae.load_at, ae.push_w_at, ae.store_at, ae.advance_at,
                           replace={"accumulate": atomic_accumulate}).advance_at


def _shaped_cell(order):
    """`advance_elements.advance_at` with the particle shape of `order` (2, 3) (`shaped.compile_shaped`)."""
    return compile_shaped(cuda.jit(device=True), order, ge.fields_at, fe.flow_factor, fe.gradient_flow_at,
                          fe.temperature_flow_at, fe.relativistic_substep, fe.relativistic_temperature_flow_at,
                          fe.forcing_half_at, pe.push_vay, pe.push_boris, pe.inverse_gamma,
                          ae.load_at, ae.push_w_at, ae.store_at, ae.advance_at,
                          replace={"accumulate": atomic_accumulate}).advance_at


@functools.lru_cache(maxsize=None)
def _kernel(order):
    """The fused step of particle shape `order` (1: `advance_cell`; 2, 3: `_shaped_cell`), compiled when first
    used."""
    cell = advance_cell if order == 1 else _shaped_cell(order)

    @cuda.jit
    def kernel(ex, ey, ez, bx, by, bz, jx, jy, jz, x, u, qm_dt, dt, pusher, f, forced, velocity, temperature, qw,
               inv_h, shift, h, inner):
        p = cuda.grid(1)
        if p < x.shape[1]:
            w = cuda.local.array((ROWS, 1), float64)
            cell((ex, ey, ez), (bx, by, bz), (jx, jy, jz), x, u, p, w, 0, qm_dt, dt, pusher, f, forced, velocity,
                 temperature, qw, inv_h, shift, (qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt), inner,
                 inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)

    return kernel


_no_forcing = []


def advance(fe_, fb, j, x, u, qm_dt, dt, pusher, f, velocity, temperature, qw, inv_h, shift, h, inner=None,
            order=1):
    """As `advance_cpu.advance` (f: the forcing coefficients, an array of 14, or None), but returns None: the
    migration then finds the leavers itself, with whole-array operations on the device."""
    forced = f is not None and bool(velocity or temperature)
    if f is None:
        if not _no_forcing:
            _no_forcing.append(cuda.to_device(np.zeros(14)))
        f = _no_forcing[0]
    n = x.shape[1]
    if n:
        _kernel(int(order))[max(1, math.ceil(n / THREADS)), THREADS](
            *fe_, *fb, *j, x, u, qm_dt, dt, int(pusher), f, forced, bool(velocity) and forced,
            int(temperature) if forced else 0, qw, tuple(inv_h), tuple(shift), tuple(h), (0.0,) * 6)
    return None
