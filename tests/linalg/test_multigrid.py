"""Geometric multigrid: exact transpose of restriction and prolongation (nested and non-nested), a symmetric
V-cycle, h-independent MG-preconditioned CG, the stand-alone V-cycle solver on every boundary kind, the
hierarchy of odd and anisotropic sizes, and 1 against 2 ranks. Sweeps over sizes, rank counts and Galerkin
coarse operators: test_multigrid_sizes.py."""
import itertools
from pathlib import Path

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.multigrid import Multigrid, coarsening_axes
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.linalg.transfer import Transfer
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann")]


def block(mesh, rng):
    u = mesh.zeros()
    u[mesh.interior] = rng.standard_normal(mesh.local_shape)
    return u


@pytest.mark.parametrize("shape", [(8,), (7,), (8, 6), (6, 5, 4), (9, 5)])
def test_restriction_is_scaled_transpose_of_prolongation(shape):
    """u.(P v) = (R u).v / c on nested (even) and non-nested (odd) axes, for every boundary kind."""
    rng = np.random.default_rng(1)
    for bcs in itertools.product(KINDS, repeat=len(shape)):
        fine = Mesh.create(COMM, shape, [1.0] * len(shape), [list(b) for b in bcs])
        transfer = Transfer(fine, coarsening_axes(fine), 1, CPUBackend())
        coarse = transfer.coarse
        uf, vc = block(fine, rng), block(coarse, rng)
        ru, pv = coarse.zeros(), fine.zeros()
        transfer.restrict(uf.copy(), ru)
        transfer.prolong_add(vc.copy(), pv)
        lhs = np.sum(fine.owned(uf) * fine.owned(pv))
        rhs = np.sum(coarse.owned(ru) * coarse.owned(vc)) / transfer.scale
        assert lhs == pytest.approx(rhs, rel=1e-12), bcs


@pytest.mark.parametrize("shape", [(16, 12), (15, 13)])
def test_prolongation_is_exact_for_linear_functions_inside(shape):
    fine = Mesh.create(COMM, shape, [2.0, 1.0], "periodic")
    transfer = Transfer(fine, [0, 1], 1, CPUBackend())
    coarse = transfer.coarse
    x, y, _ = coarse.coordinates()
    ec = coarse.zeros()
    ec[coarse.interior] = 3.0 * x - 2.0 * y + 0.5
    ef = fine.zeros()
    transfer.prolong_add(ec, ef)
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


def test_odd_and_anisotropic_sizes_coarsen_to_a_small_direct_bottom():
    """Odd axes coarsen to ceil(N / 2) cells; an axis with spacing above 1.5x the finest waits (semi-coarsening)."""
    mesh = Mesh.create(COMM, (88, 27, 40), [1.0] * 3, ["dirichlet", "neumann", "periodic"])
    op = ShiftedLaplacian(mesh, 0.5, 1.0, CPUBackend())
    mg = Multigrid(op)
    shapes = [tuple(lvl.mesh.global_shape) for lvl in mg.levels]
    assert shapes == [(88, 27, 40), (44, 27, 40), (22, 27, 20), (11, 14, 10)]
    assert type(mg.levels[-1].bottom).__name__ == "DirectBottom"
    result = CG(op, rtol=1e-10, preconditioner=mg).solve(block(mesh, np.random.default_rng(4)), mesh.zeros())
    assert result.converged and result.iterations <= 12


def test_one_rank_equals_two_ranks(mpirun):
    out = mpirun(2, [Path(__file__).resolve().parents[1] / "mpi_scripts" / "multigrid_check.py"]).stdout
    one = __import__("subprocess").run([__import__("sys").executable,
                                        Path(__file__).resolve().parents[1] / "mpi_scripts" / "multigrid_check.py"],
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
