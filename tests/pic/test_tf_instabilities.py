"""TF-PIC validation, spec section 3 items 7 and 8 in CI size: the whistler temperature-anisotropy instability
(T_perp > T_par) grows within 10 %, and the parallel electron firehose (T_par > T_perp) within 15 %, of the
project's linear bi-Maxwellian dispersion solver (`postprocess.parallel_modes`) for the same parameters, read
from the decks and evaluated at the wavenumber of the box mode that the run measures. Both runs are 1D3V along
B_0 (x), quiet (quantile momentum loading at the cell centres, no magnetic noise), seeded with a B_y cosine on
the fastest mode, and fitted by `postprocess.pic.growth_from_spectrum` (what `hpcsim-post growth OUT --field B`
prints) on spectrum_B with its automatic window.

Whistler (decks/tf/whistler_anisotropy.toml; the test runs it in a box of one wavelength, mode 1, instead of
two, mode 2: same k, same growth to 5 digits, half the time). omega_pe/Omega_ce = 10, theta_par = 1e-3,
theta_perp = 6e-3 (beta_e,par = 0.2), immobile neutralising ions, compared with the solver at m_p/m_e = 1e12
(real protons change its gamma by -3e-4: omega_r is 1200 Omega_cp). At k = 1.0979 (the fastest mode, 64
cells per wavelength, dt = 0.78 of the Courant limit) the solver gives omega = 0.066317 + 0.029686i; the run
measures gamma = 0.02882 over t = 145..367 (6.4 e-folds, r^2 = 0.99997): ratio 0.971.
Expected deviation, computed offline from the general parallel-mode dispersion relation of a gyrotropic
momentum set f(u_par, u_perp) (relativistic, v = u / gamma, Omega / gamma in the resonant denominator; it
reproduces the solver to 1e-8 for a continuous non-relativistic bi-Maxwellian): the relativistic mass lowers
gamma by 2.0 % (0.029081 for a bi-Maxwellian in u), the 128 discrete parallel momenta of the quantile set by
0.7 % more; the relativistic root of the loaded set is 0.028959 (ratio 0.9755), and the code measures 0.995 of
it. With 32 or 64 parallel values (256, 512 per cell) the roots of the loaded set are 0.951 and 0.968 of the
solver and the linear phases match them to 0.2 %, but the quantile set is a sum of cold beams: electrostatic
multi-beam modes at k lambda_D ~ 0.4-0.7 grow from round-off at ~0.1 omega_pe and saturate at t ~ 250-300
(thermal-noise level), which bends the whistler's log-slope for a while (by -12 % with 64 values and seed
1e-6, by +30 % and more with 32 values and seed 1e-8); with 128 values they grow more slowly and the linear
phase stays clean until the whistler itself rolls over (t ~ 360, |B_k| ~ 0.006 = 0.06 B_0). Higher
temperatures would grow faster but shift gamma more (the relativistic correction scales with theta_perp),
which is why theta_perp is kept at 6e-3.

Firehose (decks/tf/firehose.toml, run as is). omega_pe/Omega_ce = 8, reduced mass ratio m_p/m_e = 25 (given
to the solver too), electrons theta_par = 0.03125 (beta_e,par = 4), T_perp/T_par = 0.15, isotropic protons at
T_p = 0.1 T_e,par; one wavelength of the fastest mode, k = 0.19242, where the solver gives omega = 0.0030286 +
0.0032748i ((0.606 + 0.655i) Omega_cp). The run measures gamma = 0.003215 over t = 1376..2108 (2.4 e-folds,
r^2 = 0.9999): ratio 0.982. Offline, as above: relativistic mass -3.8 % (theta_par = 0.031 is needed for
beta_e,par = 4 at an affordable omega_pe/Omega_ce), the loaded set (32 parallel values per species) +0.8 %:
expected ratio 0.970 (+-0.4 %, quadrature of the cold proton resonance).
Why the linear phase is only 2-3 e-folds here: the parallel electrons are hot, so their quantile beams are
electrostatically unstable at 0.075 omega_pe and saturate at t ~ 400, long before the firehose (gamma = 1/300)
has grown; the turbulence then decorrelates the groups of 8 particles that share a position and u_par (their
two radii have different gamma, hence different v_par), and B reaches the thermal noise of the 16384
particles per species by t ~ 800. Thermal noise per mode ~ T L / N_p against the saturated mode
|B_k|^2 L / 4 (|B_k| = 0.09 = 0.7 B_0) leaves (B_k/B_0)^2 N_p / (2 beta_e) ~ e^7 of energy, about 3.5
e-folds of amplitude, between the noise floor and saturation; a 4 x larger electron count buys only 0.7 more.
The cells are 2.9 parallel electron Debye lengths and 9 proton Debye lengths (the deck warns): by the window
the total energy has grown by 3-5 %, T_par of the protons by 20-27 % and of the electrons by 3.6 %, which by
the solver change gamma by -1.5 % and +1.9 %. Variants (seed 1e-6, 1e-5, 3e-4, 1e-3; 1024 electrons per cell
with seed 1e-4 or 3e-4; some in a box 1e-5 longer) gave ratios 0.994, 0.949, 0.952, 0.936, 0.961, 0.945:
a spread of +-3 % about the expected 0.97, from fitting 2-3 e-folds above a noise floor; the 15 % tolerance
holds with a wide margin.
"""
import math
import tomllib

