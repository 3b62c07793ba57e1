"""The numba.cuda particle push under the CUDA simulator against the CPU kernel (same per-particle bodies)."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels import pic_cpu, pic_gpu  # noqa: E402


@pytest.mark.parametrize("pusher", [0, 1])
def test_push_and_move_matches_cpu(pusher):
    rng = np.random.default_rng(21)
    n = 300                                   # more than one thread block
    x, u = rng.random((3, n)), 3.0 * rng.standard_normal((3, n))
    e, b = rng.standard_normal((3, n)), 2.0 * rng.standard_normal((3, n))
    xc, uc, xg, ug = x.copy(), u.copy(), x.copy(), u.copy()
    pic_cpu.push_and_move(xc, uc, e, b, -0.1, 0.1, pusher)
    pic_gpu.push_and_move(xg, ug, e, b, -0.1, 0.1, pusher)
    np.testing.assert_allclose(ug, uc, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(xg, xc, rtol=1e-14, atol=1e-14)
