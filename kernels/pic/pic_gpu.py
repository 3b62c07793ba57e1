"""GPU (numba.cuda) particle kernels, one thread per particle; same interface and per-particle bodies as
`pic_cpu`."""
import math

from numba import cuda

from . import forcing_elements as fe
from . import pic_elements as el
from ..twice import compile_for

THREADS = 128
_cell = compile_for(cuda.jit(device=True), fe.flow_factor, fe.gradient_flow_at, fe.temperature_flow_at,
                    fe.relativistic_substep, fe.relativistic_temperature_flow_at, fe.forcing_half_at, el.push_vay,
                    el.push_boris, el.inverse_gamma, el.push_at, el.move_at, el.push_move_at, el.push_forced_move_at)
push_move_cell, push_forced_move_cell = _cell.push_move_at, _cell.push_forced_move_at


def _blocks(n):
    return max(1, math.ceil(n / THREADS))


@cuda.jit
def _push_and_move(x, u, e, b, qm_dt, dt, pusher):
    p = cuda.grid(1)
    if p < x.shape[1]:
        push_move_cell(x, u, e, b, p, qm_dt, dt, pusher)


@cuda.jit
def _push_forced_and_move(x, u, e, b, qm_dt, dt, pusher, f, velocity, temperature):
    p = cuda.grid(1)
    if p < x.shape[1]:
        push_forced_move_cell(x, u, e, b, p, qm_dt, dt, pusher, f, velocity, temperature)


def push_and_move(x, u, e, b, qm_dt, dt, pusher):
    _push_and_move[_blocks(x.shape[1]), THREADS](x, u, e, b, qm_dt, dt, pusher)


def push_forced_and_move(x, u, e, b, qm_dt, dt, pusher, f, velocity, temperature):
    _push_forced_and_move[_blocks(x.shape[1]), THREADS](x, u, e, b, qm_dt, dt, pusher, f, velocity, temperature)
