"""CG with device-resident scalars and a deferred convergence check (`DeferredCheckCG`), run on the CPU
kernels: it must be the same iteration as `CG`, only checked every k iterations."""
import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.errors import NumericalError
from hpcsim.linalg.cg import CG
from hpcsim.linalg.cg_deferred import DeferredCheckCG
from hpcsim.linalg.operators import BiharmonicShift, ShiftedLaplacian, VariableCoefficient
from hpcsim.linalg.preconditioners import make_preconditioner
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm


def _problem(kind):
    mesh = Mesh.create(Comm(), (20, 18, 16), (1.0, 1.0, 1.0), ["dirichlet", "periodic", "neumann"])
    backend = CPUBackend()
    if kind == "shifted":
        op = ShiftedLaplacian(mesh, 0.5, 1.0, backend)
    elif kind == "variable":
        a = mesh.zeros()
        a[mesh.interior] = 1.0 + np.random.default_rng(1).random(mesh.local_shape)
        op = VariableCoefficient(mesh, 0.0, 1.0, a, backend)
    else:
        op = BiharmonicShift(mesh, 0.01, backend)
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(0).standard_normal(mesh.local_shape)
    return mesh, op, b


@pytest.mark.parametrize("kind", ["shifted", "variable", "biharmonic"])
@pytest.mark.parametrize("pc", ["none", "jacobi", "chebyshev"])
def test_check_every_one_is_cg(kind, pc):
    """Checking every iteration, the device-scalar iteration is CG's: same count, same iterate to round-off."""
    mesh, op, b = _problem(kind)
    x_cg, x_dev = mesh.zeros(), mesh.zeros()
    ref = CG(op, 1e-9, 3000, make_preconditioner(pc, op)).solve(b.copy(), x_cg)
    dev = DeferredCheckCG(op, 1e-9, 3000, make_preconditioner(pc, op), check_every=1).solve(b.copy(), x_dev)
    assert dev.converged and dev.iterations == ref.iterations
    assert np.abs(x_dev - x_cg).max() <= 1e-12 * np.abs(x_cg).max()
    np.testing.assert_allclose(dev.history, ref.history, rtol=1e-9)


@pytest.mark.parametrize("check_every", [4, 8, 13])
def test_deferred_check_runs_at_most_k_minus_one_extra(check_every):
    mesh, op, b = _problem("shifted")
    ref = CG(op, 1e-9, 3000, make_preconditioner("jacobi", op)).solve(b.copy(), mesh.zeros())
    dev = DeferredCheckCG(op, 1e-9, 3000, make_preconditioner("jacobi", op), check_every).solve(b.copy(), mesh.zeros())
    assert dev.converged and dev.residual <= 1e-9
    assert ref.iterations <= dev.iterations < ref.iterations + check_every
    assert dev.iterations % check_every == 0 and len(dev.history) == dev.iterations + 1


def test_breakdown_is_flagged_by_the_device_and_raised():
    """A negative definite operator (alpha < 0, beta = 0): p.Ap < 0 at the first iteration."""
    mesh = Mesh.create(Comm(), (8, 8), (1.0, 1.0), "periodic")
    op = ShiftedLaplacian(mesh, -1.0, 0.0, CPUBackend())
    b = mesh.zeros()
    b[mesh.interior] = 1.0
    with pytest.raises(NumericalError, match="breakdown at iteration 1"):
        DeferredCheckCG(op, 1e-9, 100, None, check_every=4).solve(b, mesh.zeros())


def test_iteration_cap_is_honoured():
    mesh, op, b = _problem("biharmonic")
    res = DeferredCheckCG(op, 1e-12, 10, None, check_every=4).solve(b.copy(), mesh.zeros())
    assert not res.converged and res.iterations == 10
