"""CPU (numba, threaded over particles) field gather (`gather_elements`)."""
from numba import njit, prange

from . import gather_elements as el
from .twice import compile_for

gather_cell = compile_for(njit(inline="always"), el.interpolate, el.gather_at).gather_at


@njit(parallel=True, fastmath=False, cache=True)
def gather(fe, fb, e, b, x, inv_h, shift):
    """e[:, p], b[:, p] = E, B at every particle (fe, fb: tuples of the component grids, ghosts filled)."""
    for p in prange(x.shape[1]):
        gather_cell(fe[0], fe[1], fe[2], fb[0], fb[1], fb[2], e, b, x, p, inv_h[0], inv_h[1], inv_h[2],
                    shift[0], shift[1], shift[2])
