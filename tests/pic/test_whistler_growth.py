"""postprocess.whistler_growth: the parallel-whistler dispersion of a skewed bi-Maxwellian against its closed form
(no skew), a direct quadrature of the defining integral (with skew, both directions), the cold limit and Gary &
Wang's anisotropy threshold; the skew estimates against sampled distributions; the command on a checkpoint."""
import json
import math

import h5py
import numpy as np
import pytest

from postprocess.cli import main
from postprocess.theory import plasma_z
from postprocess.whistler_growth import (cold_whistler, core_skew, maxwellian, resonance_integral, skew_for_heat_flux,
                                         thermal_speeds, whistler_growth_curve, whistler_root)

OMEGA_CE = 0.1


def _closed_form(omega, k, w_par, w_perp):
    """Bi-Maxwellian: I = (A - 1) + [Omega + A (omega - Omega)] Z(zeta) / (sqrt 2 |k| w_par) (Gary 1993)."""
    ka, anisotropy = abs(k), (w_perp / w_par) ** 2
    zeta = (omega - OMEGA_CE) / (math.sqrt(2.0) * ka * w_par)
    resonant = (OMEGA_CE + anisotropy * (omega - OMEGA_CE)) * plasma_z(zeta)
    return anisotropy - 1.0 + resonant / (math.sqrt(2.0) * ka * w_par)


@pytest.mark.parametrize("k", [0.7, -0.7, 2.1])
@pytest.mark.parametrize("omega", [0.03 + 0.01j, 0.05 - 0.004j])
def test_bimaxwellian_integral_is_the_closed_form(k, omega):
    w_par, w_perp = 0.04, 0.05
    got = resonance_integral(maxwellian(), omega, k, OMEGA_CE, w_par, w_perp)
    assert got == pytest.approx(_closed_form(omega, k, w_par, w_perp), rel=1e-12, abs=1e-14)


def _quadrature(omega, k, w_par, w_perp, skew, points):
    """int d^3v (v_perp/2)[(omega - k v_par) df/dv_perp + k v_perp df/dv_par] / (omega - k v_par - Omega) on a grid,
    f = f_biM [1 + eps x (x^2/2 + y^2/2 - 5/2)] with finite-difference derivatives (Im omega > 0: no pole)."""
    v_par = np.linspace(-9 * w_par, 9 * w_par, 2 * points + 1)
    v_perp = np.linspace(0.0, 9 * w_perp, points + 1)
    par, perp = np.meshgrid(v_par, v_perp, indexing="ij")
    x, y = par / w_par, perp / w_perp
    f = (np.exp(-0.5 * x ** 2 - 0.5 * y ** 2) / ((2 * np.pi) ** 1.5 * w_par * w_perp ** 2)
         * (1.0 + skew * x * (0.5 * x ** 2 + 0.5 * y ** 2 - 2.5)))
    df_par, df_perp = np.gradient(f, v_par, v_perp, edge_order=2)
    integrand = (0.5 * perp * ((omega - k * par) * df_perp + k * perp * df_par) / (omega - k * par - OMEGA_CE)
                 * 2 * np.pi * perp)
    return np.trapezoid(np.trapezoid(integrand, v_perp, axis=1), v_par)


@pytest.mark.parametrize("k", [0.8, -0.8])
def test_skewed_integral_matches_quadrature(k):
    """The polynomial moments and Z_n recursion, including k < 0 (t -> -t), against the defining integral: the
    quadrature's error falls 4x per halving of the grid (second order) towards the exact value."""
    w_par, w_perp, skew, omega = 0.05, 0.045, -0.2, 0.04 + 0.03j
    got = resonance_integral(maxwellian(skew), omega, k, OMEGA_CE, w_par, w_perp)
    coarse, fine = (abs(_quadrature(omega, k, w_par, w_perp, skew, n) - got) / abs(got) for n in (900, 1800))
    assert fine < 1e-5 and 3.5 < coarse / fine < 4.5


def test_cold_limit_is_the_cold_whistler():
    """w = 1e-5 c: the thermal shift is of order (k w / (Omega - omega))^2 <= 1e-7, the damping exp(-zeta^2) = 0."""
    for k in (0.5, 1.0, 3.0):
        root = whistler_root(k, OMEGA_CE, 1e-5, 1e-5)
        cold = cold_whistler(k, OMEGA_CE)
        assert (cold ** 2 - k ** 2) * (cold - OMEGA_CE) == pytest.approx(cold, rel=1e-12)
        assert root.real == pytest.approx(cold, rel=(k * 1e-5 / (OMEGA_CE - cold)) ** 2 * 3)
        assert abs(root.imag) < 1e-15


