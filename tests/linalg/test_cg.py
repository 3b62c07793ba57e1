"""Matrix-free operator and CG: agreement with the assembled CSR twin and scipy, second-order convergence of the
Poisson error, singular (pure Neumann / periodic) problems."""
import itertools
import math

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG, IncompatibleRHS
from hpcsim.linalg.manufactured import Eigenmode
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.linalg.preconditioners import make_preconditioner
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann"),
         ("neumann", "dirichlet")]
COMM = Comm()


def make(shape, bcs, alpha=0.0, beta=1.0):
    mesh = Mesh.create(COMM, shape, [1.0 + 0.25 * a for a in range(len(shape))], [list(b) for b in bcs])
    return mesh, ShiftedLaplacian(mesh, alpha, beta, CPUBackend())


def random_block(mesh, seed=0):
    u = mesh.zeros()
    u[mesh.interior] = np.random.default_rng(seed).standard_normal(mesh.local_shape)
    return u


@pytest.mark.parametrize("shape", [(11,), (7, 6), (5, 4, 6)])
def test_matrix_free_apply_equals_csr_twin(shape):
    for bcs in itertools.product(KINDS, repeat=len(shape)):
        mesh, op = make(shape, bcs, alpha=0.3, beta=1.7)
        u, out = random_block(mesh), mesh.zeros()
        udotau = op.apply_dot(u, out)
        x = mesh.owned(u).ravel()
        ax = op.to_csr() @ x
        np.testing.assert_allclose(mesh.owned(out).ravel(), ax, rtol=1e-13, atol=1e-10)
        assert udotau == pytest.approx(x @ ax, rel=1e-12)


@pytest.mark.parametrize("preconditioner", ["none", "jacobi", "chebyshev", "multigrid"])
@pytest.mark.parametrize("shape,bcs,alpha", [
    ((40,), [("dirichlet", "neumann")], 0.0),
    ((24, 17), [("dirichlet", "dirichlet"), ("periodic", "periodic")], 0.0),
    ((12, 10, 9), [("neumann", "dirichlet"), ("neumann", "neumann"), ("periodic", "periodic")], 2.0),
])
def test_cg_matches_scipy_on_csr(shape, bcs, alpha, preconditioner):
    mesh, op = make(shape, bcs, alpha)
    b, x = random_block(mesh, 1), mesh.zeros()
    rtol = 1e-10
    result = CG(op, rtol=rtol, preconditioner=make_preconditioner(preconditioner, op)).solve(b, x)
    A, bb = op.to_csr(), mesh.owned(b).ravel()
    xs, info = spla.cg(A, bb, rtol=rtol, maxiter=5000)
    assert info == 0 and result.converged
    true = np.linalg.norm(bb - A @ mesh.owned(x).ravel()) / np.linalg.norm(bb)
    assert true <= rtol and result.residual == pytest.approx(true, rel=1e-6)
    # Both solutions satisfy the tolerance: they agree to within cond(A) * rtol.
    cond = np.linalg.cond(A.toarray()) if A.shape[0] <= 1200 else 1e4
    assert np.linalg.norm(mesh.owned(x).ravel() - xs) / np.linalg.norm(xs) <= 2 * cond * rtol
    assert result.history[0] == pytest.approx(1.0) and len(result.history) == result.iterations + 1


