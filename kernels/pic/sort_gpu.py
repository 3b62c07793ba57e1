"""GPU (numba.cuda + CuPy) particle sort by cell (`sort_elements`): the cell keys from one thread per particle,
then CuPy's argsort of the keys (stable: a radix sort on the device)."""
import math

from numba import cuda

from . import sort_elements as el
from ..twice import compile_for

THREADS = 128
cell_key_cell = compile_for(cuda.jit(device=True), el.clamp_cell, el.cell_key_at).cell_key_at


@cuda.jit
def _keys(x, inv_h, shift, shape, keys):
    p = cuda.grid(1)
    if p < x.shape[1]:
        keys[p] = cell_key_cell(x, p, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2],
                                shape[0], shape[1], shape[2])


def fill_cell_keys(x, inv_h, shift, shape, keys):
    """keys[p] = the cell key of particle p (keys: an int64 device array of length N)."""
    if x.shape[1]:
        _keys[max(1, math.ceil(x.shape[1] / THREADS)), THREADS](x, tuple(inv_h), tuple(shift), tuple(shape), keys)


def cell_order(x, inv_h, shift, shape):
    """The permutation that orders the particles by cell key, stable (CuPy int64)."""
    import cupy

    keys = cupy.empty(x.shape[1], dtype=cupy.int64)
    fill_cell_keys(x, inv_h, shift, shape, keys)
    return cupy.argsort(keys)


def permute(a, order, scratch):
    """a[..., :] <- a[..., order] in place, through `scratch` (as `sort_cpu.permute`)."""
    import cupy

    n = a.shape[-1]
    out = scratch[..., :n]
    cupy.take(a, order, axis=-1, out=out)
    a[...] = out
