"""Thermodynamic forcing through whole runs (TF-PIC spec 3.6 and section 2): forcing + Krook collisions follow
the moment equations within 3 % (decks/tf/krook_*.toml, compared by `postprocess.tf.moment_comparison`),
the deck switch turns the forcing off bit for bit, both forms of the drive reach the output, and a runaway of
the temperature forcing stops the run with a message."""
import h5py
import numpy as np
import pytest

from conftest import ROOT, run_cli
from postprocess.tf import moment_comparison

DECKS = ROOT / "decks" / "tf"
THERMAL = ROOT / "decks" / "pic" / "thermal.toml"
SMALL = ["--set", "mesh.shape=[16]", "--set", "mesh.spacing=[0.1]", "--set", "species.0.particles_per_cell=64",
         "--set", "output.diag_every=5", "--set", "run.steps=20"]


def ok(proc):
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def test_velocity_gradient_with_krook_follows_the_pressure_moment_equation(tmp_path):
    """dP/dt = -(G P + P G^T) - nu (P - p I): every component within 3 % of p over the whole run (the
    anisotropy reaches P_yy / P_xx = 1.9, the pressure doubles)."""
    ok(run_cli(["run", DECKS / "krook_velocity_gradient.toml", "-o", tmp_path / "out"]))
    comparison = moment_comparison(tmp_path / "out", "electrons")
    P = comparison["P_theory"][-1]
    assert P[1, 1] / P[0, 0] > 1.8                      # a strong anisotropy, not a near-isotropic state
    assert np.max(comparison["P_deviation"]) < 0.03


def test_temperature_gradient_with_krook_gives_the_krook_heat_flux(tmp_path):
    """q = -(5/2) n T^2 g / (m nu) (built up as 1 - exp(-nu t), with the Krook step's factor) within 3 %,
    averaged over the rows after 8 collision times; on 2 ranks."""
    ok(run_cli(["run", DECKS / "krook_heat_flux.toml", "-o", tmp_path / "out"], nprocs=2))
    comparison = moment_comparison(tmp_path / "out", "electrons")
    late = comparison["time"] >= 4.0
    ratio = np.mean(comparison["heat_flux"][late]) / np.mean(comparison["heat_flux_theory"][late])
    assert ratio == pytest.approx(1.0, abs=0.03)
    assert np.all(comparison["heat_flux"][late] < 0)     # down the gradient (g along +x)


def test_forcing_switch_off_is_the_plain_run(tmp_path):
    """`forcing = false` keeps the gradients in the deck and runs unforced: the same numbers as no gradients."""
    gradients = ["--set", "species.0.gradient_length=5.0",
                 "--set", "species.0.velocity_gradient=[[0.1, 0.0, 0.0], [0.0, -0.05, 0.0], [0.0, 0.0, -0.05]]"]
    ok(run_cli(["run", THERMAL, "-o", tmp_path / "plain", *SMALL]))
    ok(run_cli(["run", THERMAL, "-o", tmp_path / "off", *SMALL, *gradients, "--set", "species.0.forcing=false"]))
    ok(run_cli(["run", THERMAL, "-o", tmp_path / "on", *SMALL, *gradients]))
    with h5py.File(tmp_path / "plain" / "diags" / "scalars.h5", "r") as a, \
            h5py.File(tmp_path / "off" / "diags" / "scalars.h5", "r") as b, \
            h5py.File(tmp_path / "on" / "diags" / "scalars.h5", "r") as c:
        for name in ("energy_total", "P_xx_electrons", "heat_flux_electrons"):
            assert np.array_equal(a[name][...], b[name][...]), name
        assert not np.array_equal(a["P_xx_electrons"][...], c["P_xx_electrons"][...])


def test_both_forms_of_the_drive_are_written(tmp_path):
    """mfp_over_gradient_length and strain_rate_wce in; G, g, L_T, lambda/L_T and S out."""
    extra = ["--set", "pic.beta_e=1.0", "--set", "pic.theta_e=0.01", "--set", "species.0.krook_rate=0.05",
             "--set", "species.0.mfp_over_gradient_length=0.02", "--set", "species.0.strain_rate_wce=-0.01"]
    ok(run_cli(["run", THERMAL, "-o", tmp_path / "out", *SMALL, *extra, "--set", "run.steps=2"]))
    with h5py.File(tmp_path / "out" / "diags" / "parameters.h5", "r") as f:
        a = dict(f.attrs)
    b0 = np.sqrt(2 * 0.01 / 1.0)                         # Omega_ce / omega_pe
    g = 0.02 * 0.05 / np.sqrt(0.01)                      # lambda/L_T * nu / v_th
    assert a["forcing_gx_electrons"] == pytest.approx(g) and a["gradient_length_electrons"] == pytest.approx(1 / g)
    assert a["mfp_over_gradient_length_electrons"] == pytest.approx(0.02)
    assert a["strain_rate_wce_electrons"] == pytest.approx(-0.01)
    assert a["forcing_G00_electrons"] == pytest.approx(-0.01 * b0)
    assert a["forcing_G11_electrons"] == pytest.approx(0.005 * b0)
    assert a["mass_electrons"] == 1.0 and a["krook_rate_electrons"] == 0.05


def test_runaway_of_the_temperature_forcing_stops_the_run(tmp_path):
    """A gradient far too strong for a collisionless plasma (L_T = 0.05 d_e): the fast tail blows up within a
    few steps; the run stops with a message naming the cause, on every rank."""
    proc = run_cli(["run", THERMAL, "-o", tmp_path / "out", *SMALL, "--set", "species.0.gradient_length=0.05"],
                   nprocs=2)
    assert proc.returncode == 1
    assert "the temperature forcing ran" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def compressed_run(tmp_path_factory):
    """A magnetised electron plasma compressed along b (strain rate -0.5 Omega_ce) with a temperature
    gradient along b: T_par grows, T_perp falls, a heat flux appears."""
    out = tmp_path_factory.mktemp("tf") / "compressed"
    ok(run_cli(["run", THERMAL, "-o", out, *SMALL, "--set", "pic.beta_e=2.0", "--set", "pic.theta_e=0.01",
                "--set", "species.0.strain_rate_wce=-0.5", "--set", "species.0.gradient_length=10.0",
                "--set", "species.0.particles_per_cell=1024",
                "--set", "run.steps=200", "--set", "output.diag_every=10"]))
    return out


def test_postprocess_figures_of_a_forced_run(compressed_run, tmp_path, capsys):
    from postprocess.cli import main
    from postprocess.tf import anisotropy_path, heat_flux_history

    t, beta, anisotropy = anisotropy_path(compressed_run, "electrons")
    assert anisotropy[-1] < 0.6 < 0.9 < anisotropy[0] and beta[-1] > beta[0]      # compression: T_par grows
    t, q = heat_flux_history(compressed_run, "electrons")
    assert q[-1] < 0 and abs(q[0]) < abs(q[-1]) / 5                              # down the gradient
    for command in (["tf-heat-flux", str(compressed_run), "--species", "electrons", "-o", str(tmp_path / "q.png")],
                    ["tf-anisotropy", str(compressed_run), "--species", "electrons", "-o", str(tmp_path / "a.png")],
                    ["tf-moments", str(compressed_run), "--species", "electrons", "-o", str(tmp_path / "m.png")]):
        assert main(command) == 0, command
    for name in ("q.png", "a.png", "m.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "T_perp/T_par" in text and "max |P - P_theory| / p" in text
    assert main(["tf-moments", str(compressed_run), "--species", "ions"]) == 2
    assert "krook_rate_ions: not in diags/parameters.h5" in capsys.readouterr().err
