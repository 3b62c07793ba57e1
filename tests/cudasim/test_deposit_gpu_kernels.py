"""GPU deposition (atomic adds) under the CUDA simulator against the CPU kernels."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.pic import deposit_cpu
from hpcsim.kernels.pic import deposit_gpu# noqa: E402


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_rho_and_current_match_cpu(ndim, order):
    rng = np.random.default_rng(41)
    n, cells = 40, 6
    shape = tuple(cells + 6 if a < ndim else 1 for a in range(3))
    x_old = np.zeros((3, n))
    x_old[:ndim] = rng.uniform(0.0, 1.0, (ndim, n))
    u = rng.uniform(-2, 2, (3, n))
    x_new = x_old + 0.05 * u / np.sqrt(1 + np.sum(u * u, axis=0))
    x_new[ndim:] = 0.0
    inv_h = tuple(float(cells) if a < ndim else 0.0 for a in range(3))
    shift = tuple(3 if a < ndim else 0 for a in range(3))
    h = tuple(1.0 / cells if a < ndim else 1.0 for a in range(3))
    out = []
    for k in (deposit_cpu, deposit_gpu):
        rho, j = np.zeros(shape), tuple(np.zeros(shape) for _ in range(3))
        k.deposit_rho(rho, x_old, 0.3, inv_h, shift, order)
        k.deposit_current(j, x_old, x_new, u, 0.3, 0.05, inv_h, shift, h, order)
        out.append((rho, *j))
    for a, b in zip(*out):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-13)
