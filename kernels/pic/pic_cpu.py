"""CPU (numba, threaded) particle kernels for the structure-of-arrays species layout: positions x[3, N],
momenta u[3, N] (u = gamma v) and the fields gathered at the particles e[3, N], b[3, N]. `pusher` 0 is Vay,
1 is Boris; the per-particle bodies are those of `pic_elements` (and `forcing_elements` for the forced push)."""
from numba import njit, prange

from . import forcing_elements as fe
from . import pic_elements as el
from ..twice import compile_for

_cell = compile_for(njit(inline="always"), fe.flow_factor, fe.gradient_flow_at, fe.temperature_flow_at,
                    fe.relativistic_substep, fe.relativistic_temperature_flow_at, fe.forcing_half_at, el.push_vay,
                    el.push_boris, el.inverse_gamma, el.push_at, el.move_at, el.push_move_at, el.push_forced_move_at)
push_move_cell, push_forced_move_cell = _cell.push_move_at, _cell.push_forced_move_at


@njit(parallel=True, fastmath=False, cache=True)
def push_and_move(x, u, e, b, qm_dt, dt, pusher):
    """u <- pusher(u; E, B) from n-1/2 to n+1/2, then x <- x + dt u / gamma, for every particle."""
    for p in prange(x.shape[1]):
        push_move_cell(x, u, e, b, p, qm_dt, dt, pusher)


@njit(parallel=True, fastmath=False, cache=True)
def push_forced_and_move(x, u, e, b, qm_dt, dt, pusher, f, velocity, temperature):
    """As `push_and_move` with the Lorentz step between two exact half steps of the thermodynamic forcing
    (coefficients `f`, see `pic_elements.push_forced_move_at`)."""
    for p in prange(x.shape[1]):
        push_forced_move_cell(x, u, e, b, p, qm_dt, dt, pusher, f, velocity, temperature)
