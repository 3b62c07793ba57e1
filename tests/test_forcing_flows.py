"""The exact forcing flows (kernels/forcing_elements, spec section 2, requirement 2): with E = B = 0 a forced
orbit matches the analytic solution to round-off, for several G and g, and both flows at once are the
symmetric composition that the pusher uses."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from hpcsim.kernels import forcing_cpu

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
NOTHING = (1.0, 0.0, 0.0)


def reference(rhs, u0, t):
    """An independent solution: DOP853 at tolerances near round-off."""
    sol = solve_ivp(lambda _, y: rhs(y), (0.0, t), u0, method="DOP853", rtol=1e-13, atol=1e-16)
    return sol.y[:, -1]


def particles(count=40, spread=0.3, seed=0):
    return np.random.default_rng(seed).standard_normal((3, count)) * spread


GRADIENTS = [np.array([[0.0, 0.3, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),       # shear
             np.diag([0.2, -0.1, -0.1]),                                          # stretching along x
             np.array([[0.1, -0.4, 0.05], [0.4, 0.1, 0.0], [0.0, 0.2, -0.2]])]    # general


@pytest.mark.parametrize("G", GRADIENTS, ids=["shear", "stretch", "general"])
def test_velocity_gradient_flow_is_exact(G):
    u0, dt = particles(), 0.7
    u = u0.copy()
    matrix = tuple(expm(-G * dt / 4).ravel())
    forcing_cpu.forcing_half(u, matrix, NOTHING, 0.0, 0.0, True, False)     # G over dt/4, twice: dt/2
    for p in range(u.shape[1]):
        expect = reference(lambda y: -G @ y, u0[:, p], dt / 2)
        np.testing.assert_allclose(u[:, p], expect, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("g,temperature", [((1.0, 0.0, 0.0), 0.01), ((0.3, -0.4, 1.2), 0.02),
                                           ((0.0, 2.0, 0.0), 1e-4)], ids=["x", "oblique", "cold"])
def test_temperature_gradient_flow_is_exact(g, temperature):
    """Particles with K > 0, K < 0 and K near 0 (tanh, tan and the rational limit) against DOP853."""
    g = np.asarray(g)
    a, ghat = float(np.linalg.norm(g)), tuple(g / np.linalg.norm(g))
    k0, dt = 1.5 * temperature, 0.9
    u0 = particles(spread=math.sqrt(temperature) * 2.0)
    u0[:, 0] = np.sqrt(2 * k0) * np.array([0.0, 1.0, 0.0]) if ghat[1] == 0 else [math.sqrt(2 * k0), 0.0, 0.0]
    u = u0.copy()
    forcing_cpu.forcing_half(u, IDENTITY, ghat, a * dt / 4, k0, False, True)
    for p in range(u.shape[1]):
        expect = reference(lambda y: (k0 - 0.5 * y @ y) * g, u0[:, p], dt / 2)
        np.testing.assert_allclose(u[:, p], expect, rtol=1e-11, atol=1e-13 * math.sqrt(temperature))


def test_flows_compose_as_a_group():
    """Two half steps of dt/2 equal one of dt to round-off (the closed forms are exact flows)."""
    g, k0 = (0.6, 0.0, 0.8), 0.03
    u1, u2 = particles(seed=3), None
    u2 = u1.copy()
    for _ in range(2):
        forcing_cpu.forcing_half(u1, IDENTITY, g, 0.5 * 0.25, k0, False, True)
    forcing_cpu.forcing_half(u2, IDENTITY, g, 0.25, k0, False, True)
    np.testing.assert_allclose(u1, u2, rtol=1e-13, atol=1e-15)


def test_temperature_forcing_injects_no_momentum_or_energy_into_a_maxwellian():
    """<a> = 0 and <a . u> = 0 over a Maxwellian of the reference temperature (the spec's design property):
    a large quiet sample changes its mean momentum and energy only at second order in dt."""
    from hpcsim.pic.species import quantile_bi_maxwellian

    theta = 0.01
    u = quantile_bi_maxwellian(1.0, theta, theta, 512, 64, (1.0, 0.0, 0.0)).reshape(3, -1)
    before = u.copy()
    dt = 0.01
    forcing_cpu.forcing_half(u, IDENTITY, (1.0, 0.0, 0.0), 0.1 * dt / 4, 1.5 * theta, False, True)
    drift = np.abs(u.mean(axis=1) - before.mean(axis=1)).max()
    energy = abs(np.mean(np.sum(u * u, 0)) - np.mean(np.sum(before * before, 0)))
    single = 0.1 * dt / 2 * 1.5 * theta            # one particle's |du| scale
    assert drift < 1e-3 * single and energy < 1e-3 * single * math.sqrt(theta)
