"""CPU (numba) particle sort by cell (`sort_elements`): a stable counting sort of the cell keys, O(N + cells):
one pass for the keys and their histogram, a prefix sum over the cells, one pass that places every particle.
Stable, so particles of one cell keep their order and the sort is reproducible."""
import numpy as np
from numba import njit

from . import sort_elements as el
from ..twice import compile_for

_cell = compile_for(njit(inline="always"), el.clamp_cell, el.cell_key_at)
cell_key_cell = _cell.cell_key_at


@njit(cache=True)
def fill_cell_keys(x, inv_h, shift, shape, keys):
    """keys[p] = the cell key of particle p."""
    for p in range(x.shape[1]):
        keys[p] = cell_key_cell(x, p, inv_h[0], inv_h[1], inv_h[2], shift[0], shift[1], shift[2],
                                shape[0], shape[1], shape[2])


@njit(cache=True)
def cell_order(x, inv_h, shift, shape):
    """The permutation (int64, length N) that orders the particles x[3, N] by cell key, stable."""
    n = x.shape[1]
    cells = shape[0] * shape[1] * shape[2]
    keys = np.empty(n, dtype=np.int64)
    fill_cell_keys(x, inv_h, shift, shape, keys)
    start = np.zeros(cells + 1, dtype=np.int64)
    for p in range(n):
        start[keys[p] + 1] += 1
    for c in range(cells):
        start[c + 1] += start[c]
    order = np.empty(n, dtype=np.int64)
    for p in range(n):
        k = keys[p]
        order[start[k]] = p
        start[k] += 1
    return order


def permute(a, order, scratch):
    """a[..., :] <- a[..., order] in place, through `scratch` (same leading shape and dtype, at least as many
    columns), so that neither a new array nor its first-touch page faults are paid at every sort."""
    n = a.shape[-1]
    out = scratch[..., :n]
    np.take(a, order, axis=-1, out=out, mode="clip")    # clip: no buffering (order is a permutation)
    a[...] = out
