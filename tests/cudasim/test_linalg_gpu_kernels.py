"""The numba.cuda Krylov kernels, run by the CUDA simulator on tiny blocks, against the CPU kernels.

Both are compiled from the same per-element functions; these tests catch errors in the GPU launch geometry,
the flat-index -> cell mapping and the shared-memory block reduction, and run the whole CG on the GPU kernels.
"""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from simulated_gpu import solve_on_both  # noqa: E402
from hpcsim.kernels.linalg import linalg_cpu
from hpcsim.kernels.linalg import linalg_gpu# noqa: E402
from hpcsim.linalg.cg import CG  # noqa: E402
from hpcsim.linalg.cg_deferred import DeferredCheckCG  # noqa: E402
from hpcsim.linalg.preconditioners import make_preconditioner  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402


CASES = [((9,), "dirichlet"), ((6, 5), ["neumann", "periodic"]), ((5, 4, 3), ["dirichlet", "periodic", "neumann"])]


@pytest.mark.parametrize("shape,bc", CASES)
def test_each_kernel_matches_cpu(shape, bc):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    rng = np.random.default_rng(7)
    g, n = mesh.ghosts, mesh.local_shape
    o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
    w = tuple(1.0 / h**2 for h in mesh.spacing) + (0.0,) * (3 - mesh.ndim)

    def arrays(k):
        return [rng.standard_normal(mesh.array_shape) for _ in range(k)]

    u, b = arrays(2)
    mesh.fill_ghosts(u)
    out_c, out_g = mesh.zeros(), mesh.zeros()
    s_c = linalg_cpu.apply_dot(u, out_c, g, n, o, w, 0.4, 1.3)
    s_g = linalg_gpu.apply_dot(u, out_g, g, n, o, w, 0.4, 1.3)
    np.testing.assert_allclose(out_g, out_c, rtol=1e-14, atol=1e-14)
    assert s_g == pytest.approx(s_c, rel=1e-13)
    r_c, r_g = mesh.zeros(), mesh.zeros()
    assert linalg_gpu.residual(b, u, r_g, g, n, o, w, 0.4, 1.3) == pytest.approx(
        linalg_cpu.residual(b, u, r_c, g, n, o, w, 0.4, 1.3), rel=1e-13)
    np.testing.assert_allclose(r_g, r_c, rtol=1e-14, atol=1e-14)
    assert linalg_gpu.dot(u, b, g, n) == pytest.approx(linalg_cpu.dot(u, b, g, n), rel=1e-13)

    x, r, p, q = arrays(4)
    xc, rc = x.copy(), r.copy()
    assert linalg_gpu.cg_step(x, r, p, q, 0.37, g, n) == pytest.approx(
        linalg_cpu.cg_step(xc, rc, p, q, 0.37, g, n), rel=1e-13)
    assert_kernel_equal(x, xc)
    assert_kernel_equal(r, rc)

    d, z_g, z_c = arrays(1)[0], mesh.zeros(), mesh.zeros()
    assert linalg_gpu.jacobi(r, d, z_g, g, n) == pytest.approx(linalg_cpu.jacobi(r, d, z_c, g, n), rel=1e-13)
    assert_kernel_equal(z_g, z_c)
    y_g, y_c = p.copy(), p.copy()
    linalg_gpu.xpby(r, y_g, -0.8, g, n)
    linalg_cpu.xpby(r, y_c, -0.8, g, n)
    assert_kernel_equal(y_g, y_c)
    linalg_gpu.add_constant(y_g, 2.5, g, n)
    linalg_cpu.add_constant(y_c, 2.5, g, n)
    assert_kernel_equal(y_g, y_c)


@pytest.mark.parametrize("preconditioner", ["none", "jacobi"])
def test_cg_on_gpu_kernels_matches_cpu(preconditioner):
    mesh = Mesh.create(Comm(), (5, 4), [1.0, 1.2], ["dirichlet", "neumann"])
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(3).standard_normal(mesh.local_shape)
    (rc, xc), (rg, xg) = solve_on_both(
        mesh, b, lambda op: CG(op, rtol=1e-10, preconditioner=make_preconditioner(preconditioner, op)))
    assert abs(rc.iterations - rg.iterations) <= 1
    np.testing.assert_allclose(mesh.owned(xg), mesh.owned(xc), rtol=1e-8, atol=1e-10)


def test_deferred_check_cg_on_gpu_kernels_matches_cpu():
    """The device-resident-scalar CG (two-stage block reductions into the scalar array, step lengths read
    by the threads, breakdown flag and history written by the device) against the same iteration on the CPU."""
    mesh = Mesh.create(Comm(), (4, 3, 3), [1.0, 1.2, 0.9], ["dirichlet", "neumann", "periodic"])
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(3).standard_normal(mesh.local_shape)
    (rc, xc), (rg, xg) = solve_on_both(mesh, b, lambda op: DeferredCheckCG(
        op, rtol=1e-10, preconditioner=make_preconditioner("jacobi", op), check_every=3))
    assert rc.iterations % 3 == 0
    assert rc.iterations == rg.iterations
    np.testing.assert_allclose(rg.history, rc.history, rtol=1e-8)
    np.testing.assert_allclose(mesh.owned(xg), mesh.owned(xc), rtol=1e-8, atol=1e-10)


def test_second_stage_sum_over_more_partials_than_threads():
    partial = np.random.default_rng(4).standard_normal(3 * linalg_gpu.THREADS + 7)
    s = np.zeros(4)
    linalg_gpu._sum_partials[1, linalg_gpu.THREADS](partial, partial.size, s, 2)
    assert s[2] == pytest.approx(partial.sum(), rel=1e-13) and s[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("pap", [0.8, -1.0])
def test_device_scalar_step_and_direction_match_cpu(pap):
    """cg_step_into reads alpha from the old r.z slot, leaves r.r in its slot and the history entry (-1 on a
    breakdown) beside it; direction_update reads beta from the new and old r.z slots."""
    mesh = Mesh.create(Comm(), (5, 4, 3), [1.0] * 3, "periodic")
    g, n = mesh.ghosts, mesh.local_shape
    rng = np.random.default_rng(5)
    x, r, p, q, z = (rng.standard_normal(mesh.array_shape) for _ in range(5))
    out = []
    for k in (linalg_cpu, linalg_gpu):
        s, history = np.array([pap, 0.0, 0.3, 0.6]), np.zeros(3)
        xk, rk, pk = x.copy(), r.copy(), p.copy()
        k.cg_step_into(xk, rk, pk, q, s, 3, 1, history, 2, g, n)
        k.direction_update(z, pk, s, 2, 3, g, n)
        out.append((xk, rk, pk, s, history))
    (xc, rc, pc, sc, hc), (xg, rg, pg, sg, hg) = out
    assert_kernel_equal(xg, xc)
    assert_kernel_equal(rg, rc)
    assert_kernel_equal(pg, pc)
    assert sg[1] == pytest.approx(sc[1], rel=1e-13) and sg[[0, 2, 3]].tolist() == sc[[0, 2, 3]].tolist()
    expected = -1.0 if pap < 0.0 else sc[1]
    assert hc[2] == expected and hg[2] == pytest.approx(expected, rel=1e-13) and hg[:2].tolist() == [0.0, 0.0]
