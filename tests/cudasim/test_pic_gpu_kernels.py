"""The numba.cuda particle push under the CUDA simulator against the CPU kernel (same per-particle bodies)."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.pic import pic_cpu
from hpcsim.kernels.pic import pic_gpu# noqa: E402


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


@pytest.mark.parametrize("velocity,temperature", [(True, False), (False, True), (True, True)])
def test_forced_push_matches_cpu(velocity, temperature):
    """The modified Vay pusher (forcing half steps around the Lorentz step) on both targets."""
    from scipy.linalg import expm

    rng = np.random.default_rng(22)
    n = 300
    x, u = rng.random((3, n)), 0.2 * rng.standard_normal((3, n))
    u[:, 0] = 0.0                                            # K = k0 exactly
    e, b = 0.1 * rng.standard_normal((3, n)), rng.standard_normal((3, n))
    G = np.array([[0.1, 0.3, 0.0], [0.0, -0.2, 0.1], [0.05, 0.0, 0.1]])
    f = np.concatenate([expm(-G * 0.05).ravel(), [0.6, 0.0, 0.8], [0.02, 0.015]])
    xc, uc, xg, ug = x.copy(), u.copy(), x.copy(), u.copy()
    pic_cpu.push_forced_and_move(xc, uc, e, b, -0.2, 0.2, 0, f, velocity, temperature)
    pic_gpu.push_forced_and_move(xg, ug, e, b, -0.2, 0.2, 0, f, velocity, temperature)
    np.testing.assert_allclose(ug, uc, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(xg, xc, rtol=1e-14, atol=1e-14)
