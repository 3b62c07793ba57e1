"""Multigrid at every grid size and rank count, with rediscretised and Galerkin coarse operators.

MG-preconditioned CG to rtol 1e-8 takes at most 10 iterations for every size in sweeps of odd and even sizes
(2-D: all N from 5 to 64; 3-D: odd, even and prime N up to 64), with a deep hierarchy (direct bottom of at most
16 cells, so that no size is solved by the bottom alone); the Galerkin operator equals c P^T A P; the V-cycle
is symmetric and positive for both kinds of coarse operators and for the shifted, variable-coefficient and
biharmonic operators; 1, 2 and 3 ranks give the same iterates to round-off.
"""
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.coarse_operators import galerkin
from hpcsim.linalg.multigrid import Multigrid, coarsening_axes
from hpcsim.linalg.operators import BiharmonicShift, ShiftedLaplacian, VariableCoefficient
from hpcsim.linalg.transfer import Transfer
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
SCRIPT = Path(__file__).resolve().parents[1] / "mpi_scripts" / "multigrid_sizes_check.py"


def random_block(mesh, seed, mean_free=False):
    u = mesh.zeros()
    u[mesh.interior] = np.random.default_rng(seed).standard_normal(mesh.local_shape)
    if mean_free:
        u[mesh.interior] -= u[mesh.interior].mean()
    return u


def mgcg_iterations(shape, bc, coarse="rediscretise"):
    mesh = Mesh.create(COMM, shape, [1.0] * len(shape), bc)
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    mg = Multigrid(op, coarse=coarse, direct_max=16)
    assert len(mg.levels) >= 2
    result = CG(op, rtol=1e-8, preconditioner=mg).solve(random_block(mesh, shape[0], op.singular), mesh.zeros())
    assert result.converged
    return result.iterations


@pytest.mark.parametrize("bc", ["dirichlet", "neumann", ["periodic", "dirichlet"]])
def test_mgcg_iterations_at_every_size_2d(bc):
    counts = {n: mgcg_iterations((n, n), bc) for n in range(5, 65)}
    assert max(counts.values()) <= 10, counts


@pytest.mark.parametrize("bc", ["dirichlet", ["neumann", "periodic", "dirichlet"]])
def test_mgcg_iterations_at_every_size_3d(bc):
    sizes = (5, 6, 7, 9, 11, 12, 13, 16, 17, 23, 24, 25, 31, 32, 33, 37, 47, 48, 49, 63, 64)
    counts = {n: mgcg_iterations((n, n, n), bc) for n in sizes}
    assert max(counts.values()) <= 10 and min(counts.values()) >= 6, counts


def test_mgcg_iterations_with_galerkin_coarse_operators():
    counts = {n: mgcg_iterations((n, n + 3, n - 2), "dirichlet", "galerkin") for n in (9, 17, 24, 31)}
    counts.update({n: mgcg_iterations((n, n), "neumann", "galerkin") for n in (27, 50, 63)})
    assert max(counts.values()) <= 10, counts


def operator(name, mesh):
    x, y, z = mesh.coordinates()
    return {"laplacian": lambda: ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()),
            "helmholtz": lambda: ShiftedLaplacian(mesh, 1e4, 1.0, CPUBackend()),
            "variable": lambda: VariableCoefficient(mesh, 0.0, 1.0, np.exp(2.0 * np.sin(6.0 * x) * np.cos(5.0 * y))
                                                    + 0.0 * z, CPUBackend()),
            "biharmonic": lambda: BiharmonicShift(mesh, 1e-3, CPUBackend())}[name]()


CASES = [((13, 10), ["dirichlet", "periodic"]), ((9, 7, 6), ["neumann", "dirichlet", "periodic"]),
         ((21, 17), "neumann")]


@pytest.mark.parametrize("shape,bc", CASES)
@pytest.mark.parametrize("name", ["laplacian", "variable", "biharmonic"])
def test_galerkin_operator_is_the_triple_product(shape, bc, name):
    """The probed stencil equals c P^T A P assembled from P's columns (prolongations of unit vectors)."""
    mesh = Mesh.create(COMM, shape, [1.0] * len(shape), bc, ghost=2)
    op = operator(name, mesh)
    transfer = Transfer(mesh, coarsening_axes(mesh), 2, CPUBackend())
    coarse = transfer.coarse
    p = np.zeros((mesh.global_cells, coarse.global_cells))
    for m in range(coarse.global_cells):
        e, pe = coarse.zeros(), mesh.zeros()
        e[coarse.interior] = np.eye(coarse.global_cells)[m].reshape(coarse.local_shape)
        transfer.prolong_add(e, pe)
        p[:, m] = pe[mesh.interior].ravel()
    a = op.to_csr().toarray()
    expected = transfer.scale * p.T @ a @ p
    np.testing.assert_allclose(galerkin(op, transfer).to_csr().toarray(), expected,
                               atol=1e-13 * np.abs(expected).max())


@pytest.mark.parametrize("shape,bc", CASES + [((23, 30, 11), "dirichlet")])
@pytest.mark.parametrize("name", ["laplacian", "helmholtz", "variable", "biharmonic"])
@pytest.mark.parametrize("coarse", ["rediscretise", "galerkin"])
def test_vcycle_is_symmetric_and_positive(shape, bc, name, coarse):
    """x.(M y) = y.(M x) to round-off and x.(M x) > 0 (on the mean-free vectors of a singular operator)."""
    mesh = Mesh.create(COMM, shape, [1.0] * len(shape), bc, ghost=2)
    op = operator(name, mesh)
    mg = Multigrid(op, coarse=coarse, direct_max=16)
    u, v = random_block(mesh, 1, op.singular), random_block(mesh, 2, op.singular)
    mu, mv = mesh.zeros(), mesh.zeros()
    mg.apply(u.copy(), mu)
    mg.apply(v.copy(), mv)
    uv, vu = np.sum(mesh.owned(mu) * mesh.owned(v)), np.sum(mesh.owned(u) * mesh.owned(mv))
    scale = np.sqrt(np.sum(mesh.owned(mu) ** 2) * np.sum(mesh.owned(v) ** 2))
    assert abs(uv - vu) <= 1e-12 * scale
    for w, mw in ((u, mu), (v, mv)):
        assert np.sum(mesh.owned(w) * mesh.owned(mw)) > 0.0


def run_ranks(nprocs, mpirun):
    if nprocs == 1:
        out = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, check=True).stdout
    else:
        out = mpirun(nprocs, [SCRIPT]).stdout
    return {line.split()[1]: line.split()[2:] for line in out.splitlines() if line.startswith("case ")}


def test_one_rank_equals_two_and_three_ranks(mpirun):
    """Odd and uneven blocks on 2 and 3 ranks, coarsened in place down to blocks of two cells and then gathered:
    the same hierarchy, so the same iterations and solution to round-off."""
    runs = {n: run_ranks(n, mpirun) for n in (1, 2, 3)}
    assert set(runs[1]) == {"odd3d", "deep3d", "plane2d", "galerkin3d"}
    for name, (iterations, checksum, levels) in runs[1].items():
        assert 6 <= int(iterations) <= 10, (name, iterations)
        for n in (2, 3):
            it, cs, lv = runs[n][name]
            assert it == iterations and float(cs) == pytest.approx(float(checksum), rel=1e-11), (name, n)
            assert f"on{n}rank(s)" in lv
    assert "[9,7,7]on3rank(s)<-Agglomerate" in runs[3]["deep3d"][2]
