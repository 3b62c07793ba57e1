"""The GPU cell keys of the particle sort (`kernels/sort_gpu`, one thread per particle) under the CUDA simulator
against the CPU kernel (same per-particle body, `sort_elements`)."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from numba import cuda  # noqa: E402

from hpcsim.kernels.pic import sort_cpu
from hpcsim.kernels.pic import sort_gpu# noqa: E402


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_cell_keys_match_cpu(ndim):
    rng = np.random.default_rng(7 + ndim)
    n = 300                                                 # more than one thread block
    shape = tuple(6 + a if a < ndim else 1 for a in range(3))
    x = np.zeros((3, n))
    x[:ndim] = rng.uniform(-0.2, 1.2, (ndim, n))
    inv_h = tuple(float(shape[a] - 2) if a < ndim else 0.0 for a in range(3))
    shift = tuple(1.0 if a < ndim else 0.0 for a in range(3))
    expected = np.empty(n, dtype=np.int64)
    sort_cpu.fill_cell_keys(x, inv_h, shift, shape, expected)
    keys = cuda.device_array(n, dtype=np.int64)
    sort_gpu.fill_cell_keys(cuda.to_device(x), inv_h, shift, shape, keys)
    np.testing.assert_array_equal(keys.copy_to_host(), expected)
