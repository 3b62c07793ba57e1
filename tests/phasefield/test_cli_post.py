"""The phase-field family from the command line: bad input, the Krylov path on 2 ranks against the spectral
solve on one, and the `hpcsim-post pf-*` subcommands on real output."""
import subprocess

import numpy as np

from conftest import BIN, ROOT, run_cli

from postprocess.readers import read_mesh

DECKS = ROOT / "decks" / "phasefield"


def post(*args):
    return subprocess.run([str(BIN / "hpcsim-post"), *map(str, args)], capture_output=True, text=True)


def test_bad_input_is_one_line_and_exit_2():
    proc = run_cli(["check", DECKS / "two_particles.toml", "--set", "phasefield.c_beta=0.2"])
    assert proc.returncode == 2
    assert proc.stderr.strip() == "hpcsim: error: phasefield.c_beta: needs c_alpha < c_beta, got 0.3 and 0.2"
    proc = run_cli(["check", DECKS / "soret_fe_c.toml", "--set", "mesh.bc='periodic'"])
    assert proc.returncode == 2 and proc.stderr.startswith("hpcsim: error: mesh.bc: axis 0 has a temperature")


def test_multigrid_krylov_on_two_ranks_matches_the_spectral_solve(tmp_path):
    common = [DECKS / "pfhub_bm1a.toml", "--set", "mesh.shape=[32, 32]", "--set", "mesh.length=[32.0, 32.0]",
              "--set", "phasefield.adaptive_tol=0.0", "--set", "run.dt=1.0", "--set", "run.t_end=10.0",
              "--set", "solver.rtol=1e-12"]
    assert run_cli(["run", *common, "-o", tmp_path / "one"]).returncode == 0
    proc = run_cli(["run", *common, "-o", tmp_path / "two"], nprocs=2)
    assert proc.returncode == 0, proc.stderr
    one, two = (read_mesh(tmp_path / d, "c")[0] for d in ("one", "two"))
    assert np.max(np.abs(one - two)) < 1e-10


def test_pfhub_csv_and_plot(tmp_path):
    out = tmp_path / "bm1"
    assert run_cli(["run", DECKS / "pfhub_bm1a.toml", "-o", out, "--set", "run.t_end=20.0"]).returncode == 0
    proc = post("pf-pfhub", out, "--csv", tmp_path / "f.csv", "-o", tmp_path / "f.png")
    assert proc.returncode == 0, proc.stderr
    assert "monotone decrease: True" in proc.stdout
    lines = (tmp_path / "f.csv").read_text().splitlines()
    assert lines[0] == "time,free_energy" and float(lines[1].split(",")[1]) > 319.0
    assert (tmp_path / "f.png").stat().st_size > 0


def test_precipitate_tracks_sizes_and_centre(tmp_path):
    out = tmp_path / "pair"
    assert run_cli(["run", DECKS / "two_particles.toml", "-o", out, "--set", "run.t_end=30.0"]).returncode == 0
    proc = post("pf-tracks", out, "--t-min", "10", "-o", tmp_path / "tracks.png")
    assert proc.returncode == 0, proc.stderr
    assert "particle 0: velocity" in proc.stdout and "particle 1: velocity" in proc.stdout
    proc = post("pf-sizes", out, "-o", tmp_path / "sizes.png")
    assert proc.returncode == 0 and "2 particles" in proc.stdout
    proc = post("pf-centre", out)
    assert proc.returncode == 0 and "drift velocity" in proc.stdout
    assert post("pf-soret", tmp_path / "missing").returncode == 2
