"""Linear theory of postprocess.theory against closed forms, textbook values and independent solvers, and the
growth-rate fit on synthetic signals. Units: c = omega_pe = 1, theta = T/(m_e c^2), v_th = sqrt(theta)."""
import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar, newton
from scipy.special import wofz

from postprocess.theory import (fit_growth_rate, langmuir_frequency, two_stream_cold, two_stream_fastest,
                                two_stream_roots, weibel_dispersion, weibel_fastest, weibel_growth, weibel_kmax)


def z_function(xi):
    return 1j * math.sqrt(math.pi) * wofz(xi)


# ---------------------------------------------------------------------------------------------- Langmuir

def test_langmuir_cold_and_bohm_gross():
    assert np.all(langmuir_frequency(np.array([0.1, 1.0, 30.0])) == 1.0)
    assert langmuir_frequency(2.0, theta_e=0.01) == pytest.approx(math.sqrt(1 + 3 * 0.2**2), rel=1e-15)
    assert langmuir_frequency(0.7, kinetic=True) == 1.0            # cold kinetic root is omega_pe exactly


@pytest.mark.parametrize("klambda,expected", [(0.5, 1.4156619 - 0.1533595j), (1.0, 2.0459049 - 0.8513305j)])
def test_kinetic_langmuir_root_textbook(klambda, expected):
    """Textbook Landau roots (Fried & Conte tables): k lambda_D = 0.5 gives omega = 1.4156, gamma = -0.1533;
    k lambda_D = 1 gives 2.0459 - 0.8513 i. theta_e = 0.01 (v_th = 0.1), so k = 10 k lambda_D in 1/d_e."""
    theta = 0.01
    omega = langmuir_frequency(klambda / math.sqrt(theta), theta, kinetic=True)
    assert omega.real == pytest.approx(expected.real, abs=2e-7)
    assert omega.imag == pytest.approx(expected.imag, abs=2e-7)
    xi = omega / (math.sqrt(2) * klambda)
    assert abs(1 + (1 + xi * z_function(xi)) / klambda**2) < 1e-10
    assert langmuir_frequency(klambda, 1.0, kinetic=True) == pytest.approx(omega, rel=1e-12)   # depends on k v_th


def test_kinetic_langmuir_strongly_damped_branch():
    """The continuation in k lambda_D follows the least-damped root up to k lambda_D = 3, where gamma < -omega_r."""
    for klambda in [0.31, 2.0, 3.0]:
        omega = langmuir_frequency(klambda, 1.0, kinetic=True)
        xi = omega / (math.sqrt(2) * klambda)
        assert abs(1 + (1 + xi * z_function(xi)) / klambda**2) < 1e-10
    assert omega.real == pytest.approx(4.24495, abs=1e-5) and omega.imag == pytest.approx(-5.17302, abs=1e-5)


def test_bohm_gross_agrees_with_kinetic_to_fourth_order():
    """omega_kin = 1 + (3/2) x^2 + (15/8) x^4 + ..., Bohm-Gross sqrt(1 + 3 x^2) = 1 + (3/2) x^2 - (9/8) x^4 + ...
    for x = k lambda_D: they differ by 3 x^4, and Landau damping is exponentially small."""
    theta = 0.04
    x = np.array([0.025, 0.05, 0.1])
    k = x / math.sqrt(theta)
    kinetic = langmuir_frequency(k, theta, kinetic=True)
    difference = kinetic.real - langmuir_frequency(k, theta)
    assert difference[0] / x[0] ** 4 == pytest.approx(3.0, rel=0.01)
    assert difference[1] / x[1] ** 4 == pytest.approx(3.0, rel=0.02)
    assert difference[1] / difference[0] == pytest.approx(16.0, rel=0.02)
    assert np.all(np.abs(kinetic.imag) < 1e-15)
    assert np.all(np.abs(difference) < 4 * x**4)


# ---------------------------------------------------------------------------------------------- two-stream

def test_two_stream_roots_satisfy_dispersion_relation():
    v0 = 0.2
    for k in [0.5, 2.0, 3.06, 4.9, 5.1, 12.0]:
        roots = two_stream_roots(k, v0)
        assert roots.size == 4
        a = k * v0
        residual = 1 - 0.5 / (roots - a) ** 2 - 0.5 / (roots + a) ** 2
        assert np.max(np.abs(residual)) < 1e-10


