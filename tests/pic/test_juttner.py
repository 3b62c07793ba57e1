"""The Maxwell-Juttner loader (`hpcsim.pic.juttner`, species.momentum_distribution = "juttner"): its speed
quantiles against the exact CDF, its moments against the Bessel-function formulas, mirroring and the
non-relativistic limit, a deck run whose initial temperature is the deck's, and the deck errors."""
import math

import h5py
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import kn

from conftest import ROOT, run_cli
from hpcsim.pic.juttner import juttner_momenta, speed_table

THERMAL = ROOT / "decks" / "pic" / "thermal.toml"


@pytest.mark.parametrize("t", [0.01, 0.3, 3.0])
def test_speed_quantiles_invert_the_exact_cdf(t):
    """The tabulated inverse puts each quantile q at a speed whose exact CDF (adaptive quadrature) is q to 1e-7."""
    speeds, cdf = speed_table(t)

    def density(u):
        return u * u * math.exp(-(math.sqrt(1.0 + u * u) - 1.0) / t)

    total = quad(density, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    for q in np.linspace(0.01, 0.99, 11):
        speed = float(np.interp(q, cdf, speeds))
        exact = quad(density, 0.0, speed, epsabs=0.0, epsrel=1e-13, limit=200)[0] / total
        assert abs(exact - q) < 1e-7


@pytest.mark.parametrize("t", [0.1, 1.0, 10.0])
def test_moments_are_those_of_the_juttner_distribution(t):
    """<gamma> = K_1(1/t)/K_2(1/t) + 3t and pressure n T (<u_x v_x> = t) within 4 standard errors of the sample
    (400000 particles)."""
    u = juttner_momenta(np.random.default_rng(7).standard_normal((3, 400000)), 1.0, t)
    gamma = np.sqrt(1.0 + np.sum(u * u, axis=0))
    pressure = u[0] * u[0] / gamma
    mean_gamma = kn(1, 1.0 / t) / kn(2, 1.0 / t) + 3.0 * t
    assert abs(gamma.mean() - mean_gamma) < 4.0 * gamma.std() / math.sqrt(gamma.size)
    assert abs(pressure.mean() - t) < 4.0 * pressure.std() / math.sqrt(pressure.size)


def test_mirrored_normals_give_mirrored_momenta_and_the_maxwellian_limit():
    g = np.random.default_rng(3).standard_normal((3, 1000))
    np.testing.assert_array_equal(juttner_momenta(-g, 1.0, 0.3), -juttner_momenta(g, 1.0, 0.3))
    t = 1e-6                                    # u = sqrt(t) g (1 + O(t))
    np.testing.assert_allclose(juttner_momenta(g, 1.0, t), math.sqrt(t) * g, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(juttner_momenta(g, 4.0, 4.0 * 0.3), juttner_momenta(g, 1.0, 0.3), rtol=1e-15)


def deck_with(tmp_path, lines):
    deck = tmp_path / "deck.toml"
    deck.write_text(THERMAL.read_text().replace("temperature = 0.01\n", lines))
    return deck


SMALL = ["--set", "mesh.shape=[16, 16]", "--set", "mesh.spacing=[0.25, 0.25]", "--set", "run.dt=0.1",
         "--set", "run.steps=1", "--set", "output.fields_every=0", "--set", "species.0.particles_per_cell=256"]


def test_a_juttner_deck_starts_at_the_deck_temperature(tmp_path):
    """At T = 0.1 m c^2 the measured pressure-tensor temperatures n m <u v> start at 0.1 within 4 standard errors
    (65536 particles: 2.2 %), where the Maxwellian sampler gives 0.083."""
    out = tmp_path / "run"
    proc = run_cli(["run", deck_with(tmp_path, "temperature = 0.1\nmomentum_distribution = \"juttner\"\n"), "-o",
                    out, *SMALL])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    with h5py.File(out / "diags" / "scalars.h5", "r") as f:
        t_par, t_perp = f["T_par_electrons"][0], f["T_perp_electrons"][0]
    assert t_par == pytest.approx(0.1, rel=4 * math.sqrt(2 / 65536))
    assert t_perp == pytest.approx(0.1, rel=4 * math.sqrt(1 / 65536))


@pytest.mark.parametrize("lines,reason", [
    ("temperature_par = 0.1\ntemperature_perp = 0.2\nmomentum_distribution = \"juttner\"\n", "isotropic"),
    ("temperature = 0.1\ndrift = [0.1, 0.0, 0.0]\nmomentum_distribution = \"juttner\"\n", "no drift"),
    ("temperature = 0.1\nkrook_rate = 0.01\nmomentum_distribution = \"juttner\"\n", "Krook"),
])
def test_deck_refuses_what_the_juttner_loader_does_not_cover(tmp_path, lines, reason):
    proc = run_cli(["check", deck_with(tmp_path, lines)])
    assert proc.returncode == 2 and "species[0].momentum_distribution" in proc.stderr and reason in proc.stderr
    assert "Traceback" not in proc.stderr


def test_only_the_juttner_loader_takes_relativistic_temperatures(tmp_path):
    hot = run_cli(["check", deck_with(tmp_path, "temperature = 2.0\n")])
    assert hot.returncode == 2 and "momentum_distribution = \"juttner\" loads any temperature" in hot.stderr
    assert run_cli(["check", deck_with(tmp_path, "temperature = 2.0\nmomentum_distribution = \"juttner\"\n"),
                    "--set", "run.dt=0.01"]).returncode == 0


def test_relativistic_forcing_refuses_krook_collisions(tmp_path):
    proc = run_cli(["check", deck_with(tmp_path, "temperature = 0.1\ngradient_length = 100.0\nkrook_rate = 0.01\n"
                                                 "forcing_model = \"relativistic\"\n")])
    assert proc.returncode == 2 and "species[0].forcing_model" in proc.stderr and "Krook" in proc.stderr
