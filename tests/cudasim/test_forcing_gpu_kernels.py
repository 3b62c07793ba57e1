"""The numba.cuda forcing half step against the CPU kernel (same per-particle bodies)."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from scipy.linalg import expm  # noqa: E402

from hpcsim.kernels import forcing_cpu, forcing_gpu  # noqa: E402


@pytest.mark.parametrize("velocity,temperature", [(True, False), (False, True), (True, True)])
def test_forcing_half_matches_cpu(velocity, temperature):
    u = np.random.default_rng(1).standard_normal((3, 150)) * 0.2
    u[:, 0] = [0.0, 0.0, 0.0]                                  # K = k0 exactly
    matrix = tuple(expm(-np.array([[0.1, 0.3, 0.0], [0.0, -0.2, 0.1], [0.05, 0.0, 0.1]]) * 0.05).ravel())
    ghat = tuple(np.array([0.6, 0.0, 0.8]))
    ug, uc = u.copy(), u.copy()
    forcing_gpu.forcing_half(ug, matrix, ghat, 0.02, 0.015, velocity, temperature)
    forcing_cpu.forcing_half(uc, matrix, ghat, 0.02, 0.015, velocity, temperature)
    assert_kernel_equal(ug, uc)
