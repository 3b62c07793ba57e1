"""The loop advances in time: a model that chooses its own dt (diffusion with `adaptive_tol`), output at
simulation times off any fixed step grid, a model-requested stop (steady state) with exit status 0 and its
reason in the log, and a restart after adaptive steps that continues bit for bit."""
from pathlib import Path

import h5py
import numpy as np

from conftest import run_cli

DECK = """
[diffusion]
D = 0.05
scheme = "backward_euler"
initial = "gaussian"
center = [0.3, 0.5]
width = 0.1
adaptive_tol = 1e-3
steady_tol = 1e-3
[mesh]
shape = [24, 16]
bc = "neumann"
[run]
dt = 1e-4
t_end = 50.0
[solver]
preconditioner = "multigrid"
rtol = 1e-10
[output]
diag_every = 0
diag_interval = 0.013
checkpoint_interval = 0.13
checkpoint_keep = 100
"""
INTERVAL = 0.013


def ok(proc):
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def scalars(out):
    with h5py.File(Path(out) / "diags" / "scalars.h5", "r") as f:
        return {k: f[k][...] for k in f}


def test_adaptive_steps_output_times_and_steady_state_stop(tmp_path):
    deck = tmp_path / "deck.toml"
    deck.write_text(DECK)
    proc = ok(run_cli(["run", deck, "-o", tmp_path / "out"]))
    assert "stopped by the model" in proc.stdout and "steady state: max|du/dt|" in proc.stdout
    log = (tmp_path / "out" / "log.txt").read_text()
    assert "steady state" in log
    s = scalars(tmp_path / "out")
    # the controller grows the step from run.dt = 1e-4 as the gaussian spreads: many steps between the first
    # outputs, one step per output interval (the step reaches the interval, which then bounds it) at the end
    gaps = np.diff(s["step"])
    assert gaps[0] >= 5 and np.all(gaps[-5:] == 1)
    # every row but the first (t = 0) and the last (the stop) sits on a multiple of the output interval, which
    # no fixed step of the run divides
    t = s["time"][1:-1]
    k = np.round(t / INTERVAL)
    assert len(t) > 10 and np.all(k == np.arange(1, len(t) + 1))
    np.testing.assert_allclose(t, k * INTERVAL, rtol=0, atol=1e-12)
    # the stop: |du/dt| below the tolerance, far before t_end; mass conserved (Neumann faces, no source)
    assert s["time"][-1] < 50.0
    np.testing.assert_allclose(s["mass"], s["mass"][0], rtol=1e-9)


def test_restart_after_adaptive_steps_is_bit_for_bit(tmp_path):
    deck = tmp_path / "deck.toml"
    deck.write_text(DECK.replace("t_end = 50.0", "t_end = 0.5"))
    ok(run_cli(["run", deck, "-o", tmp_path / "full"]))
    checkpoints = sorted((tmp_path / "full" / "checkpoints").glob("ckpt_*"))
    middle, last = checkpoints[1], checkpoints[-1]
    ok(run_cli(["run", deck, "-o", tmp_path / "again", "--restart", middle]))
    again = sorted((tmp_path / "again" / "checkpoints").glob("ckpt_*"))[-1]
    assert again.name == last.name
    with h5py.File(last / "checkpoint.h5", "r") as a, h5py.File(again / "checkpoint.h5", "r") as b:
        assert np.array_equal(a["fields/u"][...], b["fields/u"][...])
        assert a["state"].attrs["json"] == b["state"].attrs["json"]      # clock, dt_next, time
        assert a.attrs["time"] == b.attrs["time"] == 0.5
    full, split = scalars(tmp_path / "full"), scalars(tmp_path / "again")
    rows = len(split["step"])
    for name in ("time", "dt", "u_max", "mass"):
        assert np.array_equal(full[name][-rows:], split[name]), name


def test_fixed_step_with_output_times_still_ends_at_t_end(tmp_path):
    """A fixed step of 0.01 to t_end = 0.1 with diagnostics every 0.015: the steps that land on the output
    times add steps, and the run still ends at t_end (not after t_end / dt steps)."""
    deck = tmp_path / "deck.toml"
    deck.write_text(DECK.replace("adaptive_tol = 1e-3", "adaptive_tol = 0.0").replace("steady_tol = 1e-3", "")
                    .replace("dt = 1e-4", "dt = 0.01").replace("t_end = 50.0", "t_end = 0.1")
                    .replace("diag_interval = 0.013", "diag_interval = 0.015"))
    ok(run_cli(["run", deck, "-o", tmp_path / "out"]))
    s = scalars(tmp_path / "out")
    np.testing.assert_allclose(s["time"], [0.0, 0.015, 0.03, 0.045, 0.06, 0.075, 0.09, 0.1], rtol=0, atol=1e-15)
    # 0.01, 0.015 | 0.025, 0.03 | 0.04, 0.045 | 0.055, 0.06 | 0.07, 0.075 | 0.085, 0.09 | 0.1: a step that lands
    # on an output time is shortened, the next one is a whole step again
    assert s["step"][-1] == 13
