"""The numba.cuda kernels of the DCDM network (the convolution also with the mask pyramid's [x, m x]) and the
obstacle operator, run by the CUDA simulator on tiny blocks, against their CPU twins; and the whole forward pass
(every level count, the shared network with and without the mask pyramid) on the GPU kernels against the CPU
one."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, SimulatedGPU, assert_kernel_equal, kernel_target

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.backend import CPUBackend  # noqa: E402
from hpcsim.kernels.linalg import dcdm_cpu  # noqa: E402
from hpcsim.kernels.linalg import dcdm_gpu  # noqa: E402
from hpcsim.linalg.dcdm.forward import Forward  # noqa: E402
from hpcsim.linalg.dcdm.network import Network  # noqa: E402
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402

CASES = [((4, 6), "dirichlet"), ((4, 2, 4), ["dirichlet", "neumann", "periodic"]), ((5, 3), "dirichlet"),
         ((3, 4, 5), "dirichlet")]


def random_network(ndim, channels, inputs, seed, levels=1, masked=False):
    rng = np.random.default_rng(seed)
    weights = {name: (rng.standard_normal(w).astype(np.float32) * 0.3,
                      rng.standard_normal(b).astype(np.float32) * (levels != "auto"))     # shared: no biases
               for name, (w, b) in Network.shapes(ndim, channels, inputs, levels, masked).items()}
    return Network(ndim, channels, inputs, weights, {}, levels, masked)


@pytest.mark.parametrize("shape,bc", CASES)
def test_each_kernel_matches_cpu(shape, bc):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    coarse = mesh.coarsened(tuple(range(mesh.ndim)), round_up=True)     # odd axes: ceil(n / 2) cells
    rng = np.random.default_rng(1)
    g, n, nc = mesh.ghosts, mesh.local_shape, coarse.local_shape
    f = tuple(2 if a < mesh.ndim else 1 for a in range(3))
    k = (3,) * mesh.ndim + (1,) * (3 - mesh.ndim)
    x = rng.standard_normal((3,) + mesh.array_shape).astype(np.float32)
    wt = rng.standard_normal((2, 3) + k).astype(np.float32)
    bias = rng.standard_normal(2).astype(np.float32)
    res = rng.standard_normal((2,) + mesh.array_shape).astype(np.float32)
    outs = [np.zeros((2,) + mesh.array_shape, np.float32) for _ in range(2)]
    for kern, out in zip((dcdm_cpu, dcdm_gpu), outs):
        kern.conv(x, wt, bias, res, out, True, True, g, n)
    assert_kernel_equal(outs[1], outs[0])
    mask = (rng.random((1,) + mesh.array_shape) > 0.3).astype(np.float32)
    wide = rng.standard_normal((2, 6) + k).astype(np.float32)         # [x, mask x]: twice x's channels
    for kern, out in zip((dcdm_cpu, dcdm_gpu), outs):
        kern.conv_masked(x, mask, wide, bias, res, out, False, False, g, n)
    assert_kernel_equal(outs[1], outs[0])
    pooled = [np.zeros((3,) + coarse.array_shape, np.float32) for _ in range(2)]
    for kern, out in zip((dcdm_cpu, dcdm_gpu), pooled):
        kern.pool(x, out, f, coarse.ghosts, nc, n)
    assert_kernel_equal(pooled[1], pooled[0])
    fine = [x.copy(), x.copy()]
    for kern, out in zip((dcdm_cpu, dcdm_gpu), fine):
        kern.unpool_add(pooled[0], out, f, g, n)
    assert_kernel_equal(fine[1], fine[0])
    op = ObstacleLaplacian(mesh, 0.3, 1.0, [[0.5] * mesh.ndim + [0.3]], CPUBackend())
    u = rng.standard_normal(mesh.array_shape)
    mesh.fill_ghosts(u)
    applied = [mesh.zeros(), mesh.zeros()]
    dots = [kern.masked_apply_dot(u, op.fluid, out, g, n, op.o, op.w, 0.3, 1.0)
            for kern, out in zip((dcdm_cpu, dcdm_gpu), applied)]
    assert_kernel_equal(applied[1], applied[0])
    assert dots[1] == pytest.approx(dots[0], rel=1e-12)


@pytest.mark.parametrize("levels,masked", [(1, False), (2, False), (3, False), ("auto", False), ("auto", True)])
@pytest.mark.parametrize("shape,bc", CASES)
def test_forward_pass_matches_cpu(shape, bc, levels, masked):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    network = random_network(mesh.ndim, 2, 2, seed=len(shape), levels=levels, masked=masked)
    x = np.random.default_rng(2).standard_normal((2,) + mesh.local_shape).astype(np.float32)
    if masked:
        x[1] = x[1] > -0.5
    outputs = []
    for backend in (CPUBackend(), SimulatedGPU()):
        forward = Forward(network, mesh, backend)
        for c in range(2):
            forward.input[c][mesh.interior] = x[c]
        outputs.append(mesh.owned(forward.run()[0]).copy())
    assert np.abs(outputs[0]).max() > 0.1
    assert_kernel_equal(outputs[1], outputs[0])
