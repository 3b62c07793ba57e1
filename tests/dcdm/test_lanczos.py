"""Lanczos Ritz pairs against scipy's eigsh / eigvalsh, the obstacle operator, and the training data."""
import numpy as np
import pytest
import scipy.sparse.linalg as spla

from hpcsim.backend import CPUBackend
from hpcsim.linalg.dcdm import data
from hpcsim.linalg.dcdm.lanczos import lanczos
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()


def test_full_lanczos_gives_every_eigenvalue():
    mesh = Mesh.create(COMM, (8, 6), (1.0, 0.7), ["dirichlet", "neumann"])
    op = ShiftedLaplacian(mesh, 0.5, 1.0, CPUBackend())
    theta, vectors = lanczos(op, 48, seed=1)
    exact = np.linalg.eigvalsh(op.to_csr().toarray())
    np.testing.assert_allclose(theta, exact, rtol=1e-10, atol=1e-10 * exact.max())
    gram = vectors.reshape(48, -1) @ vectors.reshape(48, -1).T
    np.testing.assert_allclose(gram, np.eye(48), atol=1e-10)


def test_extreme_ritz_pairs_match_eigsh():
    """40 steps on 512 unknowns: the extreme Ritz values have converged to eigsh's eigenvalues, and their
    vectors are eigenvectors (residual ||A y - theta y|| small against ||A||)."""
    mesh = Mesh.create(COMM, (8, 8, 8), (1.0, 1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    A = op.to_csr()
    theta, vectors = lanczos(op, 40, seed=3)
    low = spla.eigsh(A, k=2, which="SA", return_eigenvectors=False)
    high = spla.eigsh(A, k=1, which="LA", return_eigenvectors=False)
    np.testing.assert_allclose(theta[:2], np.sort(low), rtol=1e-8)
    np.testing.assert_allclose(theta[-1], high[0], rtol=1e-8)
    y = vectors[0].reshape(-1)
    assert np.linalg.norm(A @ y - theta[0] * y) < 1e-6 * theta[-1]


def test_obstacle_operator_is_spd_with_neumann_faces_and_identity_solid_rows():
    mesh = Mesh.create(COMM, (12, 10), (1.0, 1.0), "dirichlet")
    op = ObstacleLaplacian(mesh, 0.0, 1.0, [[0.5, 0.5, 0.25]], CPUBackend())
    A = op.to_csr().toarray()
    fluid = mesh.owned(op.fluid).reshape(-1)
    assert 0 < fluid.sum() < fluid.size
    np.testing.assert_array_equal(A, A.T)
    assert np.linalg.eigvalsh(A).min() > 0
    solid = fluid == 0
    np.testing.assert_array_equal(A[np.ix_(solid, solid)], np.eye(solid.sum()))
    assert not A[np.ix_(solid, ~solid)].any()
    # a fluid cell away from the walls sums to zero along its row (no flux leaves through a solid face)
    index = np.arange(fluid.size).reshape(12, 10)
    inner = [i for i in index[1:-1, 1:-1].reshape(-1) if fluid[i]]
    np.testing.assert_allclose(A[inner].sum(axis=1), 0.0, atol=1e-9)
    # cells next to a solid one have fewer neighbours: their diagonal is below the full 2 (1/h_x^2 + 1/h_y^2)
    full = 2 * (12**2 + 10**2)
    assert any(A[i, i] < full - 1 for i in inner)


def test_lanczos_stays_in_the_fluid_and_samples_are_normalised():
    mesh = Mesh.create(COMM, (12, 10), (1.0, 1.0), "dirichlet")
    op = ObstacleLaplacian(mesh, 0.0, 1.0, [[0.5, 0.5, 0.25]], CPUBackend())
    fluid = mesh.owned(op.fluid)[..., None]
    theta, vectors = lanczos(op, 30, seed=0, support=fluid)
    assert np.all(vectors[:, fluid[..., 0] == 0] == 0.0)
    assert theta.min() > 0
    b = data.normalise(data.right_hand_sides(vectors, 5, seed=2, low_weight=9.0), COMM)
    np.testing.assert_allclose(np.sqrt((b**2).sum(axis=(1, 2, 3))), 1.0)


def test_low_end_weighting_shifts_the_spectrum_of_the_samples():
    """With w_low = 9 the mean Rayleigh quotient b.Ab of the samples is well below the unweighted one (about
    0.45 of it here: the upper half of 60 Ritz values still carries 1 of every 41 parts of the weight)."""
    mesh = Mesh.create(COMM, (16, 16), (1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    A = op.to_csr()
    _, vectors = lanczos(op, 60, seed=0)
    quotient = {}
    for w in (1.0, 9.0):
        b = data.normalise(data.right_hand_sides(vectors, 20, 4, w), COMM).reshape(20, -1)
        quotient[w] = np.mean([v @ (A @ v) for v in b])
    assert quotient[9.0] < 0.6 * quotient[1.0]


def test_data_file_round_trip(tmp_path):
    rhs = np.random.default_rng(0).standard_normal((3, 4, 6)).astype(np.float32)
    data.write(tmp_path / "d.h5", rhs, np.arange(5.0), {"alpha": 0.0, "bc": "dirichlet"})
    back, values, desc = data.read(tmp_path / "d.h5")
    np.testing.assert_array_equal(back, rhs)
    np.testing.assert_array_equal(values, np.arange(5.0))
    assert desc == {"alpha": 0.0, "bc": "dirichlet"}


@pytest.mark.parametrize("shape", [(6, 4), (4, 4, 2)])
def test_gather_global_on_one_rank(shape):
    mesh = Mesh.create(COMM, shape, (1.0,) * len(shape), "dirichlet")
    blocks = np.random.default_rng(1).standard_normal((2,) + mesh.local_shape)
    np.testing.assert_array_equal(data.gather_global(mesh, blocks), blocks.reshape((2,) + shape))
