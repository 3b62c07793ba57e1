"""GPU (numba.cuda) field gather, one thread per particle; same per-particle body as `gather_cpu`."""
import functools
import math

from numba import cuda

from . import gather_elements as el
from .shaped import compile_shaped
from ..twice import compile_for

__all__ = ["gather"]   # the interface shared with the cpu twin

THREADS = 128
gather_cell = compile_for(cuda.jit(device=True), el.fetch, el.line, el.plane, el.interpolate, el.fields_at,
                          el.gather_at).gather_at


@functools.lru_cache(maxsize=None)
def _kernel(order):
    """The gather of particle shape `order` (1: `gather_cell`; 2, 3: the same body with the shaped interpolation,
    `shaped.compile_shaped`), compiled when first used."""
    cell = gather_cell if order == 1 else compile_shaped(cuda.jit(device=True), order, el.fields_at,
                                                         el.gather_at).gather_at

    @cuda.jit
    def kernel(ex, ey, ez, bx, by, bz, e, b, x, inv_h, shift):
        p = cuda.grid(1)
        if p < x.shape[1]:
            cell(ex, ey, ez, bx, by, bz, e, b, x, p, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2],
                 inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)

    return kernel


def gather(fe, fb, e, b, x, inv_h, shift, order=1):
    _kernel(int(order))[max(1, math.ceil(x.shape[1] / THREADS)), THREADS](*fe, *fb, e, b, x, inv_h, shift)
