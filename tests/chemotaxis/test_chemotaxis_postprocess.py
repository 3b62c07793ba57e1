"""`postprocess.chemotaxis` and its `hpcsim-post` subcommands on a run's files (no hpcsim import in them)."""
import math

import pytest
from conftest import ROOT, run_cli

from postprocess import chemotaxis
from postprocess.cli import main


def test_dispersion_relation_limits():
    mu, tau, n_bar = 2.0, 0.5, 7.0
    # eps = 0: lambda = n_bar mu / ((1 + mu)(1 + tau mu)) - mu; at the threshold the root is 0
    assert chemotaxis.growth_rate(n_bar, mu, 0.0, tau) == pytest.approx(n_bar * mu / (3.0 * 2.0) - mu)
    assert chemotaxis.growth_rate(chemotaxis.threshold(mu, tau), mu, 0.3, tau) == pytest.approx(0.0, abs=1e-12)
    assert chemotaxis.growth_rate(n_bar, mu, 1e-9, tau) == pytest.approx(
        chemotaxis.growth_rate(n_bar, mu, 0.0, tau), rel=1e-6)


def test_history_and_growth_subcommands(tmp_path, capsys):
    out = tmp_path / "growth"
    proc = run_cli(["run", ROOT / "decks" / "chemotaxis" / "growth_rate1d.toml", "-o", out,
                    "--set", "mesh.shape=[16]", "--set", "output.fields_interval=0.4"])
    assert proc.returncode == 0, proc.stderr
    assert main(["chemotaxis-history", str(out), "-o", str(tmp_path / "h.png")]) == 0
    line = capsys.readouterr().out
    assert float(line.split("relative mass change ")[1].split(";")[0]) < 1e-13
    assert main(["chemotaxis-growth", str(out), "-o", str(tmp_path / "g.png")]) == 0
    line = capsys.readouterr().out
    assert float(line.split("relative difference ")[1].split(";")[0]) < 0.01
    assert (tmp_path / "h.png").stat().st_size > 0 and (tmp_path / "g.png").stat().st_size > 0
    g = chemotaxis.growth_against_theory(out)
    assert g["theory"] == pytest.approx(chemotaxis.growth_rate(6.0, g["mu"], 1.0, 1.0))
    assert math.isclose(g["mu"], chemotaxis.discrete_eigenvalue([1], [False], [math.pi / 16], [16]))


def test_a_missing_run_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["chemotaxis-history", str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.startswith("hpcsim-post: error: ")
