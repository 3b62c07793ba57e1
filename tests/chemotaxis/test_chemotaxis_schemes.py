"""The second-order steps (chemotaxis.scheme = imex2, sbdf2), the spectral Helmholtz solve and the initial-layer
ramp: restart bit for bit with the BDF2 history in the checkpoint, the spectral solve against multigrid CG, the
ramp's steps, sbdf2 on 1 rank against 2. Their mass, positivity and Lyapunov functional:
`test_chemotaxis_conservation`; their order in time: `test_chemotaxis_manufactured`."""
import math

import h5py
import numpy as np
import pytest
from chemotaxis_runs import interval, table
from conftest import ROOT, run_cli

from hpcsim.chemotaxis.session import advance, build


@pytest.mark.parametrize("scheme", ["imex2", "sbdf2"])
def test_restart_continues_bit_for_bit(scheme):
    def model():
        return build(table(interval(16, 4.0, 2), {"dt": 0.05, "t_end": 1.0}, {"preconditioner": "multigrid"},
                           n_bar=3.0, amplitude=0.5, eps=0.01, tau=1.0, signal_initial="uniform", c0=3.0, w0=3.0,
                           scheme=scheme, dt_initial=0.001))

    def steps(m, count):
        for _ in range(count):
            m.step(m.propose_dt(m.run_dt))

    whole = model()
    steps(whole, 30)
    first = model()
    steps(first, 12)                    # inside the ramp: the BDF2 history and the step ratio matter
    state = first.checkpoint_state()
    second = model()
    second.restore(state)
    steps(second, 18)
    assert second.time == whole.time
    for name in ("n", "c", "w", "c_previous", "w_previous") + (("n_previous", "explicit_previous")
                                                                if scheme == "sbdf2" else ()):
        assert np.array_equal(second.fields.owned(name), whole.fields.owned(name)), name


@pytest.mark.parametrize("bc", ["neumann", "periodic"])
def test_spectral_helmholtz_solve_matches_multigrid_cg(bc):
    solutions = []
    for linear_solver in ("spectral", "krylov"):
        model = build(table(interval(20, 3.0, 2, bc), {"dt": 0.01, "t_end": 1.0},
                            {"preconditioner": "multigrid", "rtol": 1e-12}, n_bar=2.0, amplitude=0.5,
                            initial="gaussians", width=0.4, linear_solver=linear_solver))
        solutions.append(np.array(model.fields.owned("c")))     # c, w prepared: two elliptic solves
    assert np.max(np.abs(solutions[0] - solutions[1])) <= 1e-10 * np.max(np.abs(solutions[1]))


def test_initial_layer_ramp():
    eps, start = 1e-3, 1e-3 / 16
    model = build(table(interval(16, 4.0, 2, "periodic"), {"dt": 0.01, "t_end": 1.0}, None, n_bar=3.0,
                        amplitude=0.5, eps=eps, signal_initial="uniform", c0=3.0, w0=3.0, scheme="sbdf2",
                        dt_initial=start))
    rows = []
    advance(model, 0.05, lambda m, s: rows.append((m.time - s["dt"], s["dt"])))
    for t, dt in rows[:-1]:                     # the last step lands on 0.05
        bound = min(0.01, start * math.exp(t / (3 * eps)))
        assert bound * 2 ** -0.25 <= dt * (1 + 1e-12) and dt <= bound * (1 + 1e-12)
    assert rows[0][1] <= start and max(dt for _, dt in rows) == pytest.approx(0.01)


def test_sbdf2_one_rank_against_two(tmp_path):
    """The sbdf2 deck (32^2, eps = 1e-2) on 1 and 2 ranks with the same Krylov solves: n, c, w and the BDF2
    history agree to round-off."""
    fields = {}
    for ranks in (1, 2):
        out = tmp_path / f"out{ranks}"
        proc = run_cli(["run", ROOT / "decks" / "chemotaxis" / "layer_sbdf2_2d.toml", "-o", out, "--set",
                        "mesh.shape=[32, 32]", "--set", "chemotaxis.eps=0.01", "--set", "chemotaxis.dt_initial=6.25e-4",
                        "--set", "chemotaxis.linear_solver=krylov", "--set", "solver.rtol=1e-13", "--set",
                        "solver.preconditioner=multigrid", "--set", "output.fields_interval=0"], nprocs=ranks)
        assert proc.returncode == 0, proc.stderr
        (checkpoint,) = sorted((out / "checkpoints").glob("ckpt_*"))
        with h5py.File(checkpoint / "checkpoint.h5", "r") as f:
            fields[ranks] = {name: f["fields"][name][...] for name in f["fields"]}
    for name in ("n", "c", "w", "n_previous", "c_previous", "w_previous"):
        one, two = fields[1][name], fields[2][name]
        assert np.max(np.abs(one - two)) <= 1e-13 * np.max(np.abs(one)), name