@pytest.mark.parametrize("bcs", [
    [("dirichlet", "dirichlet")],
    [("dirichlet", "neumann"), ("periodic", "periodic")],
    [("dirichlet", "dirichlet"), ("neumann", "neumann"), ("periodic", "periodic")],
])
def test_poisson_error_is_second_order(bcs):
    """Manufactured eigenfunction: the error falls by 4 per halving of h, and equals the closed-form
    discrete error phi (K^2 / Lambda_h - 1) up to the solver tolerance."""
    ndim, errors = len(bcs), []
    sizes = {1: (32, 64, 128), 2: (16, 32, 64), 3: (8, 16, 32)}[ndim]
    for n in sizes:
        mesh, op = make((n,) * ndim, bcs)
        mode = Eigenmode(mesh, [1, 2, 1][:ndim])
        phi = mode.values()
        b = mesh.zeros()
        b[mesh.interior] = mode.k2 * phi
        u = mesh.zeros()
        assert CG(op, rtol=1e-12).solve(b, u).converged
        err = u[mesh.interior] - phi
        np.testing.assert_allclose(err, phi * (mode.k2 / mode.k2_discrete - 1.0), atol=1e-9)
        errors.append(math.sqrt(np.sum(err**2) * mesh.cell_volume))
    rates = [math.log2(e0 / e1) for e0, e1 in zip(errors, errors[1:])]
    assert all(abs(r - 2.0) < 0.05 for r in rates), rates


def test_singular_problem_compatible_and_incompatible():
    mesh, op = make((16, 12), [("neumann", "neumann"), ("periodic", "periodic")])
    assert op.singular
    b = random_block(mesh, 3)
    b[mesh.interior] -= b[mesh.interior].mean()        # compatible: zero mean
    x = mesh.zeros()
    r = CG(op, rtol=1e-10).solve(b, x)
    assert r.converged and r.compatibility_defect < 1e-12
    assert abs(x[mesh.interior].mean()) < 1e-12            # constant null-space component removed
    A = op.to_csr()
    assert np.linalg.norm(A @ mesh.owned(x).ravel() - mesh.owned(b).ravel()) <= 1e-10 * np.linalg.norm(mesh.owned(b))
    b[mesh.interior] += 0.1                                # incompatible
    with pytest.raises(IncompatibleRHS, match="incompatible with the singular operator"):
        CG(op, rtol=1e-10).solve(b, mesh.zeros())


def test_jacobi_diagonal_matches_csr():
    for bcs in [[("dirichlet", "neumann"), ("periodic", "periodic")], [("neumann", "dirichlet")] * 3]:
        mesh, op = make((6,) * len(bcs), bcs, alpha=0.5, beta=2.0)
        np.testing.assert_allclose(1.0 / mesh.owned(op.inverse_diagonal()).ravel(), op.to_csr().diagonal())


def test_cg_iteration_cap_reports_not_converged():
    mesh, op = make((64, 64), [("dirichlet", "dirichlet")] * 2)
    r = CG(op, rtol=1e-12, max_iterations=5).solve(random_block(mesh), mesh.zeros())
    assert not r.converged and r.iterations == 5 and r.residual > 1e-12


def test_reductions_do_not_depend_on_the_thread_count(tmp_path):
    """Per-plane partial sums added serially: CG gives bit-identical iterates with 1 and 2 numba threads."""
    import subprocess
    import sys

    script = tmp_path / "threads.py"
    script.write_text(
        "import numpy as np\n"
        "from hpcsim.backend import CPUBackend\nfrom hpcsim.linalg.cg import CG\n"
        "from hpcsim.linalg.operators import ShiftedLaplacian\nfrom hpcsim.mesh import Mesh\n"
        "from hpcsim.parallel import Comm\n"
        "m = Mesh.create(Comm(), (40, 30, 20), (1.0, 1.0, 1.0), 'dirichlet')\n"
        "op = ShiftedLaplacian(m, 0.0, 1.0, CPUBackend())\n"
        "b = m.zeros(); b[m.interior] = np.random.default_rng(0).standard_normal(m.local_shape)\n"
        "x = m.zeros(); r = CG(op, rtol=1e-10).solve(b, x)\n"
        "print(r.iterations, repr(float(np.sum(x * x))), repr(r.history[-1]))\n")
    outs = [subprocess.run([sys.executable, script], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "NUMBA_NUM_THREADS": t}).stdout for t in ("1", "2")]
    assert outs[0] == outs[1]
