"""Variable-coefficient and biharmonic operators: CSR twins against independent assembly, probing, symmetry,
and every preconditioner on them."""
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.operators import BiharmonicShift, Operator, ShiftedLaplacian, VariableCoefficient
from hpcsim.linalg.preconditioners import make_preconditioner
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann")]


def varcoef_csr_1d(a, h, faces, alpha, beta):
    """Independent 1-D assembly of alpha u - beta d/dx(a du/dx) with harmonic-mean faces."""
    n = len(a)
    hm = lambda p, q: 2 * p * q / (p + q)
    m = np.zeros((n, n))
    for i in range(n):
        for j, side in ((i - 1, 0), (i + 1, 1)):
            if 0 <= j < n or faces[side] == "periodic":
                j %= n
                c = hm(a[i], a[j]) / h**2
                m[i, i] += c
                m[i, j] -= c
            elif faces[side] == "dirichlet":
                m[i, i] += 2 * a[i] / h**2
    return alpha * np.eye(n) + beta * m


@pytest.mark.parametrize("faces", KINDS)
def test_variable_coefficient_1d_against_independent_assembly(faces):
    mesh = Mesh.create(COMM, (9,), (1.3,), [list(faces)])
    a = 1.0 + 0.8 * np.sin(np.arange(9.0)) ** 2
    op = VariableCoefficient(mesh, 0.4, 1.7, a, CPUBackend())
    np.testing.assert_allclose(op.to_csr().toarray(), varcoef_csr_1d(a, 1.3 / 9, faces, 0.4, 1.7), rtol=1e-13)


@pytest.mark.parametrize("shape", [(8,), (6, 5), (5, 4, 6)])
def test_constant_coefficient_and_probing_agree_with_kronecker_twin(shape):
    for bcs in itertools.product(KINDS, repeat=len(shape)):
        mesh = Mesh.create(COMM, shape, [1.0] * len(shape), [list(b) for b in bcs])
        lap = ShiftedLaplacian(mesh, 0.3, 1.2, CPUBackend())
        kron = lap.to_csr()
        assert abs(Operator.to_csr(lap) - kron).max() < 1e-10
        assert abs(VariableCoefficient(mesh, 0.3, 1.2, mesh.zeros() + 1.0, CPUBackend()).to_csr() - kron).max() < 1e-10
        np.testing.assert_allclose(lap.probe()[0].ravel(), kron.diagonal())
        np.testing.assert_allclose(1.0 / mesh.owned(lap.inverse_diagonal()).ravel(), kron.diagonal())
        assert Operator.gershgorin_bound(lap) == pytest.approx(lap.gershgorin_bound(), rel=1e-12)


@pytest.mark.parametrize("shape", [(10,), (6, 8), (5, 6, 5)])
def test_biharmonic_is_identity_plus_laplacian_squared(shape):
    combos = list(itertools.product(KINDS[:3], repeat=len(shape)))
    for bcs in combos[:: 1 if len(shape) < 3 else 4]:   # a third of the 3-D combinations keeps it fast
        mesh = Mesh.create(COMM, shape, [1.0] * len(shape), [list(b) for b in bcs])
        op = BiharmonicShift(mesh, 0.05, CPUBackend())
        lap = ShiftedLaplacian(mesh, 0.0, -1.0, CPUBackend()).to_csr()
        expect = sp.identity(mesh.global_cells) + 0.05 * (lap @ lap)
        twin = op.to_csr()
        assert abs(twin - expect).max() < 1e-9 * abs(expect).max()
        assert abs(twin - twin.T).max() < 1e-9 * abs(expect).max()
        np.testing.assert_allclose(op.probe()[0].ravel(), expect.diagonal(), rtol=1e-12)


@pytest.mark.parametrize("preconditioner", ["none", "jacobi", "chebyshev", "multigrid"])
@pytest.mark.parametrize("kind", ["variable", "biharmonic"])
def test_cg_on_operators_matches_scipy(kind, preconditioner):
    mesh = Mesh.create(COMM, (40, 36), [1.0, 0.9], ["neumann", "periodic"])
    x, y, _ = mesh.coordinates()
    if kind == "variable":
        a = mesh.zeros()
        a[mesh.interior] = 1.0 + 0.9 * np.sin(2 * np.pi * x) * np.cos(2 * np.pi * y)
        op = VariableCoefficient(mesh, 0.0, 1.0, a, CPUBackend())
    else:
        op = BiharmonicShift(mesh, 2e-5, CPUBackend())
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(5).standard_normal(mesh.local_shape)
    b[mesh.interior] -= b[mesh.interior].mean()
    u = mesh.zeros()
    res = CG(op, rtol=1e-9, max_iterations=20000,
             preconditioner=make_preconditioner(preconditioner, op)).solve(b, u)
    assert res.converged
    A = op.to_csr()
    bb = mesh.owned(b).ravel()
    assert np.linalg.norm(bb - A @ mesh.owned(u).ravel()) <= 1e-9 * np.linalg.norm(bb) * 1.0001
    if preconditioner == "multigrid":
        assert res.iterations <= 15
    ref, info = spla.cg(A, bb, rtol=1e-11, maxiter=20000)
    if op.singular:
        ref -= ref.mean()
    np.testing.assert_allclose(mesh.owned(u).ravel(), ref, atol=1e-6 * np.abs(ref).max())
