"""The whole V-cycle on the numba.cuda kernels (under the CUDA simulator, or on a GPU) against the CPU kernels:
odd sizes, uneven coarsening, rediscretised and Galerkin coarse operators."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, SimulatedGPU, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.backend import CPUBackend  # noqa: E402
from hpcsim.linalg.multigrid import Multigrid  # noqa: E402
from hpcsim.linalg.operators import ShiftedLaplacian, VariableCoefficient  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402


@pytest.mark.parametrize("shape,bc,coarse,variable", [((7, 5), ["dirichlet", "periodic"], "rediscretise", True),
                                                      ((7, 5), ["dirichlet", "periodic"], "galerkin", True),
                                                      ((5, 4, 3), "neumann", "rediscretise", False)])
def test_vcycle_matches_cpu(shape, bc, coarse, variable):
    """(The simulator runs every thread in Python: the sizes are tiny, the 3-D case the Laplacian only.)"""
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc, ghost=2)
    x, y, z = mesh.coordinates()
    coefficient = 1.0 + x * y + 0.0 * z
    r = mesh.zeros()
    r[mesh.interior] = np.random.default_rng(15).standard_normal(mesh.local_shape)
    r[mesh.interior] -= r[mesh.interior].mean()
    out = []
    for backend in (CPUBackend(), SimulatedGPU()):
        operators = [ShiftedLaplacian(mesh, 0.0, 1.0, backend)]
        if variable:
            operators.append(VariableCoefficient(mesh, 0.1, 1.0, coefficient, backend))
        for op in operators:
            z = mesh.zeros()
            mg = Multigrid(op, coarse=coarse, direct_max=4)
            assert len(mg.levels) >= 2
            mg.apply(r.copy(), z)
            out.append(z[mesh.interior])
    half = len(out) // 2
    for cpu, gpu in zip(out[:half], out[half:]):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-12, atol=1e-12 * np.abs(cpu).max())