import numpy as np
import pytest

from conftest import ROOT, run_cli
from postprocess.parallel_modes import BiMaxwellianPlasma, fastest_growing, root
from postprocess.pic import growth_from_spectrum, read_spectrum
from postprocess.cli import main
from postprocess.readers import read_scalars
from postprocess.tf import growth_against_theory

DECKS = ROOT / "decks" / "tf"
IMMOBILE_IONS = 1e12          # m_p/m_e for the solver when the deck's ions are the neutralising background


def read_deck(name):
    with open(DECKS / name, "rb") as f:
        return tomllib.load(f)


def plasma_of(deck):
    """The solver's BiMaxwellianPlasma for a deck: electrons bi-Maxwellian relative to B_0, ions either one
    isotropic proton species (mass_ratio and temperature from the deck) or the immobile background."""
    p = deck["pic"]
    electrons = [s for s in deck["species"] if s["charge"] < 0]
    ions = [s for s in deck["species"] if s["charge"] > 0]
    assert len(electrons) == 1 and len(ions) <= 1
    e = electrons[0]
    theta_par, theta_perp = e["temperature_par"], e["temperature_perp"]
    wpe_over_wce = p["wpe_over_wce"]
    if ions:
        ion = ions[0]
        assert ion["mass"] == "proton" and ion["charge"] == 1.0 and "temperature_par" not in ion
        theta_ion = ion.get("temperature", p["theta_e"] * p.get("temperature_ratio", 1.0))
        ion_kwargs = {"mass_ratio": p["mass_ratio"], "temperature_ratio": theta_ion / theta_par}
    else:
        assert p.get("neutralise", True)
        ion_kwargs = {"mass_ratio": IMMOBILE_IONS}
    return BiMaxwellianPlasma(2.0 * theta_par * wpe_over_wce**2, wpe_over_wce, theta_perp / theta_par,
                              **ion_kwargs)


def theory_at(plasma, branch, k):
    """(k of the fastest mode, complex omega of the branch at the box wavenumber k)."""
    k_fast, omega_r, gamma = fastest_growing(plasma, branch)
    omega = root(k, plasma, complex(omega_r, gamma), +1 if branch == "whistler" else -1)
    return k_fast, omega


def run_deck(tmp_path, name, *overrides):
    out = tmp_path / name.removesuffix(".toml")
    args = ["run", DECKS / name, "-o", out]
    for item in overrides:
        args += ["--set", item]
    proc = run_cli(args, timeout=900)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out


def measure(out, mode, k_box):
    fit = growth_from_spectrum(out, "B")
    assert fit["mode"] == mode and fit["k"] == pytest.approx(k_box, rel=1e-12)
    efolds = fit["gamma"] * (fit["window"][1] - fit["window"][0])
    _, _, energy = read_spectrum(out, "B")
    series = energy[:, mode]
    return fit, efolds, series


