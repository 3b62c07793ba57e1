"""GPU (numba.cuda) field gather, one thread per particle; same per-particle body as `gather_cpu`."""
import math

from numba import cuda

from . import gather_elements as el
from . import shape_elements as sh
from ..twice import compile_for

__all__ = ["gather"]   # the interface shared with the cpu twin

THREADS = 128
gather_cell = compile_for(cuda.jit(device=True), el.fetch, el.line, el.plane, el.interpolate, el.fields_at,
                          el.gather_at).gather_at
gather_shaped_cell = compile_for(cuda.jit(device=True), sh.shape_weight, sh.first_node, sh.node_weights, el.fetch,
                                 el.interpolate_shaped, el.fields_shaped_at, el.gather_shaped_at).gather_shaped_at


@cuda.jit
def _gather(ex, ey, ez, bx, by, bz, e, b, x, inv_h, shift, order):
    p = cuda.grid(1)
    if p < x.shape[1]:
        if order == 1:
            gather_cell(ex, ey, ez, bx, by, bz, e, b, x, p, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1],
                        shift[2], inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)
        else:
            gather_shaped_cell(ex, ey, ez, bx, by, bz, e, b, x, p, inv_h[0], inv_h[1], inv_h[2], shift[0],
                               shift[1], shift[2], inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0, order)


def gather(fe, fb, e, b, x, inv_h, shift, order=1):
    _gather[max(1, math.ceil(x.shape[1] / THREADS)), THREADS](*fe, *fb, e, b, x, inv_h, shift, int(order))
