"""CG1, pipelined CG and flexible CG: the fused CPU kernels against numpy, agreement with scipy's CG on the CSR
twin and with `CG`'s iteration counts for every boundary-kind combination, residual replacement, singular
problems, the iteration cap, breakdown, a variable preconditioner, and 1 rank against 2."""
import itertools
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from conftest import run_mpi
from hpcsim.backend import CPUBackend
from hpcsim.errors import InputError, NumericalError
from hpcsim.kernels.linalg import krylov_fused_cpu as fused
from hpcsim.linalg.cg import CG, IncompatibleRHS
from hpcsim.linalg.krylov import CG1, FlexibleCG, PipelinedCG
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.linalg.preconditioners import make_preconditioner
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann"),
         ("neumann", "dirichlet")]
COMM = Comm()
VARIANTS = {
    "CG1": CG1,
    "PipelinedCG": PipelinedCG,
    "PipelinedCG-replace3": lambda *a, **kw: PipelinedCG(*a, replace_every=3, **kw),
    "FlexibleCG": FlexibleCG,
    "FlexibleCG-m3": lambda *a, **kw: FlexibleCG(*a, directions=3, **kw),
}


def make(shape, bcs, alpha=0.0, beta=1.0):
    mesh = Mesh.create(COMM, shape, [1.0 + 0.25 * a for a in range(len(shape))], [list(b) for b in bcs])
    return mesh, ShiftedLaplacian(mesh, alpha, beta, CPUBackend())


def random_block(mesh, seed=0, compatible=False):
    u = mesh.zeros()
    u[mesh.interior] = np.random.default_rng(seed).standard_normal(mesh.local_shape)
    if compatible:
        u[mesh.interior] -= u[mesh.interior].mean()
    return u


def iteration_bound(cg_iterations):
    """CG, CG1, pipelined CG and FCG with a fixed SPD preconditioner build the same iterates in exact
    arithmetic; in floating point their recurrences differ by round-off, which shifts the count at most by a
    few iterations (loss of orthogonality acts alike on all of them). Observed over 610 solves (1-D to 3-D,
    every boundary combination, with and without Jacobi): equal counts except one FCG solve 1 shorter."""
    return 2 + cg_iterations // 20


