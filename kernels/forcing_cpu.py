"""CPU (numba, threaded) forcing half step over the particles of a species (`forcing_elements`)."""
from numba import njit, prange

from . import forcing_elements as el
from .twice import compile_for

forcing_half_cell = compile_for(njit(inline="always"), el.tanhc, el.tanc, el.gradient_flow_at,
                                el.temperature_flow_at, el.forcing_half_at).forcing_half_at


@njit(parallel=True, cache=True)
def forcing_half(u, m, g, h, k0, velocity, temperature):
    """u <- the forcing flow over half a step for every particle (m: the 9 entries of expm(-G dt/4) row by
    row; g: g_hat; h = |g| dt / 4; k0 = 3T/(2m))."""
    for p in prange(u.shape[1]):
        forcing_half_cell(u, p, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], g[0], g[1], g[2], h, k0,
                          velocity, temperature)
