"""GPU field gather under the CUDA simulator against the CPU kernel."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.pic import gather_cpu
from hpcsim.kernels.pic import gather_gpu# noqa: E402


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_gather_matches_cpu(ndim, order):
    rng = np.random.default_rng(51)
    shape = tuple(12 if a < ndim else 1 for a in range(3))
    fields = [rng.standard_normal(shape) for _ in range(6)]
    x = np.zeros((3, 30))
    x[:ndim] = rng.uniform(0.0, 1.0, (ndim, 30))
    inv_h = tuple(6.0 if a < ndim else 0.0 for a in range(3))
    shift = tuple(3.0 if a < ndim else 0.0 for a in range(3))
    out = []
    for k in (gather_cpu, gather_gpu):
        e, b = np.zeros_like(x), np.zeros_like(x)
        k.gather(tuple(fields[:3]), tuple(fields[3:]), e, b, x, inv_h, shift, order)
        out.append((e, b))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-13, atol=1e-14)