@pytest.mark.parametrize("beta_par", [0.5, 1.0, 3.0])
def test_anisotropy_instability_on_gary_wang_threshold(beta_par):
    """Gary & Wang (1996): T_perp/T_par - 1 = 0.36 beta_par^-0.55 gives gamma_max = 0.01 Omega_e (their fit of
    Vlasov roots to about 10 %)."""
    w_par = OMEGA_CE * math.sqrt(beta_par / 2.0)                 # omega_pe = 1: beta_par = 2 w_par^2 / Omega^2
    anisotropy = 1.0 + 0.36 * beta_par ** -0.55
    ks = np.linspace(0.05, 1.5, 59) * OMEGA_CE / w_par
    gamma = whistler_growth_curve(ks, OMEGA_CE, w_par, w_par * math.sqrt(anisotropy)).imag
    assert 0.0085 < gamma.max() / OMEGA_CE < 0.0115


def test_heat_flux_drives_whistlers_along_it():
    """eps < 0 (heat flux along -x): the whistler travelling along -x grows at beta_e = 16, the one against it
    and the isotropic Maxwellian are damped."""
    w = 0.3
    omega_ce = w * math.sqrt(2.0 / 16.0)
    ks = np.linspace(0.2, 1.0, 17) * omega_ce / w
    along = whistler_growth_curve(-ks, omega_ce, w, w, -0.1).imag
    against = whistler_growth_curve(ks, omega_ce, w, w, -0.1).imag
    plain = whistler_growth_curve(ks, omega_ce, w, w).imag
    assert along.max() > 1e-3 * omega_ce and against.max() < 0 and plain.max() < 0


def _sample(eps, n, rng, w=0.01):
    """Momenta (3, N) of f_M [1 + eps x (x^2/2 + y^2/2 - 5/2)] by rejection (non-relativistic w << c)."""
    u = w * rng.standard_normal((3, 3 * n))
    x, y2 = u[0] / w, (u[1] ** 2 + u[2] ** 2) / w ** 2
    weight = np.clip(1.0 + eps * x * (0.5 * x ** 2 + 0.5 * y2 - 2.5), 0.0, None)
    keep = rng.random(weight.size) * weight.max() < weight
    return u[:, keep][:, :n]


@pytest.mark.parametrize("seed", [1, 2])
def test_skews_recover_the_sampled_distribution(seed):
    """eps = -0.03 from the heat flux and from the core fit of 10^6 samples (w = 0.01 c: relativistic moments
    differ by 0.2 %): over seeds 1-8 the two scatter by 1.7 % and 2.9 % about eps; 4 standard deviations."""
    u = _sample(-0.03, 1_000_000, np.random.default_rng(seed))
    w_par, w_perp, q = thermal_speeds(u)
    assert skew_for_heat_flux(q, w_par, w_perp) == pytest.approx(-0.03, rel=0.07)
    assert core_skew(u, w_par)[0] == pytest.approx(-0.03, rel=0.12)


def _write_run(outdir, u, step=100, dt=0.2):
    (outdir / "diags").mkdir(parents=True)
    with h5py.File(outdir / "diags" / "parameters.h5", "w") as f:
        f.attrs.update({"omega_ce": OMEGA_CE, "gyroradius_e": 0.5})
    (outdir / "deck.toml").write_text("[mesh]\nshape = [64, 8]\nspacing = [0.25, 0.25]\n")
    ckpt = outdir / "checkpoints" / f"ckpt_{step:08d}"
    ckpt.mkdir(parents=True)
    with h5py.File(ckpt / "checkpoint.h5", "w") as f:
        f["particles/electrons/u"] = u
        f.create_group("state").attrs["json"] = json.dumps(
            {"steps": step, "clock": {"anchor_step": 0, "anchor_time": 0.0, "dt": dt}})
    return outdir


def test_cli_tf_whistler_theory(tmp_path, capsys):
    u = _sample(-0.1, 200_000, np.random.default_rng(5), w=0.05)
    outdir = _write_run(tmp_path / "run", u)
    assert main(["tf-whistler-theory", str(outdir), "--nu", "2e-4", "--points", "8"]) == 0
    out = capsys.readouterr().out
    assert "the box's k_par rho_e = 0.196 x m" in out                    # 2 pi / 16 d_e x rho_e = 0.5 d_e
    row = out.splitlines()[-1].split()
    assert float(row[0]) == pytest.approx(20.0) and float(row[1]) == pytest.approx(0.5, rel=0.02)   # t, beta_par
    assert main(["tf-whistler-theory", str(outdir), "--checkpoint", "7"]) == 2
    assert "no checkpoint at step 7" in capsys.readouterr().err