def test_two_stream_growth_closed_form_and_fastest_mode():
    """gamma^2 = [sqrt(8 a^2 + 1) - (2 a^2 + 1)]/2 for a = k v0 < 1; the maximum gamma = 1/(2 sqrt 2) at
    k v0 = sqrt(3/8), found numerically from the quartic's roots."""
    v0 = 0.1
    a = np.linspace(0.01, 0.99, 50)
    closed = np.sqrt((np.sqrt(8 * a**2 + 1) - (2 * a**2 + 1)) / 2)
    assert np.allclose(two_stream_cold(a / v0, v0), closed, rtol=1e-9, atol=0)
    k_fast, gamma_max = two_stream_fastest(v0)
    assert k_fast * v0 == pytest.approx(math.sqrt(3 / 8), rel=1e-15)
    assert gamma_max == pytest.approx(1 / (2 * math.sqrt(2)), rel=1e-15)
    best = minimize_scalar(lambda k: -two_stream_cold(k, v0), bounds=(0.1 / v0, 0.9 / v0), method="bounded",
                           options={"xatol": 1e-9})
    assert best.x == pytest.approx(k_fast, rel=1e-4)
    assert -best.fun == pytest.approx(gamma_max, rel=1e-9)


def test_two_stream_stable_beyond_k_v0_equal_one():
    """Unstable band 0 < k v0 < omega_pe (= sqrt 2 times the beam frequency 1/sqrt 2); stable beyond, including
    k v0 = sqrt 2 and above."""
    v0 = 0.05
    assert two_stream_cold(0.99 / v0, v0) > 0.01
    assert np.all(two_stream_cold(np.array([1.001, math.sqrt(2), 2.0, 10.0]) / v0, v0) == 0.0)


# ---------------------------------------------------------------------------------------------- Weibel

THETA_PAR, THETA_PERP = 0.01, 0.04          # T_perp / T_par = 4, v_par = 0.1, v_perp = 0.2


def test_weibel_marginal_wavenumber_and_stable_cases():
    kmax = weibel_kmax(THETA_PAR, THETA_PERP)
    assert kmax == pytest.approx(math.sqrt(3.0), rel=1e-15)
    assert np.all(weibel_growth(np.array([0.0, kmax, 1.01 * kmax, 5.0]), THETA_PAR, THETA_PERP) == 0.0)
    near = weibel_growth(0.999 * kmax, THETA_PAR, THETA_PERP)
    assert 0 < near < 1e-3
    assert weibel_growth(0.5, 0.04, 0.04) == 0.0 and weibel_growth(0.5, 0.04, 0.01) == 0.0
    assert weibel_fastest(0.04, 0.01) == (0.0, 0.0)


def test_weibel_root_satisfies_complex_dispersion_relation():
    """The purely growing root from the real equation solves the complex D(omega) = omega^2 - k^2 - 1 +
    (T_perp/T_par)[1 + xi Z(xi)], evaluated here directly with wofz, to 1e-10."""
    anisotropy = THETA_PERP / THETA_PAR
    for k in [0.05, 0.3, 0.8, 1.2, 1.7]:
        gamma = weibel_growth(k, THETA_PAR, THETA_PERP)
        assert gamma > 0
        omega = 1j * gamma
        xi = omega / (math.sqrt(2 * THETA_PAR) * k)
        direct = omega**2 - k**2 - 1 + anisotropy * (1 + xi * z_function(xi))
        assert abs(direct) < 1e-10
        assert abs(weibel_dispersion(omega, k, THETA_PAR, THETA_PERP)) < 1e-10


def complex_weibel_root(k, guess):
    """Independent solver: secant iteration on the complex D(omega) with wofz, from omega = i * guess."""
    anisotropy = THETA_PERP / THETA_PAR

    def dispersion(omega):
        xi = omega / (math.sqrt(2 * THETA_PAR) * k)
        return omega**2 - k**2 - 1 + anisotropy * (1 + xi * z_function(xi))

    return complex(newton(dispersion, 1j * guess, tol=1e-14, maxiter=100))


def test_weibel_fastest_mode_against_independent_complex_solver():
    """T_perp/T_par = 4, theta_par = 0.01: the fastest mode k = 0.79921, gamma = 0.064786 omega_pe, found again
    by complex secant root finding in the whole omega plane and a golden-section search."""
    k_fast, gamma_max = weibel_fastest(THETA_PAR, THETA_PERP)
    roots = [complex_weibel_root(k, 0.05) for k in (0.4, 0.8, 1.2)]
    assert all(abs(r.real) < 1e-12 for r in roots)                    # purely growing, as assumed
    best = minimize_scalar(lambda k: -complex_weibel_root(k, 0.05).imag, bracket=(0.5, 0.8, 1.2), tol=1e-10)
    assert k_fast == pytest.approx(best.x, rel=1e-5)
    assert gamma_max == pytest.approx(-best.fun, rel=1e-9)
    assert k_fast == pytest.approx(0.79921, abs=2e-5)
    assert gamma_max == pytest.approx(0.064786, abs=2e-6)