def anisotropy(out):
    s = read_scalars(out)
    return s["T_perp_electrons"] / s["T_par_electrons"]


def test_whistler_anisotropy_growth_matches_the_dispersion_solver(tmp_path):
    deck = read_deck("whistler_anisotropy.toml")
    length = deck["mesh"]["length"][0] / deck["pic"]["seed_mode"]        # one wavelength of the seeded mode
    cells = deck["mesh"]["shape"][0] // deck["pic"]["seed_mode"]
    out = run_deck(tmp_path, "whistler_anisotropy.toml", f"mesh.shape=[{cells}]", f"mesh.length=[{length!r}]",
                   "pic.seed_mode=1")
    k = 2.0 * math.pi / length
    k_fast, omega = theory_at(plasma_of(deck), "whistler", k)
    fit, efolds, series = measure(out, 1, k)
    ratio = fit["gamma"] / omega.imag
    print(f"\nwhistler k = {k:.5f} (fastest {k_fast:.5f}): gamma_sim = {fit['gamma']:.6f}, solver omega = "
          f"{omega.real:.6f} + {omega.imag:.6f}i, ratio = {ratio:.4f}, window = ({fit['window'][0]:.1f}, "
          f"{fit['window'][1]:.1f}) ({efolds:.1f} e-folds, r2 = {fit['r2']:.6f})")
    assert k == pytest.approx(k_fast, rel=1e-3)                          # the deck's box holds the fastest mode
    assert abs(ratio - 1.0) < 0.10                                       # spec tolerance; measured 0.971
    assert efolds > 5.0 and fit["r2"] > 0.999                            # a long, clean exponential phase
    assert series.max() > 1e8 * series[0] and np.argmax(series) < series.size - 20   # saturated within the run
    a = anisotropy(out)
    assert a[0] == pytest.approx(6.0, rel=0.01) and a[-1] < 3.0          # the whistlers relax T_perp/T_par
    # `hpcsim-post tf-growth` finds the same comparison from the output directory alone
    figure = tmp_path / "growth.png"
    assert main(["tf-growth", str(out), "-o", str(figure)]) == 0 and figure.stat().st_size > 10_000
    assert growth_against_theory(out)["ratio"] == pytest.approx(ratio, rel=1e-6)


def test_parallel_electron_firehose_growth_matches_the_dispersion_solver(tmp_path):
    deck = read_deck("firehose.toml")
    out = run_deck(tmp_path, "firehose.toml")
    mode = deck["pic"]["seed_mode"]
    k = 2.0 * math.pi * mode / deck["mesh"]["length"][0]
    k_fast, omega = theory_at(plasma_of(deck), "firehose", k)
    fit, efolds, series = measure(out, mode, k)
    ratio = fit["gamma"] / omega.imag
    print(f"\nfirehose k = {k:.5f} (fastest {k_fast:.5f}): gamma_sim = {fit['gamma']:.7f}, solver omega = "
          f"{omega.real:.7f} + {omega.imag:.7f}i, ratio = {ratio:.4f}, window = ({fit['window'][0]:.0f}, "
          f"{fit['window'][1]:.0f}) ({efolds:.1f} e-folds, r2 = {fit['r2']:.6f})")
    assert k == pytest.approx(k_fast, rel=1e-3)
    assert omega.real > 0.0 and omega.imag > 0.0                         # a growing left-hand wave
    assert abs(ratio - 1.0) < 0.15                                       # spec tolerance; measured 0.982
    assert efolds > 2.0 and fit["r2"] > 0.999                            # noise-limited at this size (docstring)
    assert series.max() > 1e4 * series[0] and np.argmax(series) < series.size - 20
    a = anisotropy(out)
    assert a[0] == pytest.approx(0.15, rel=0.05) and a[-1] > 0.5         # the firehose relaxes T_par > T_perp
    assert growth_against_theory(out)["ratio"] == pytest.approx(ratio, rel=1e-6)
