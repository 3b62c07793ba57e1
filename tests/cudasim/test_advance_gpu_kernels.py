"""The fused GPU particle step (`kernels/advance_gpu`, one thread per particle, atomic adds into J) under the CUDA
simulator against the CPU kernel (same per-particle bodies)."""
import numba
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.pic import advance_cpu
from hpcsim.kernels.pic import advance_gpu# noqa: E402
from scipy.linalg import expm  # noqa: E402


@pytest.mark.parametrize("ndim,pusher,forcing,order", [(1, 0, None, 1), (2, 0, None, 1), (3, 1, None, 1),
                                                       (2, 0, (True, True), 1), (3, 1, (True, False), 1),
                                                       (2, 1, (False, True), 1), (2, 0, (True, 2), 1),
                                                       (2, 0, None, 3)])
def test_advance_matches_cpu(ndim, pusher, forcing, order):
    """Forcing (velocity, temperature): temperature 2 is the relativistic form. One shaped (cubic 2-D) case: the
    shapes enter through the same twins in every dimensionality (tests/pic/test_deposit.py covers 1-3-D)."""
    rng = np.random.default_rng(43 + ndim)
    n, cells, dt = 300, 6, 0.04                            # more than one thread block
    shape = tuple(cells + 6 if a < ndim else 1 for a in range(3))
    fe = tuple(rng.standard_normal(shape) for _ in range(3))
    fb = tuple(rng.standard_normal(shape) for _ in range(3))
    x = np.zeros((3, n))
    x[:ndim] = rng.uniform(0.0, 1.0, (ndim, n))
    u = 0.4 * rng.standard_normal((3, n))
    inv_h = tuple(float(cells) if a < ndim else 0.0 for a in range(3))
    shift = tuple(3.0 if a < ndim else 0.0 for a in range(3))
    h = tuple(1.0 / cells if a < ndim else 1.0 for a in range(3))
    G = np.array([[0.1, 0.3, 0.0], [0.0, -0.2, 0.1], [0.05, 0.0, 0.1]])
    f = np.concatenate([expm(-G * dt / 4).ravel(), [0.6, 0.0, 0.8], [0.02, 0.015]])
    f, velocity, temperature = (None, False, False) if forcing is None else (f, *forcing)
    numba.set_num_threads(1)
    out = []
    for k in (advance_cpu, advance_gpu):
        xs, us, j = x.copy(), u.copy(), tuple(np.zeros(shape) for _ in range(3))
        k.advance(fe, fb, j, xs, us, -dt, dt, pusher, f, velocity, temperature, -0.3, inv_h, shift, h, None, order)
        out.append((xs, us, *j))
    for a, b in zip(*out):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-13)
