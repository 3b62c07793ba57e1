"""The numba.cuda multigrid kernels and the variable-coefficient operator kernel, under the CUDA simulator,
against the CPU kernels compiled from the same per-element functions."""
import itertools

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, SimulatedGPU, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.backend import CPUBackend  # noqa: E402
from hpcsim.kernels.linalg import linalg_cpu
from hpcsim.kernels.linalg import linalg_gpu
from hpcsim.kernels.linalg import multigrid_cpu
from hpcsim.kernels.linalg import multigrid_gpu# noqa: E402
from hpcsim.linalg.transfer import Transfer  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402


@pytest.mark.parametrize("shape,bc,axes", [((8,), "dirichlet", [0]), ((7, 5), ["neumann", "periodic"], [0]),
                                           ((5, 4, 3), ["dirichlet", "periodic", "neumann"], [0, 1, 2])])
def test_transfer_and_smoother_kernels(shape, bc, axes):
    """Restriction and prolongation (nested and non-nested axes) and the polynomial smoother update."""
    fine = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    rng = np.random.default_rng(11)
    rf = rng.standard_normal(fine.array_shape)
    out = {}
    for name, backend in (("cpu", CPUBackend()), ("gpu", SimulatedGPU())):
        transfer = Transfer(fine, axes, 1, backend)
        coarse = transfer.coarse
        ec = np.random.default_rng(12).standard_normal(coarse.array_shape)
        rc, ef = coarse.zeros(), fine.zeros()
        transfer.restrict(rf.copy(), rc)
        transfer.prolong_add(ec, ef)
        x, d = rf.copy(), ef.copy()
        backend.kernels("linalg.multigrid").chebyshev(x, d, rf, np.abs(rf) + 1.0, 0.3, 0.7, fine.ghosts, fine.local_shape)
        out[name] = (rc, ef, x, d)
    for gpu, cpu in zip(out["gpu"], out["cpu"]):
        assert_kernel_equal(gpu, cpu)


def test_stencil_operator_kernel():
    """The assembled-stencil operator of Galerkin coarse levels (radius 2 and 3 on different axes)."""
    mesh = Mesh.create(Comm(), (5, 4, 6), [1.0, 1.1, 0.9], ["dirichlet", "periodic", "neumann"], ghost=3)
    rng = np.random.default_rng(14)
    offsets = np.array([o for o in itertools.product(range(-2, 3), range(-3, 4), range(-2, 3))
                        if abs(o[0]) + abs(o[1]) + abs(o[2]) <= 4])
    coef = rng.standard_normal(mesh.local_shape + (len(offsets),))
    u = rng.standard_normal(mesh.array_shape)
    mesh.fill_ghosts(u)
    oc, og = mesh.zeros(), mesh.zeros()
    sc = multigrid_cpu.stencil_apply_dot(u, coef, offsets, oc, mesh.ghosts, mesh.local_shape)
    sg = multigrid_gpu.stencil_apply_dot(u, coef, offsets, og, mesh.ghosts, mesh.local_shape)
    assert_kernel_equal(og, oc)
    assert sg == pytest.approx(sc, rel=1e-13)


def test_variable_coefficient_kernel():
    mesh = Mesh.create(Comm(), (5, 4, 3), [1.0, 1.1, 0.9], ["dirichlet", "periodic", "neumann"])
    rng = np.random.default_rng(12)
    u, a = rng.standard_normal(mesh.array_shape), 1.0 + rng.random(mesh.array_shape)
    mesh.fill_ghosts(u)
    args = (mesh.ghosts, mesh.local_shape, (1, 1, 1), tuple(1.0 / h**2 for h in mesh.spacing), 0.2, 1.4)
    oc, og = mesh.zeros(), mesh.zeros()
    sc = linalg_cpu.apply_dot_var(u, a, oc, *args)
    sg = linalg_gpu.apply_dot_var(u, a, og, *args)
    np.testing.assert_allclose(og, oc, rtol=1e-14, atol=1e-13)
    assert sg == pytest.approx(sc, rel=1e-13)


def test_gauss_seidel_kernel():
    mesh = Mesh.create(Comm(), (5, 4, 3), [1.0, 1.1, 0.9], ["dirichlet", "periodic", "neumann"])
    rng = np.random.default_rng(13)
    b, x0, d = rng.standard_normal(mesh.array_shape), rng.standard_normal(mesh.array_shape), \
        1.0 + rng.random(mesh.array_shape)
    mesh.fill_ghosts(x0)
    args = (mesh.ghosts, mesh.local_shape, (1, 1, 1), tuple(1.0 / h**2 for h in mesh.spacing), 0.2, 1.4)
    xc, xg = x0.copy(), x0.copy()
    for colour in (0, 1):
        multigrid_cpu.gauss_seidel(b, xc, d, colour, 1, *args)
        multigrid_gpu.gauss_seidel(b, xg, d, colour, 1, *args)
    np.testing.assert_allclose(xg, xc, rtol=1e-14, atol=1e-14)
