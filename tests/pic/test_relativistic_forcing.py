"""The relativistically exact temperature forcing (species.forcing_model = "relativistic",
`kernels/pic/forcing_elements.relativistic_temperature_flow_at`): its field-free orbits against DOP853 through the
compiled push, and the moments it drives in a Maxwell-Juttner plasma against the Chapman-Enskog source (no
momentum injected, d<v_par>/dt as the quadrature of the source), where the non-relativistic form fails."""
import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.special import kve

from conftest import ROOT, run_cli
from hpcsim.kernels.pic import pic_cpu
from hpcsim.kernels.pic.forcing_elements import RELATIVISTIC
from hpcsim.pic.forcing import relativistic_k0
from hpcsim.pic.juttner import juttner_momenta


def coefficients(g, dt, k0):
    norm = float(np.linalg.norm(g))
    return np.concatenate([np.eye(3).ravel(), np.asarray(g) / norm, [norm * dt / 4.0, k0]])


def push(u, g, dt, k0, mode):
    """One field-free forced step of every particle (E = B = 0: two forcing half steps, the Lorentz step
    does nothing)."""
    u = np.array(u, dtype=float)
    x, zero = np.zeros_like(u), np.zeros_like(u)
    pic_cpu.push_forced_and_move(x, u, zero, zero, -1.0 * dt, dt, 0, coefficients(g, dt, k0), False, mode)
    return u


@pytest.mark.parametrize("theta", [0.01, 0.3])
def test_field_free_orbits_are_the_exact_flow(theta):
    """du/dt = (k0 - gamma) g with k0 = h_J(theta) - theta, over one step of a strong gradient (|g| dt = 0.26:
    1301 Taylor substeps per half) for momenta up to gamma = 5, against DOP853 at rtol 1e-13."""
    g, dt = np.array([0.3, -0.4, 1.2]), 0.2
    k0 = relativistic_k0(theta)
    u0 = np.random.default_rng(2).normal(size=(3, 12)) * np.array([0.1, 1.0, 3.0] * 4)
    u = push(u0, g, dt, k0, RELATIVISTIC)
    for p in range(u0.shape[1]):
        ref = solve_ivp(lambda t, v: (k0 - math.sqrt(1.0 + v @ v)) * g, (0.0, dt), u0[:, p], method="DOP853",
                        rtol=1e-13, atol=1e-15).y[:, -1]
        np.testing.assert_allclose(u[:, p], ref, rtol=1e-11, atol=1e-13)


def juttner_average(fn, theta):
    """<fn(u)> over an isotropic Maxwell-Juttner distribution (fn of |u| and of mu = cos(angle to g)),
    by quadrature."""
    weight = lambda r: r * r * math.exp(-(math.sqrt(1.0 + r * r) - 1.0) / theta)       # noqa: E731
    total = quad(weight, 0.0, np.inf, epsrel=1e-12, limit=200)[0]
    inner = lambda r: quad(lambda mu: fn(r, mu), -1.0, 1.0, epsrel=1e-12)[0] / 2.0      # noqa: E731
    return quad(lambda r: weight(r) * inner(r), 0.0, np.inf, epsrel=1e-12, limit=200)[0] / total


@pytest.mark.parametrize("theta", [0.05, 0.3])
def test_juttner_moments_follow_the_chapman_enskog_source(theta):
    """In a Maxwell-Juttner plasma (mirrored, 400000 particles) one small step dt of the relativistic forcing
    injects no mean momentum (<k0 - gamma> = 0) and changes <v_par> at the rate of the Chapman-Enskog source,
    |g| <v_par^2 (h_J - gamma)> / theta, both within 4 standard errors of the per-particle changes; the
    non-relativistic form injects momentum -(3/2) theta (h_J - 1) |g| (many standard errors away)."""
    rng = np.random.default_rng(11)
    g_ = rng.standard_normal((3, 200000))
    u0 = juttner_momenta(np.concatenate([g_, -g_], axis=1), 1.0, theta)
    a, dt = 0.01, 0.01
    g = np.array([a, 0.0, 0.0])
    h_j = kve(3, 1.0 / theta) / kve(2, 1.0 / theta)

    def rates(mode, k0):
        du = (push(u0, g, dt, k0, mode) - u0) / (a * dt)
        gamma0, gamma1 = np.sqrt(1.0 + np.sum(u0 * u0, 0)), np.sqrt(1.0 + np.sum((u0 + du * a * dt) ** 2, 0))
        dv = ((u0[0] + du[0] * a * dt) / gamma1 - u0[0] / gamma0) / (a * dt)
        return du[0], dv

    du, dv = rates(RELATIVISTIC, relativistic_k0(theta))
    sem = lambda v: 4.0 * v.std() / math.sqrt(v.size)                                    # noqa: E731
    assert abs(du.mean()) < sem(du)
    source = juttner_average(lambda r, mu: (r * mu) ** 2 / (1.0 + r * r) * (h_j - math.sqrt(1.0 + r * r)),
                             theta) / theta
    assert abs(dv.mean() - source) < sem(dv) + 1e-3 * abs(source)
    du_nr, _ = rates(1, 1.5 * theta)
    assert du_nr.mean() == pytest.approx(-1.5 * theta * (h_j - 1.0), rel=0.05)
    assert abs(du_nr.mean()) > 10.0 * sem(du_nr)


def test_check_warns_when_the_forced_tail_outruns_the_scattering():
    """`check` of the theta_e = 0.1 deck: |g| c = 1/L_T above nu_num + krook_rate (the runaway of docs section 2d)
    is named with the gradient length that holds the tail; L_T = 8000 (|g| c = 1.25e-4 < nu_num ~ 2e-4) is quiet."""
    deck = ROOT / "decks" / "tf" / "heat_flux_hot.toml"
    fast = run_cli(["check", deck, "--set", "species.0.gradient_length=1000.0"])
    slow = run_cli(["check", deck, "--set", "species.0.gradient_length=8000.0"])
    assert fast.returncode == 0 and slow.returncode == 0, fast.stderr + slow.stderr
    assert "drives its tail against g away at |g| c = 0.001 omega_pe" in fast.stdout + fast.stderr
    assert "drives its tail" not in slow.stdout + slow.stderr


def test_check_warns_when_the_box_cannot_hold_the_heat_flux_whistler():
    """The deck's box of 10 rho_e along B_0 (k rho_e >= 0.63, where the skewed plasma's whistler is damped) is
    named; 16 rho_e at beta_e = 8 (128 cells of d_e / 4, rho_e = 2 d_e: k rho_e = 0.39) is quiet."""
    deck = ROOT / "decks" / "tf" / "heat_flux_hot.toml"
    short = run_cli(["check", deck])
    long = run_cli(["check", deck, "--set", "pic.beta_e=8.0", "--set", "mesh.shape=[128,32]"])
    assert short.returncode == 0 and long.returncode == 0, short.stderr + long.stderr
    assert "the box along B_0 is 9.9 gyroradii long, so its lowest parallel wavenumber k rho = 0.635" in (
        short.stdout + short.stderr)
    assert "gyroradii long" not in long.stdout + long.stderr
