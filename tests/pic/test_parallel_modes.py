"""Linear theory of parallel electromagnetic modes (postprocess.parallel_modes) against its known limits:
the cold R-mode, Landau/cyclotron damping of an isotropic plasma, the whistler anisotropy threshold fit of
Gary & Wang (1996), the fluid firehose at long wavelength, and the electrons' heat-flux skew against a direct
quadrature of its defining integral and in the direction of its growth."""
import math

import numpy as np
import pytest

from postprocess.parallel_modes import (BiMaxwellianPlasma, cold_whistler, dispersion, fastest_growing,
                                        firehose_branch, threshold_anisotropy, whistler_branch)
from postprocess.theory import weibel_dispersion


def test_cold_limit_is_the_cold_r_mode():
    plasma = BiMaxwellianPlasma(1e-8, 5.0, 1.0)
    ks = np.linspace(0.2, 2.0, 19)
    omega = whistler_branch(ks, plasma)
    cold = np.array([cold_whistler(k, plasma) for k in ks])
    np.testing.assert_allclose(omega.real, cold, rtol=1e-6)
    assert np.all(np.abs(omega.imag) < 1e-9 * cold)
    # electron whistler limit omega_pe >> Omega_e, omega >> Omega_p: omega = k^2 Omega_e / (1 + k^2)
    assert cold[3] == pytest.approx(0.25 * 0.2 / 1.25, rel=0.02)


def test_isotropic_plasma_is_damped():
    plasma = BiMaxwellianPlasma(0.5, 5.0, 1.0)
    gamma = whistler_branch(np.linspace(0.3, 1.2, 10), plasma).imag
    assert np.all(gamma[np.isfinite(gamma)] < 0)
    assert gamma[-1] < gamma[0]                   # stronger cyclotron damping closer to the resonance


def test_unmagnetised_limit_is_the_weibel_relation():
    """B_0 -> 0 and immobile protons (huge mass ratio): both polarisations reduce to the Weibel relation."""
    plasma = BiMaxwellianPlasma(2 * 0.01 / (1e9) ** 2, 1e9, 3.0, mass_ratio=1e12)
    omega, k = 0.05 + 0.03j, 0.8
    expect = weibel_dispersion(omega, k, plasma.theta_e_par, 3.0 * plasma.theta_e_par)
    for sigma in (+1, -1):
        assert dispersion(omega, k, plasma, sigma) == pytest.approx(expect, rel=1e-6)


@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_whistler_anisotropy_threshold_matches_gary_wang(beta):
    """Gary & Wang (1996): T_perp/T_par - 1 = 0.36 / beta_e_par^0.55 for gamma_max = 0.01 |Omega_e|."""
    anisotropy = threshold_anisotropy(beta, 0.01, "whistler")
    assert anisotropy - 1.0 == pytest.approx(0.36 / beta**0.55, rel=0.05)


def test_anisotropic_whistler_grows_below_the_electron_gyrofrequency():
    plasma = BiMaxwellianPlasma(0.1, 5.0, 3.0)
    k, omega_r, gamma = fastest_growing(plasma, "whistler")
    assert gamma > 0.0 and 0.0 < omega_r < plasma.b0 and 0.3 < k < 2.0


def test_firehose_long_wavelength_limit_is_the_fluid_firehose():
    """k -> 0: gamma -> k v_A sqrt((beta_par - beta_perp)/2 - 1), v_A = B_0 / sqrt(m_p + m_e)."""
    plasma = BiMaxwellianPlasma(4.0, 5.0, 0.1)
    k = 0.001                                     # followed down from k = 0.01, where gamma ~ 0.2 Omega_p
    omega = firehose_branch([0.01, 0.005, 0.002, k], plasma)[-1]
    fluid = k * plasma.b0 / math.sqrt(plasma.mass_ratio + 1.0) * math.sqrt(4.0 * 0.9 / 2.0 - 1.0)
    assert omega.imag == pytest.approx(fluid, rel=0.01)


