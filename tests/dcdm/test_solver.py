"""DCDM as solver.method = "dcdm" and as the fcg preconditioner, with the shipped 2-D models: the true residual
reaches the tolerance, 1 rank and 2 ranks agree to round-off, bad configurations are clear errors."""
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli, run_mpi
from hpcsim.backend import CPUBackend
from hpcsim.errors import InputError
from hpcsim.linalg.config import make_solver
from hpcsim.linalg.dcdm.lanczos import start_vector
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
SPHERES = [[0.35, 0.4, 0.15], [0.7, 0.65, 0.12]]


def problem(obstacles, n=16):
    mesh = Mesh.create(COMM, (n, n), (1.0, 1.0), "dirichlet")
    op = (ObstacleLaplacian(mesh, 0.0, 1.0, SPHERES, CPUBackend()) if obstacles
          else ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()))
    b = mesh.zeros()
    b[mesh.interior] = start_vector(mesh, 5, np.asarray(op.fluid[mesh.interior]) if obstacles else None)
    return mesh, op, b


@pytest.mark.parametrize("obstacles,model", [(False, "box2d"), (True, "obstacles2d"), (True, "obstacles2d_masked")])
@pytest.mark.parametrize("method,pc", [("dcdm", "none"), ("fcg", "dcdm")])
def test_reaches_the_tolerance_with_the_true_residual(obstacles, model, method, pc):
    mesh, op, b = problem(obstacles)
    x = mesh.zeros()
    solver = make_solver(op, {"method": method, "preconditioner": pc, "dcdm_weights": model, "rtol": 1e-8})
    result = solver.solve(b, x)
    A = op.to_csr()
    bb, xx = mesh.owned(b).reshape(-1), mesh.owned(x).reshape(-1)
    true = np.linalg.norm(bb - A @ xx) / np.linalg.norm(bb)
    assert result.converged and true <= 1e-8
    assert result.residual == pytest.approx(true, rel=1e-6)
    cg = make_solver(op, {"method": "cg", "rtol": 1e-8}).solve(b, mesh.zeros())
    assert result.iterations < cg.iterations
    if obstacles:
        assert not np.any(mesh.owned(x)[mesh.owned(op.fluid) == 0])


def test_dcdm_keeps_the_configured_number_of_directions():
    mesh, op, b = problem(False)
    solver = make_solver(op, {"method": "dcdm", "dcdm_weights": "box2d", "dcdm_directions": 3})
    assert solver.name == "DCDM" and solver.directions == 3


def test_missing_or_wrong_weights_are_input_errors(tmp_path):
    mesh, op, b = problem(False)
    with pytest.raises(InputError, match="solver.dcdm_weights.*need a weights file"):
        make_solver(op, {"method": "dcdm"})
    with pytest.raises(InputError, match="no such weights file"):
        make_solver(op, {"method": "dcdm", "dcdm_weights": str(tmp_path / "none.h5")})
    with pytest.raises(InputError, match="trained with obstacles"):
        make_solver(op, {"method": "dcdm", "dcdm_weights": "obstacles2d"})


def test_two_ranks_match_one():
    script = Path(__file__).parent / "ranks_check.py"
    single = {"NUMBA_NUM_THREADS": "1"}
    runs = [[line.split() for line in run_mpi(n, [script], env=single).stdout.splitlines()] for n in (1, 2)]
    assert len(runs[0]) == len(runs[1]) == 8
    for one, two in zip(*runs):
        assert one[:2] == two[:2]                                  # case, iterations
        assert float(one[2]) <= 1e-8 and float(two[2]) <= 1e-8
        for a, b in zip(one[3:], two[3:]):                         # ||x|| and the two lowest Ritz values
            assert float(b) == pytest.approx(float(a), rel=1e-9)


def test_poisson_deck_solves_with_dcdm(tmp_path):
    deck = Path(__file__).parents[2] / "decks" / "linalg" / "dcdm_poisson2d.toml"
    result = run_cli(["run", str(deck), "-o", str(tmp_path / "out"), "--set", "mesh.shape=[32,32]"])
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower()


class Cycling:
    """A deterministic nonlinear preconditioner that ignores r and returns v_0, v_1, v_2, v_0, ... in turn: after
    three steps of FCG(2) the error is minimised over their span, every later direction is new against the two
    retained ones but orthogonal to the residual, the steps vanish and the iteration stalls for good (the failure
    mode of a learned direction that cycles)."""

    symmetric = False
    fused_dot = False

    def __init__(self, vectors, may_stall):
        self.vectors, self.may_stall, self.count = vectors, may_stall, 0

    def apply(self, r, z):
        z[...] = self.vectors[self.count % len(self.vectors)]
        self.count += 1


@pytest.mark.parametrize("may_stall", [False, True])
def test_stall_safeguard_takes_a_cg_step_when_the_residual_stops_falling(may_stall):
    """Without the safeguard FCG(2) with the cycling directions stays at one residual forever; with it, a CG step
    (z = r) whenever the best residual of the last 4 iterations has not dropped (checked from 4 iterations after the
    last such step) lets it reach the tolerance."""
    from hpcsim.linalg.krylov import FlexibleCG

    mesh, op, b = problem(False, n=8)
    rng = np.random.default_rng(11)
    vectors = []
    for _ in range(3):
        v = mesh.zeros()
        v[mesh.interior] = rng.standard_normal(mesh.local_shape)
        vectors.append(v)
    solver = FlexibleCG(op, 1e-4, 2000, Cycling(vectors, may_stall), directions=2)
    result = solver.solve(b, mesh.zeros())
    if may_stall:
        assert result.converged and result.residual <= 1e-4
        assert result.iterations / 7 < solver.fallbacks < result.iterations / 4    # one step in 4 to 7 after it
    else:
        assert not result.converged and solver.fallbacks == 0
        assert result.history[-1] == pytest.approx(result.history[10], rel=1e-9)     # flat from the stall on
        assert result.history[-1] > 0.1
