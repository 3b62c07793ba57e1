"""The numba.cuda fused kernels of the CG variants, run by the CUDA simulator on tiny blocks, against the CPU
kernels compiled from the same per-element functions; then CG1, pipelined and flexible CG on the GPU kernels.
These catch errors in the launch geometry, the multi-row block reductions and the 4-D stack indexing."""

import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from simulated_gpu import solve_on_both  # noqa: E402
from hpcsim.kernels.linalg import krylov_fused_cpu
from hpcsim.kernels.linalg import krylov_fused_gpu# noqa: E402
from hpcsim.linalg.krylov import CG1, FlexibleCG, PipelinedCG  # noqa: E402
from hpcsim.linalg.preconditioners import make_preconditioner  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402


# 9 and 60 cells (one partly filled block), 143 cells (two blocks, the second partly filled)
CASES = [((9,), "dirichlet"), ((13, 11), ["neumann", "periodic"]), ((5, 4, 3), ["dirichlet", "periodic", "neumann"])]


def _pairs(mesh, rng, count, stack=None):
    """`count` random block arrays (or stacks), each as a (gpu, cpu) pair of equal copies."""
    shape = mesh.array_shape if stack is None else (stack,) + mesh.array_shape
    out = []
    for _ in range(count):
        a = rng.standard_normal(shape)
        out.append((a, a.copy()))
    return out


@pytest.mark.parametrize("shape,bc", CASES)
def test_each_fused_kernel_matches_cpu(shape, bc):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), bc)
    rng = np.random.default_rng(11)
    g, n = mesh.ghosts, mesh.local_shape
    gpu, cpu = krylov_fused_gpu, krylov_fused_cpu

    vs = _pairs(mesh, rng, 10)
    dg = gpu.pipelined_step(*(v[0] for v in vs), 0.37, -0.6, g, n)
    dc = cpu.pipelined_step(*(v[1] for v in vs), 0.37, -0.6, g, n)
    np.testing.assert_allclose(dg, dc, rtol=1e-13)
    for vg, vc in vs:
        assert_kernel_equal(vg, vc)

    vs = _pairs(mesh, rng, 7)
    dg = gpu.pipelined_plain_step(*(v[0] for v in vs), 0.37, -0.6, g, n)
    dc = cpu.pipelined_plain_step(*(v[1] for v in vs), 0.37, -0.6, g, n)
    np.testing.assert_allclose(dg, dc, rtol=1e-13)
    for vg, vc in vs:
        assert_kernel_equal(vg, vc)

    for name, count in (("cg1_step", 6), ("cg1_plain_step", 5)):
        vs = _pairs(mesh, rng, count)
        rg = getattr(gpu, name)(*(v[0] for v in vs), 0.37, -0.6, g, n)
        rc = getattr(cpu, name)(*(v[1] for v in vs), 0.37, -0.6, g, n)
        assert rg == pytest.approx(rc, rel=1e-13)
        for vg, vc in vs:
            assert_kernel_equal(vg, vc)

    (z, _), (stack, _) = _pairs(mesh, rng, 1)[0], _pairs(mesh, rng, 1, stack=3)[0]
    np.testing.assert_allclose(gpu.stack_dots(z, stack, g, n), cpu.stack_dots(z, stack, g, n), rtol=1e-13)
    stack_c = stack.copy()
    coef = (0.5, 0.0, -2.0)
    assert gpu.direction(z, vs[0][0], stack, coef, 1, g, n) == pytest.approx(
        cpu.direction(z, vs[0][0], stack_c, coef, 1, g, n), rel=1e-13)
    assert_kernel_equal(stack, stack_c)


@pytest.mark.parametrize("method,preconditioner", [(CG1, "none"), (PipelinedCG, "jacobi"), (FlexibleCG, "jacobi")])
def test_solvers_on_gpu_kernels_match_cpu(method, preconditioner):
    mesh = Mesh.create(Comm(), (5,), [1.0], [["dirichlet", "neumann"]])     # at most 5 iterations: fast enough
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(3).standard_normal(mesh.local_shape)
    (rc, xc), (rg, xg) = solve_on_both(
        mesh, b, lambda op: method(op, rtol=1e-10, preconditioner=make_preconditioner(preconditioner, op)))
    assert rc.iterations == rg.iterations
    np.testing.assert_allclose(mesh.owned(xg), mesh.owned(xc), rtol=1e-8, atol=1e-10)