def test_firehose_growth_and_stability():
    omega_p = 0.2 / 1836.15267343
    k, omega_r, gamma = fastest_growing(BiMaxwellianPlasma(4.0, 5.0, 0.1), "firehose")
    assert 0.2 < gamma / omega_p < 2.0 and abs(omega_r) < 20 * omega_p and 0.01 < k < 0.2
    assert fastest_growing(BiMaxwellianPlasma(0.5, 5.0, 0.5), "firehose")[2] < 0.0


def _skew_quadrature(omega, k, w_par, w_perp, omega_ce, points):
    """int d^3v (v_perp/2)[(omega - k v_par) df/dv_perp + k v_perp df/dv_par] / (omega - k v_par - Omega_ce) on a
    grid, f = f_biM x (x^2/2 + y^2/2 - 5/2) (the skew per unit eps), finite-difference derivatives (Im omega > 0:
    no pole on the real axis)."""
    v_par = np.linspace(-9 * w_par, 9 * w_par, 2 * points + 1)
    v_perp = np.linspace(0.0, 9 * w_perp, points + 1)
    par, perp = np.meshgrid(v_par, v_perp, indexing="ij")
    x, y = par / w_par, perp / w_perp
    f = (np.exp(-0.5 * x ** 2 - 0.5 * y ** 2) / ((2 * np.pi) ** 1.5 * w_par * w_perp ** 2)
         * x * (0.5 * x ** 2 + 0.5 * y ** 2 - 2.5))
    df_par, df_perp = np.gradient(f, v_par, v_perp, edge_order=2)
    integrand = (0.5 * perp * ((omega - k * par) * df_perp + k * perp * df_par) / (omega - k * par - omega_ce)
                 * 2 * np.pi * perp)
    return np.trapezoid(np.trapezoid(integrand, v_perp, axis=1), v_par)


def test_heat_flux_skew_matches_quadrature():
    """The skew's term in D (polynomial moments, Z_n recursion) against the defining integral: the quadrature's
    error falls 4x per halving of its grid (second order), and its Richardson extrapolation agrees to 1e-6;
    immobile ions, A = 0.81."""
    w_par, omega = 0.05, 0.04 + 0.03j
    plasma = BiMaxwellianPlasma(2 * w_par ** 2 / 0.1 ** 2, 10.0, 0.81, mass_ratio=math.inf)
    skew = dispersion(omega, 0.8, plasma, skew=1.0) - dispersion(omega, 0.8, plasma)
    coarse, fine = (_skew_quadrature(omega, 0.8, w_par, 0.9 * w_par, 0.1, n) for n in (900, 1800))
    assert 3.5 < abs(coarse - skew) / abs(fine - skew) < 4.5
    assert abs((4.0 * fine - coarse) / 3.0 - skew) < 1e-6 * abs(skew)


def test_heat_flux_skew_drives_whistlers_along_the_heat_flux():
    """beta_e = 16, eps = 0.1 (heat flux along +B_0): the whistler along +B_0 grows, with frequency far below
    Omega_ce (high beta); the one against it (the mirror image: eps = -0.1) and the Maxwellian are damped."""
    plasma = BiMaxwellianPlasma(16.0, 10.0, 1.0, mass_ratio=math.inf)
    rho = math.sqrt(plasma.theta_e_par) / plasma.b0
    ks = np.linspace(0.2, 1.0, 17) / rho
    along, against, plain = (whistler_branch(ks, plasma, skew).imag for skew in (0.1, -0.1, 0.0))
    best = int(np.argmax(along))
    assert along[best] > 1e-3 * plasma.b0 and 0.3 < ks[best] * rho < 0.6
    assert whistler_branch(ks, plasma, 0.1)[best].real < 0.05 * plasma.b0
    assert np.nanmax(against) < 0 and np.nanmax(plain) < 0
    with pytest.raises(ValueError, match="R mode"):
        dispersion(0.01, 0.5, plasma, polarization=-1, skew=0.1)
