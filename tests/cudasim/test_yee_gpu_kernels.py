"""The numba.cuda Yee updates under the CUDA simulator against the CPU kernels (same per-cell bodies)."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.pic import yee_cpu
from hpcsim.kernels.pic import yee_gpu# noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402


@pytest.mark.parametrize("shape", [(9,), (6, 5), (4, 3, 5)])
def test_faraday_and_ampere_match_cpu(shape):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), "periodic")
    rng = np.random.default_rng(31)
    fields = [rng.standard_normal(mesh.array_shape) for _ in range(9)]
    for f in fields:
        mesh.fill_ghosts(f)
    g, n = mesh.ghosts, mesh.local_shape
    o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
    d = tuple(1.0 / h for h in mesh.spacing) + (0.0,) * (3 - mesh.ndim)
    cpu, gpu = [f.copy() for f in fields], [f.copy() for f in fields]
    for k, (e, b, j) in ((yee_cpu, (cpu[0:3], cpu[3:6], cpu[6:9])), (yee_gpu, (gpu[0:3], gpu[3:6], gpu[6:9]))):
        k.faraday(tuple(e), tuple(b), 0.3, g, n, o, d)
        k.ampere(tuple(e), tuple(b), tuple(j), 0.3, g, n, o, d)
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("shape", [(9,), (6, 5), (4, 3, 5)])
def test_binomial_matches_cpu(shape):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), "periodic")
    u = np.random.default_rng(32).standard_normal(mesh.array_shape)
    mesh.fill_ghosts(u)
    o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
    out_c, out_g = mesh.zeros(), mesh.zeros()
    yee_cpu.binomial(u, out_c, mesh.ghosts, mesh.local_shape, o)
    yee_gpu.binomial(u, out_g, mesh.ghosts, mesh.local_shape, o)
    np.testing.assert_allclose(out_g, out_c, rtol=1e-14, atol=1e-14)
