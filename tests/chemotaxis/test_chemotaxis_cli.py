"""The chemotaxis family through the command line: the blow-up detector's clean stop, and bad deck input."""
import h5py
import numpy as np
from conftest import ROOT, run_cli

DECKS = ROOT / "decks" / "chemotaxis"


def test_blow_up_stops_cleanly_with_status_1(tmp_path):
    proc = run_cli(["run", DECKS / "collapse2d.toml", "-o", tmp_path / "out"])
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    line = next(li for li in proc.stdout.splitlines() if "stopped by the model" in li)
    assert "blow-up at step" in line and "max n = " in line and "at x = (0.03125, 0.03125)" in line
    with h5py.File(tmp_path / "out" / "diags" / "scalars.h5", "r") as f:
        assert np.all(np.isfinite(f["n_max"][...])) and f["n_min"][...].min() >= 0.0
        mass = f["mass"][...]
        assert np.max(np.abs(mass - mass[0])) <= 1e-13 * mass[0]
    assert (tmp_path / "out" / "checkpoints").is_dir()


def test_bad_input_is_one_line_and_status_2(tmp_path):
    for override, key in (("chemotaxis.amplitude=2.0", "chemotaxis.amplitude"), ("chemotaxis.eps=-1.0",
                                                                                  "chemotaxis.eps"),
                          ("chemotaxis.signal='indirekt'", "chemotaxis.signal"),
                          ("chemotaxis.initial='file'", "chemotaxis.file")):
        proc = run_cli(["check", DECKS / "aggregation2d.toml", "--set", override, "--set", "chemotaxis.n_bar=1.0"])
        assert proc.returncode == 2, override
        assert proc.stderr.startswith(f"hpcsim: error: {key}: ") and proc.stderr.count("\n") == 1, proc.stderr
