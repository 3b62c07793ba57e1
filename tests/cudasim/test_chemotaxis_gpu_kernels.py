"""The numba.cuda chemotaxis kernels, run by the CUDA simulator on tiny blocks, against the CPU kernels (both
compiled from `kernels.chemotaxis.chemotaxis_elements`), on 1-, 2- and 3-D blocks with large signal jumps (the drift-
dominated branch of the Scharfetter-Gummel weights) and a zero density cell (the n log n branch)."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.kernels.chemotaxis import chemotaxis_cpu
from hpcsim.kernels.chemotaxis import chemotaxis_gpu# noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402

CASES = [((9,), "neumann"), ((6, 5), ["neumann", "periodic"]), ((5, 4, 3), "neumann")]


@pytest.mark.parametrize("shape,bc", CASES)
def test_each_kernel_matches_cpu(shape, bc):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    rng = np.random.default_rng(3)
    g, n = mesh.ghosts, mesh.local_shape
    o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
    d = tuple(1.0 / h for h in mesh.spacing) + (0.0,) * (3 - mesh.ndim)
    rho, c, w = (rng.uniform(0.0, 3.0, mesh.array_shape) for _ in range(3))
    c *= 10.0
    rho[mesh.interior][(0,) * 3] = 0.0
    for a in (rho, c):
        mesh.fill_ghosts(a)
    out_c, out_g = mesh.zeros(), mesh.zeros()
    chemotaxis_cpu.density_step(rho, c, out_c, g, n, o, d, 1.3, 1e-3, 0.5)
    chemotaxis_gpu.density_step(rho, c, out_g, g, n, o, d, 1.3, 1e-3, 0.5)
    assert_kernel_equal(out_g, out_c)
    chemotaxis_cpu.drift_divergence(rho, c, out_c, g, n, o, d, 1.3)
    chemotaxis_gpu.drift_divergence(rho, c, out_g, g, n, o, d, 1.3)
    assert_kernel_equal(out_g, out_c)
    chemotaxis_cpu.positivity_rate(c, out_c, g, n, o, d, 1.3)
    chemotaxis_gpu.positivity_rate(c, out_g, g, n, o, d, 1.3)
    assert_kernel_equal(out_g, out_c)
    e_c = chemotaxis_cpu.lyapunov(rho, c, w, g, n, o, d, 1.3, 2.0, 1.0, 1.0)
    e_g = chemotaxis_gpu.lyapunov(rho, c, w, g, n, o, d, 1.3, 2.0, 1.0, 1.0)
    assert e_g == pytest.approx(e_c, rel=1e-13)


def test_radial_kernels_match_cpu():
    cells, h = 7, 0.25
    rng = np.random.default_rng(5)
    g, n, d = (1, 0, 0), (cells, 1, 1), (1.0 / h, 0.0, 0.0)
    faces = np.arange(cells + 1) * h
    area = np.concatenate([[0.0], faces**2])
    volume = np.concatenate([[1.0], (faces[1:] ** 3 - faces[:-1] ** 3) / 3.0, [1.0]])
    rho, c, w = (rng.uniform(0.0, 3.0, (cells + 2, 1, 1)) for _ in range(3))
    c *= 10.0
    out_c, out_g = np.zeros_like(rho), np.zeros_like(rho)
    chemotaxis_cpu.radial_density_step(rho, c, out_c, g, n, area, volume, d, 0.7, 1e-3, 0.0)
    chemotaxis_gpu.radial_density_step(rho, c, out_g, g, n, area, volume, d, 0.7, 1e-3, 0.0)
    assert_kernel_equal(out_g, out_c)
    chemotaxis_cpu.radial_positivity_rate(c, out_c, g, n, area, volume, d, 0.7)
    chemotaxis_gpu.radial_positivity_rate(c, out_g, g, n, area, volume, d, 0.7)
    assert_kernel_equal(out_g, out_c)
    assert chemotaxis_gpu.radial_lyapunov(rho, c, w, g, n, area, volume, d, 0.7, 2.0, 1.0, 1.0) == pytest.approx(
        chemotaxis_cpu.radial_lyapunov(rho, c, w, g, n, area, volume, d, 0.7, 2.0, 1.0, 1.0), rel=1e-13)
