"""The 3-D launch geometry of the numba.cuda mesh kernels (`gpu_grid`): every owned cell is visited by exactly
one thread and no ghost by any, for 1-D, 2-D and 3-D extents of odd sizes and several blocks per axis; the
block shape puts the threads along the contiguous owned axis, within CUDA's block limits; the block sums land
one per block."""

import numpy as np
import pytest
from numba import cuda

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.gpu_grid import THREADS, block_count, block_sum, launch, owned_cell  # noqa: E402


@cuda.jit
def _visit(u, g, n, partial):
    """u += 1 on this thread's owned cell; sums 1 per owned cell into the block partials."""
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        u[i, j, k] += 1.0
        v = 1.0
    block_sum(v, partial)


# (owned extent, ghost width): 1-D, 2-D and 3-D, odd sizes, extents spanning several blocks on each axis
CASES = [((1, 1, 1), (1, 0, 0)), ((9, 1, 1), (1, 0, 0)), ((301, 1, 1), (2, 0, 0)), ((7, 5, 1), (1, 1, 0)),
         ((3, 131, 1), (1, 1, 0)), ((5, 4, 3), (1, 1, 1)), ((3, 5, 37), (1, 2, 1)), ((2, 3, 133), (1, 1, 1))]


@pytest.mark.parametrize("n,g", CASES)
def test_each_owned_cell_once_and_no_ghost(n, g):
    u = np.zeros(tuple(a + 2 * b for a, b in zip(n, g)))
    partial = np.full(block_count(n), np.nan)
    _visit[launch(n)](u, g, n, partial)
    owned = tuple(slice(b, b + a) for a, b in zip(n, g))
    expected = np.zeros_like(u)
    expected[owned] = 1.0
    np.testing.assert_array_equal(u, expected)
    assert partial.sum() == n[0] * n[1] * n[2]         # every block wrote its partial


@pytest.mark.parametrize("n,threads", [((256, 256, 256), (128, 1, 1)), ((50, 40, 60), (64, 2, 1)),
                                       ((64, 64, 5), (8, 16, 1)), ((100, 100, 1), (1, 128, 1)),
                                       ((100, 3, 1), (1, 4, 32)), ((1000, 1, 1), (1, 1, 64)), ((4, 2, 2), (2, 2, 32))])
def test_block_shape_follows_the_owned_extent(n, threads):
    blocks, shape = launch(n)
    assert shape == threads and np.prod(shape) == (THREADS if n[1] * n[2] > 1 else 64) and shape[2] <= 64
    assert all(b * t >= m > (b - 1) * t for b, t, m in zip(blocks, shape, reversed(n)))
    assert block_count(n) == np.prod(blocks)


def test_grid_beyond_cuda_limits_is_refused():
    with pytest.raises(ValueError, match="limit"):
        launch((128 * 65536, 1, 1))
