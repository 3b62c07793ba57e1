"""Geometric multigrid: exact transpose of restriction and prolongation, a symmetric V-cycle, h-independent
MG-preconditioned CG, the stand-alone V-cycle solver on every boundary kind, odd sizes, and 1 against 2 ranks."""
import itertools
from pathlib import Path

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.kernels import multigrid_cpu as mgk
from hpcsim.linalg.cg import CG
from hpcsim.linalg.multigrid import Multigrid
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann")]


def block(mesh, rng):
    u = mesh.zeros()
    u[mesh.interior] = rng.standard_normal(mesh.local_shape)
    return u


@pytest.mark.parametrize("shape", [(8,), (8, 6), (6, 4, 4), (8, 5)])
def test_restriction_is_scaled_transpose_of_prolongation(shape):
    rng = np.random.default_rng(1)
    for bcs in itertools.product(KINDS, repeat=len(shape)):
        fine = Mesh.create(COMM, shape, [1.0] * len(shape), [list(b) for b in bcs])
        axes = [a for a in range(fine.ndim) if fine.local_shape[a] % 2 == 0]
        coarse = fine.coarsened(axes)
        flags = tuple(1 if a in axes else 0 for a in range(3))
        uf, vc = block(fine, rng), block(coarse, rng)
        fine.fill_ghosts(uf)
        coarse.fill_ghosts(vc)
        ru, pv = coarse.zeros(), fine.zeros()
        mgk.restrict(uf, ru, fine.ghosts, coarse.ghosts, coarse.local_shape, flags)
        mgk.prolong_add(vc, pv, fine.ghosts, fine.local_shape, coarse.ghosts, flags)
        lhs = np.sum(fine.owned(uf) * fine.owned(pv))
        rhs = 2 ** len(axes) * np.sum(coarse.owned(ru) * coarse.owned(vc))
        assert lhs == pytest.approx(rhs, rel=1e-12), bcs


def test_prolongation_is_exact_for_linear_functions_inside():
    fine = Mesh.create(COMM, (16, 12), [2.0, 1.0], "periodic")
    coarse = fine.coarsened([0, 1])
    x, y, _ = coarse.coordinates()
    ec = coarse.zeros()
    ec[coarse.interior] = 3.0 * x - 2.0 * y + 0.5
    coarse.fill_ghosts(ec)
    ef = fine.zeros()
    mgk.prolong_add(ec, ef, fine.ghosts, fine.local_shape, coarse.ghosts, (1, 1, 0))
    xf, yf, _ = fine.coordinates()
    inner = (slice(2, -2), slice(2, -2), 0)   # away from the periodic wrap
    np.testing.assert_allclose(fine.owned(ef)[inner[:2]], (3.0 * xf - 2.0 * yf + 0.5)[inner], atol=1e-13)


@pytest.mark.parametrize("shape,bc", [((32, 24), ["dirichlet", "periodic"]), ((16, 12, 10), "neumann"),
                                      ((15, 16), "dirichlet")])
def test_vcycle_is_symmetric(shape, bc):
    mesh = Mesh.create(COMM, shape, [1.0] * len(shape), bc)
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    mg = Multigrid(op)
    rng = np.random.default_rng(2)
    u, v = block(mesh, rng), block(mesh, rng)
    if op.singular:
        u[mesh.interior] -= u[mesh.interior].mean()
        v[mesh.interior] -= v[mesh.interior].mean()
    mu, mv = mesh.zeros(), mesh.zeros()
    mg.apply(u.copy(), mu)
    mg.apply(v.copy(), mv)
    a, b = np.sum(mesh.owned(mu) * mesh.owned(v)), np.sum(mesh.owned(u) * mesh.owned(mv))
    assert a == pytest.approx(b, rel=1e-10)
    assert np.sum(mesh.owned(mu) * mesh.owned(u)) > 0        # positive definite on the range


def test_mg_cg_iterations_flat_under_refinement():
    """7-point Dirichlet Laplacian, rtol 1e-8: iteration counts nearly independent of h (32^3 .. 128^3)."""
    counts = []
    for n in (32, 64, 128):
        mesh = Mesh.create(COMM, (n, n, n), [1.0] * 3, "dirichlet")
        op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
        result = CG(op, rtol=1e-8, preconditioner=Multigrid(op)).solve(block(mesh, np.random.default_rng(0)),
                                                                         mesh.zeros())
        assert result.converged
        counts.append(result.iterations)
    assert max(counts) <= 12 and max(counts) - min(counts) <= 2, counts


@pytest.mark.parametrize("bcs", list(itertools.product(KINDS, repeat=2)))
def test_standalone_vcycle_solver_all_boundaries(bcs):
    mesh = Mesh.create(COMM, (32, 20), [1.0, 0.7], [list(b) for b in bcs])
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    b = block(mesh, np.random.default_rng(3))
    if op.singular:
        b[mesh.interior] -= b[mesh.interior].mean()
    converged, cycles, history = Multigrid(op).solve(b, mesh.zeros(), rtol=1e-8)
    assert converged and cycles <= 16, history
    rates = [h1 / h0 for h0, h1 in zip(history, history[1:])]
    assert max(rates) < 0.35, rates


def test_odd_sizes_coarsen_where_they_can():
    mesh = Mesh.create(COMM, (88, 27, 40), [1.0] * 3, ["dirichlet", "neumann", "periodic"])
    op = ShiftedLaplacian(mesh, 0.5, 1.0, CPUBackend())
    mg = Multigrid(op)
    shapes = [tuple(lvl.mesh.global_shape) for lvl in mg.levels]
    assert shapes == [(88, 27, 40), (44, 27, 20), (22, 27, 10)]   # the odd axis is never coarsened
    assert type(mg.levels[-1].bottom).__name__ == "DirectBottom"
    result = CG(op, rtol=1e-10, preconditioner=mg).solve(block(mesh, np.random.default_rng(4)), mesh.zeros())
    assert result.converged and result.iterations <= 15


def test_one_rank_equals_two_ranks(mpirun):
    out = mpirun(2, [Path(__file__).parent / "mpi_scripts" / "multigrid_check.py"]).stdout
    one = __import__("subprocess").run([__import__("sys").executable,
                                        Path(__file__).parent / "mpi_scripts" / "multigrid_check.py"],
                                       capture_output=True, text=True, check=True).stdout
    it1, x1 = one.split()[1], float(one.split()[2])
    it2, x2 = out.split()[1], float(out.split()[2])
    assert it1 == it2 and x1 == pytest.approx(x2, rel=1e-12)
    assert "Agglomerate" in out


@pytest.mark.parametrize("smoother", ["chebyshev", "jacobi", "rbgs"])
def test_smoothers_give_symmetric_h_independent_preconditioners(smoother):
    counts = []
    for n in (32, 64):
        mesh = Mesh.create(COMM, (n, n, n // 2), [1.0, 1.0, 0.5], ["dirichlet", "periodic", "neumann"])
        op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
        mg = Multigrid(op, smoother=smoother)
        rng = np.random.default_rng(9)
        u, v = block(mesh, rng), block(mesh, rng)
        mu, mv = mesh.zeros(), mesh.zeros()
        mg.apply(u.copy(), mu)
        mg.apply(v.copy(), mv)
        assert np.sum(mesh.owned(mu) * mesh.owned(v)) == pytest.approx(np.sum(mesh.owned(u) * mesh.owned(mv)),
                                                                         rel=1e-10)
        result = CG(op, rtol=1e-8, preconditioner=mg).solve(u, mesh.zeros())
        counts.append(result.iterations)
    assert max(counts) <= 14 and counts[1] - counts[0] <= 2, counts
