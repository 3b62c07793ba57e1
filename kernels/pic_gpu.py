"""GPU (numba.cuda) particle kernels, one thread per particle; same interface and per-particle bodies as
`pic_cpu`."""
import math

from numba import cuda

from . import pic_elements as el
from .twice import compile_for

THREADS = 128
_cell = compile_for(cuda.jit(device=True), el.push_vay, el.push_boris, el.inverse_gamma, el.push_move_at)
push_move_cell = _cell.push_move_at


@cuda.jit
def _push_and_move(x, u, e, b, qm_dt, dt, pusher):
    p = cuda.grid(1)
    if p < x.shape[1]:
        push_move_cell(x, u, e, b, p, qm_dt, dt, pusher)


def push_and_move(x, u, e, b, qm_dt, dt, pusher):
    _push_and_move[max(1, math.ceil(x.shape[1] / THREADS)), THREADS](x, u, e, b, qm_dt, dt, pusher)