def test_fused_cpu_kernels_match_numpy():
    mesh, _ = make((6, 5, 4), [KINDS[1]] * 3)
    g, n, inner = mesh.ghosts, mesh.local_shape, mesh.interior
    rng = np.random.default_rng(5)
    x, r, u, w, mv, nv, p, s, q, z = (rng.standard_normal(mesh.array_shape) for _ in range(10))
    a, c = 0.37, -0.8
    ref = {name: v[inner].copy() for name, v in dict(x=x, r=r, u=u, w=w, p=p, s=s, q=q, z=z).items()}
    dots = fused.pipelined_step(x, r, u, w, mv, nv, p, s, q, z, a, c, g, n)
    ref["z"] = nv[inner] + c * ref["z"]
    ref["q"] = mv[inner] + c * ref["q"]
    ref["s"] = ref["w"] + c * ref["s"]
    ref["p"] = ref["u"] + c * ref["p"]
    ref["x"] += a * ref["p"]
    ref["r"] -= a * ref["s"]
    ref["u"] -= a * ref["q"]
    ref["w"] -= a * ref["z"]
    for name, v in dict(x=x, r=r, u=u, w=w, p=p, s=s, q=q, z=z).items():
        np.testing.assert_allclose(v[inner], ref[name], rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(dots, [np.sum(ref["r"] * ref["u"]), np.sum(ref["w"] * ref["u"]),
                                      np.sum(ref["r"] ** 2)], rtol=1e-12)
    r0, p0, s0, w0, z0 = (v[inner].copy() for v in (r, p, s, w, z))
    dots = fused.pipelined_plain_step(x, r, w, nv, p, s, z, a, c, g, n)
    np.testing.assert_allclose(z[inner], nv[inner] + c * z0, rtol=1e-14)
    np.testing.assert_allclose(r[inner], r0 - a * (w0 + c * s0), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(w[inner], w0 - a * (nv[inner] + c * z0), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(dots, [np.sum(r[inner] ** 2), np.sum(w[inner] * r[inner])], rtol=1e-12)
    for plain in (False, True):
        r0, p0, s0 = r[inner].copy(), p[inner].copy(), s[inner].copy()
        rr = fused.cg1_plain_step(x, r, w, p, s, a, c, g, n) if plain else fused.cg1_step(x, r, u, w, p, s, a, c, g, n)
        np.testing.assert_allclose(p[inner], (r0 if plain else u[inner]) + c * p0, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(r[inner], r0 - a * (w[inner] + c * s0), rtol=1e-14, atol=1e-14)
        assert rr == pytest.approx(np.sum(r[inner] ** 2), rel=1e-12)
    stack = rng.standard_normal((3,) + mesh.array_shape)
    np.testing.assert_allclose(fused.stack_dots(z, stack, g, n),
                               [np.sum(z[inner] * stack[t][inner]) for t in range(3)], rtol=1e-12)
    expect = z[inner] - 0.5 * stack[0][inner] + 2.0 * stack[2][inner]
    pr = fused.direction(z, r, stack, (0.5, 0.0, -2.0), 1, g, n)
    np.testing.assert_allclose(stack[1][inner], expect, rtol=1e-13, atol=1e-13)
    assert pr == pytest.approx(np.sum(expect * r[inner]), rel=1e-12)


@pytest.mark.parametrize("shape", [(11,), (7, 6), (5, 4, 3)])
def test_variants_match_scipy_and_cg_for_every_boundary_combination(shape):
    """Every method, with and without Jacobi, on every combination of boundary kinds (alpha = 0, so the
    all-Neumann/periodic ones are singular): converged with the true residual reported, within cond(A) rtol of
    scipy's CG on the CSR twin, and in CG's iteration count up to `iteration_bound`."""
    rtol = 1e-10
    for bcs in itertools.product(KINDS, repeat=len(shape)):
        mesh, op = make(shape, bcs)
        A = op.to_csr()
        b0 = random_block(mesh, 1, compatible=op.singular)
        bb = mesh.owned(b0).ravel()
        xs, info = spla.cg(A, bb, rtol=rtol, maxiter=5000)
        assert info == 0
        eig = np.linalg.eigvalsh(A.toarray())
        cond = eig[-1] / eig[1 if op.singular else 0]
        xs -= xs.mean() if op.singular else 0.0
        for preconditioner in ("none", "jacobi"):
            reference = CG(op, rtol, preconditioner=make_preconditioner(preconditioner, op)).solve(b0.copy(),
                                                                                                 mesh.zeros())
            for name, method in VARIANTS.items():
                x = mesh.zeros()
                res = method(op, rtol, preconditioner=make_preconditioner(preconditioner, op)).solve(b0.copy(), x)
                where = f"{name} {preconditioner} {bcs}"
                xx = mesh.owned(x).ravel()
                true = np.linalg.norm(bb - A @ xx) / np.linalg.norm(bb)
                assert res.converged and true <= rtol and res.residual == pytest.approx(true, rel=1e-6), where
                assert np.linalg.norm(xx - xs) / np.linalg.norm(xs) <= 2 * cond * rtol, where
                assert abs(res.iterations - reference.iterations) <= iteration_bound(reference.iterations), where
                assert res.history[0] == pytest.approx(1.0) and len(res.history) == res.iterations + 1, where


@pytest.mark.parametrize("replace_every", [1, 7, 50])
def test_pipelined_replacement_keeps_iterates_and_accuracy(replace_every):
    """Residual replacement rebuilds the recurrence vectors from x and p, which changes nothing in exact
    arithmetic: the count stays CG's, and the tight tolerance is met."""
    mesh, op = make((48, 40), [("dirichlet", "neumann"), ("periodic", "periodic")], alpha=0.5)
    b = random_block(mesh, 2)
    for preconditioner in ("none", "jacobi"):
        pc = make_preconditioner(preconditioner, op)
        reference = CG(op, 1e-12, preconditioner=pc).solve(b.copy(), mesh.zeros())
        res = PipelinedCG(op, 1e-12, preconditioner=pc, replace_every=replace_every).solve(b.copy(), mesh.zeros())
        assert res.converged and res.residual <= 1e-12
        assert reference.iterations > 50
        assert abs(res.iterations - reference.iterations) <= iteration_bound(reference.iterations)


@pytest.mark.parametrize("name", VARIANTS)
def test_singular_problem_compatible_and_incompatible(name):
    mesh, op = make((16, 12), [("neumann", "neumann"), ("periodic", "periodic")])
    b, x = random_block(mesh, 3, compatible=True), mesh.zeros()
    res = VARIANTS[name](op, 1e-10, preconditioner=make_preconditioner("jacobi", op)).solve(b, x)
    assert res.converged and res.compatibility_defect < 1e-12
    assert abs(x[mesh.interior].mean()) < 1e-12
    A, bb = op.to_csr(), mesh.owned(b).ravel()
    assert np.linalg.norm(A @ mesh.owned(x).ravel() - bb) <= 1e-10 * np.linalg.norm(bb)
    b[mesh.interior] += 0.1
    with pytest.raises(IncompatibleRHS, match="incompatible with the singular operator"):
        VARIANTS[name](op, 1e-10).solve(b, mesh.zeros())


@pytest.mark.parametrize("name", VARIANTS)
def test_iteration_cap_breakdown_and_divergence(name):
    mesh, op = make((64, 64), [("dirichlet", "dirichlet")] * 2)
    res = VARIANTS[name](op, 1e-12, max_iterations=5).solve(random_block(mesh), mesh.zeros())
    assert not res.converged and res.iterations == 5 and res.residual > 1e-12 and len(res.history) == 6
    _, indefinite = make((64,), [("dirichlet", "dirichlet")], alpha=-3000.0)      # A = -3000 I - Lap
    with pytest.raises(NumericalError, match="breakdown"):
        VARIANTS[name](indefinite, 1e-8).solve(random_block(indefinite.mesh), indefinite.mesh.zeros())
    b = random_block(mesh)
    b[mesh.interior][3, 4, 0] = np.nan
    with pytest.raises(NumericalError, match="diverged at iteration 0"):
        VARIANTS[name](op, 1e-8).solve(b, mesh.zeros())


class RandomlyDampedJacobi:
    """A deliberately variable preconditioner: z = Omega_k D^-1 r with per-cell damping factors in [0.2, 1]
    drawn anew on every application, so M_k^-1 changes from one iteration to the next."""

    symmetric = False

    def __init__(self, op, seed=0):
        self.op, self.rng = op, np.random.default_rng(seed)
        self.inv_diag = op.inverse_diagonal()

    def apply(self, r, z):
        z[...] = self.rng.uniform(0.2, 1.0, size=z.shape) * self.inv_diag * r


def test_flexible_cg_converges_with_a_variable_preconditioner_where_cg_stalls():
    """Observed (32 x 32 Dirichlet, rtol 1e-8, 12 seeds): CG with this preconditioner stalls at 3e-5 to 7e-4
    after 1500 iterations (98 without preconditioner); FCG(1) converges in 460-590, FCG(3) in 230-350."""
    mesh, op = make((32, 32), [("dirichlet", "dirichlet")] * 2)
    b = random_block(mesh, 4)
    cg = CG(op, 1e-8, max_iterations=1000, preconditioner=RandomlyDampedJacobi(op)).solve(b.copy(), mesh.zeros())
    assert not cg.converged and cg.residual > 1e-6
    for directions, cap in ((1, 800), (3, 500)):
        res = FlexibleCG(op, 1e-8, cap, RandomlyDampedJacobi(op), directions=directions).solve(b.copy(), mesh.zeros())
        assert res.converged and res.residual <= 1e-8, (directions, res.iterations)
    for method in (CG1, PipelinedCG):
        with pytest.raises(InputError, match="use FlexibleCG"):
            method(op, preconditioner=RandomlyDampedJacobi(op))


def test_two_ranks_match_one():
    script = Path(__file__).resolve().parents[1] / "mpi_scripts" / "krylov_variants_check.py"
    single = {"NUMBA_NUM_THREADS": "1"}                            # ranks x threads within the cores
    runs = [[line.split() for line in run_mpi(np_, [script], env=single).stdout.splitlines()] for np_ in (1, 2)]
    assert len(runs[0]) == len(runs[1]) == 8
    for one, two in zip(*runs):
        assert one[:3] == two[:3]                                  # method, preconditioner, iterations
        assert float(one[3]) <= 1e-10 and float(two[3]) <= 1e-10
        assert float(two[4]) == pytest.approx(float(one[4]), rel=1e-9)
