"""GPU (numba.cuda) forcing half step, one thread per particle; same per-particle body as `forcing_cpu`."""
import math

from numba import cuda

from . import forcing_elements as el
from .twice import compile_for

THREADS = 128
forcing_half_cell = compile_for(cuda.jit(device=True), el.tanhc, el.tanc, el.gradient_flow_at,
                                el.temperature_flow_at, el.forcing_half_at).forcing_half_at


@cuda.jit
def _forcing_half(u, m, g, h, k0, velocity, temperature):
    p = cuda.grid(1)
    if p < u.shape[1]:
        forcing_half_cell(u, p, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], g[0], g[1], g[2], h, k0,
                          velocity, temperature)


def forcing_half(u, m, g, h, k0, velocity, temperature):
    _forcing_half[max(1, math.ceil(u.shape[1] / THREADS)), THREADS](u, m, g, h, k0, velocity, temperature)