def test_weibel_small_anisotropy_limit():
    """A - 1 << 1: gamma_max -> sqrt(8/(27 pi)) v_par (A - 1)^(3/2) / A at k = sqrt((A - 1)/3) (Davidson 1983);
    the relative correction is O(A - 1)."""
    theta_par = 0.01
    for excess, tolerance in [(0.01, 0.01), (0.001, 0.001)]:
        anisotropy = 1 + excess
        k_fast, gamma_max = weibel_fastest(theta_par, anisotropy * theta_par)
        davidson = math.sqrt(8 / (27 * math.pi)) * math.sqrt(theta_par) * excess**1.5 / anisotropy
        assert gamma_max == pytest.approx(davidson, rel=tolerance)
        assert k_fast == pytest.approx(math.sqrt(excess / 3), rel=tolerance)


def test_weibel_cold_parallel_limit():
    """v_par -> 0 at fixed v_perp: D -> the fluid Weibel relation omega^4 - (1 + k^2) omega^2 - k^2 v_perp^2 = 0,
    gamma^2 = [sqrt((1 + k^2)^2 + 4 k^2 v_perp^2) - (1 + k^2)]/2, bounded by v_perp, which the fastest kinetic
    mode approaches (gamma_max = 0.09983 for T_perp/T_par = 1e6, v_perp = 0.1)."""
    theta_perp, theta_par = 0.01, 1e-8
    for k in [0.5, 2.0, 5.0]:
        fluid = math.sqrt((math.sqrt((1 + k**2) ** 2 + 4 * k**2 * theta_perp) - (1 + k**2)) / 2)
        assert weibel_growth(k, theta_par, theta_perp) == pytest.approx(fluid, rel=2e-4)
    _, gamma_max = weibel_fastest(theta_par, theta_perp)
    assert gamma_max == pytest.approx(math.sqrt(theta_perp), rel=3e-3)
    assert gamma_max < math.sqrt(theta_perp)


# ---------------------------------------------------------------------------------------------- growth-rate fit

def synthetic_mode(seed, gamma=0.35, samples=1000, duration=100.0, floor=1e-6, saturation=0.1, sharpness=2.0,
                   noise=0.05):
    """|mode| of an instability: incoherent noise floor (Rayleigh-distributed), a decaying oscillating transient,
    exponential growth 1e-8 exp(gamma t) rolled over to `saturation`, and multiplicative noise per sample."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, duration, samples)
    linear = 1e-8 * np.exp(gamma * t)
    growing = linear / (1 + (linear / saturation) ** sharpness) ** (1 / sharpness)
    transient = 1e-4 * np.exp(-t / 3) * np.abs(np.cos(2 * t))
    amplitude = np.sqrt(growing**2 + floor**2 * rng.exponential(1.0, samples) + transient**2)
    return t, amplitude * np.exp(noise * rng.standard_normal(samples)), linear


@pytest.mark.parametrize("options", [{}, {"samples": 200}, {"samples": 150, "noise": 0.1}, {"sharpness": 1.0},
                                     {"floor": 1e-4}, {"gamma": 0.06, "duration": 500.0}, {"noise": 0.2}])
def test_fit_growth_rate_recovers_gamma_and_picks_the_linear_phase(options):
    gamma = options.get("gamma", 0.35)
    floor = options.get("floor", 1e-6)
    for seed in range(3):
        t, amplitude, linear = synthetic_mode(seed, **options)
        fitted, (t0, t1), r2 = fit_growth_rate(t, amplitude)
        assert fitted == pytest.approx(gamma, rel=0.02)
        assert r2 > 0.98
        # the window lies where the growing part clears the floor and before it nears saturation
        assert np.interp(t0, t, linear) > 2 * floor
        assert np.interp(t1, t, linear) < 0.1
        assert (t1 - t0) * gamma > 0.6 * math.log(0.1 / (2 * floor))     # covers most of the linear phase
        as_energy, window, _ = fit_growth_rate(t, amplitude**2, energy=True)
        assert as_energy == pytest.approx(fitted, rel=1e-9) and window == (t0, t1)


def test_fit_growth_rate_explicit_window_and_errors():
    t = np.linspace(0, 40, 401)
    signal = 3e-5 * np.exp(0.25 * t)
    signal[300:] = signal[300]                    # exponential to t = 30, then flat
    gamma, window, r2 = fit_growth_rate(t, signal, window=(1.0, 5.0))
    assert gamma == pytest.approx(0.25, rel=1e-12) and window == (1.0, 5.0) and r2 == pytest.approx(1.0)
    gamma, window, r2 = fit_growth_rate(t, signal**2, window=(1.0, 5.0), energy=True)
    assert gamma == pytest.approx(0.25, rel=1e-12)
    gamma, window, _ = fit_growth_rate(t, signal)
    assert gamma == pytest.approx(0.25, rel=1e-9) and window[1] <= 30.0
    noise = np.random.default_rng(0).exponential(1.0, 500)
    with pytest.raises(ValueError, match="no exponential growth|no linear phase"):
        fit_growth_rate(np.arange(500.0), noise)
    with pytest.raises(ValueError, match="strictly increasing"):
        fit_growth_rate(np.zeros(10), np.ones(10))
