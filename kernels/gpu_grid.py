"""Launch geometry of the numba.cuda mesh kernels: one thread per owned cell of a 3-D ghosted block array, on a
3-D grid of 3-D thread blocks.

Thread axis x runs along array axis 2 (k, contiguous in memory), y along j and z along i, so consecutive
threads of a warp touch consecutive memory and the cell indices come from `cuda.grid(3)` without any integer
division. The block shape follows the owned extent: rows of up to THREADS cells along k (on an H100 at 256^3,
128 x 1 x 1 blocks ran the streaming updates up to 14 % faster than 32 x 4 x 1 tiles and the 7-point stencil as
fast), then along j and i where k is short: along j on a 2-D mesh (n_k = 1) and along i on a 1-D one, so no
thread of a block is wasted on an axis of one cell (CUDA allows at most 64 threads along z: a 1-D mesh gets
blocks of 64).

Reductions sum each block in shared memory (a fixed tree: reproducible) into one partial per block, indexed by
the flat block index; `block_count` gives the number of blocks, the length of the partial array.
"""
import numpy as np
from numba import cuda, float64

THREADS = 128               # threads per block (fewer only where the extent leaves no other choice)
_BLOCK_Z_MAX = 64           # CUDA's limit on a block's z extent
_GRID_YZ_MAX = 65535        # CUDA's limit on the grid's y and z extents


def _pow2_at_least(m):
    p = 1
    while p < m:
        p *= 2
    return p


def launch(n):
    """(blocks, threads) of a kernel over the owned extent n = (n_i, n_j, n_k), for `kernel[blocks, threads]`;
    the blocks as a 3-tuple, x covering k, y covering j, z covering i; a power of two of threads per block."""
    bx = min(THREADS, _pow2_at_least(n[2]))
    by = min(THREADS // bx, _pow2_at_least(n[1]))
    bz = min(_BLOCK_Z_MAX, THREADS // (bx * by))
    blocks = (-(-n[2] // bx), -(-n[1] // by), -(-n[0] // bz))
    if max(blocks[1:]) > _GRID_YZ_MAX:
        raise ValueError(f"owned extent {tuple(n)} needs a grid {blocks} beyond CUDA's y/z limit {_GRID_YZ_MAX}")
    return blocks, (bx, by, bz)


def block_count(n):
    """Number of blocks of `launch(n)`: the length of a reducing kernel's partial array."""
    bx, by, bz = launch(n)[0]
    return bx * by * bz


@cuda.jit(device=True)
def owned_cell(g, n):
    """This thread's cell: (i, j, k) array indices (ghost offsets g added) and whether it is an owned cell."""
    k, j, i = cuda.grid(3)
    return i + g[0], j + g[1], k + g[2], i < n[0] and j < n[1] and k < n[2]


@cuda.jit(device=True)
def block_sum(value, partial):
    """Sum `value` over the thread block (shared-memory tree over the flat thread index; a power of two of
    threads, at most THREADS); thread 0 stores it in partial[flat block index]. Every thread must call it."""
    cache = cuda.shared.array(THREADS, float64)
    t = cuda.threadIdx.x + cuda.blockDim.x * (cuda.threadIdx.y + cuda.blockDim.y * cuda.threadIdx.z)
    cache[t] = value
    cuda.syncthreads()
    stride = cuda.blockDim.x * cuda.blockDim.y * cuda.blockDim.z // 2
    while stride > 0:
        if t < stride:
            cache[t] += cache[t + stride]
        cuda.syncthreads()
        stride //= 2
    if t == 0:
        partial[cuda.blockIdx.x + cuda.gridDim.x * (cuda.blockIdx.y + cuda.gridDim.y * cuda.blockIdx.z)] = cache[0]


def partial_array(like, size):
    """Zeros for `size` per-block partial sums in the array module of `like` (CuPy on a GPU, numpy under the
    CUDA simulator)."""
    if isinstance(like, np.ndarray):
        return np.zeros(size)
    import cupy

    return cupy.zeros(size)


def reduce_blocks(kernel, like, n, *args):
    """Launch a reducing kernel over the owned extent n and return the sum of its per-block partials as a
    Python float."""
    partial = partial_array(like, block_count(n))
    kernel[launch(n)](*args, partial)
    return float(partial.sum())


def reduce_block_rows(kernel, like, n, rows, *args):
    """Launch a kernel fusing `rows` reductions (each into its row of a (rows, blocks) partial array) over the
    owned extent n; returns their sums as a host numpy array."""
    partial = partial_array(like, (rows, block_count(n)))
    kernel[launch(n)](*args, partial)
    total = partial.sum(axis=1)
    return total if isinstance(like, np.ndarray) else total.get()
