"""The modified Vay pusher of TF-PIC (spec section 2): the Lorentz step between two exact half steps of the
thermodynamic forcing (`kernels/pic_elements.push_forced_move_at`). One test per requirement:

1. forcing off (zero G and g through the forced kernel) reproduces plain Vay bit for bit;
2. with E = B = 0 the forced orbit is the exact flow, against an independent DOP853 solution, for several G
   and g (tanh, tan and rational branches of the temperature flow);
3. with a uniform B and forcing, the error against a converged reference falls at second order in dt;
4. the relativistic force-free crossed-field test stays exact through the forced kernel.
"""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from hpcsim.kernels.pic import pic_cpu
from hpcsim.pic.species import quantile_bi_maxwellian

VAY, BORIS = 0, 1


def coefficients(G=np.zeros((3, 3)), g=(0.0, 0.0, 0.0), temperature=0.0, dt=1.0, mass=1.0):
    """The kernel's 14 forcing numbers (as `hpcsim.pic.forcing.Forcing.coefficients` builds them)."""
    g = np.asarray(g, dtype=float)
    norm = float(np.linalg.norm(g))
    ghat = g / norm if norm > 0 else np.array([1.0, 0.0, 0.0])
    return np.concatenate([expm(-np.asarray(G) * dt / 4).ravel(), ghat, [norm * dt / 4, 1.5 * temperature / mass]])


def forced_steps(u0, G, g, temperature, dt, steps, e=(0.0, 0.0, 0.0), b=(0.0, 0.0, 0.0), qm=-1.0, pusher=VAY):
    u = np.array(u0, dtype=float).copy()
    u = u.reshape(3, -1)
    n = u.shape[1]
    x = np.zeros((3, n))
    ef, bf = (np.repeat(np.asarray(v, float).reshape(3, 1), n, axis=1) for v in (e, b))
    f = coefficients(G, g, temperature, dt)
    velocity, temp = bool(np.any(G)), bool(np.any(g))
    for _ in range(steps):
        pic_cpu.push_forced_and_move(x, u, ef, bf, qm * dt, dt, pusher, f, velocity, temp)
    return x, u


def reference(rhs, u0, t):
    """An independent solution: DOP853 at tolerances near round-off."""
    sol = solve_ivp(lambda _, y: rhs(y), (0.0, t), u0, method="DOP853", rtol=1e-13, atol=1e-16)
    return sol.y[:, -1]


def particles(count=40, spread=0.3, seed=0):
    return np.random.default_rng(seed).standard_normal((3, count)) * spread


# -- 1. forcing off ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pusher", [VAY, BORIS])
def test_zero_forcing_reproduces_the_plain_pusher_bit_for_bit(pusher):
    rng = np.random.default_rng(4)
    n = 500
    x, u = rng.random((3, n)), 2.0 * rng.standard_normal((3, n))
    e, b = rng.standard_normal((3, n)), 3.0 * rng.standard_normal((3, n))
    xa, ua, xb, ub = x.copy(), u.copy(), x.copy(), u.copy()
    f = coefficients(dt=0.07, temperature=0.01)              # G = 0 and g = 0, both flows switched on
    for _ in range(5):
        pic_cpu.push_and_move(xa, ua, e, b, -0.07, 0.07, pusher)
        pic_cpu.push_forced_and_move(xb, ub, e, b, -0.07, 0.07, pusher, f, True, True)
    assert np.array_equal(ua, ub) and np.array_equal(xa, xb)


# -- 2. field-free orbits are the exact flows ----------------------------------------------------------------
GRADIENTS = [np.array([[0.0, 0.3, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),       # shear
             np.diag([0.2, -0.1, -0.1]),                                          # stretching along x
             np.array([[0.1, -0.4, 0.05], [0.4, 0.1, 0.0], [0.0, 0.2, -0.2]])]    # general


@pytest.mark.parametrize("G", GRADIENTS, ids=["shear", "stretch", "general"])
def test_velocity_gradient_orbit_is_exact(G):
    u0, dt, steps = particles(), 0.35, 20
    _, u = forced_steps(u0, G, (0.0, 0.0, 0.0), 0.0, dt, steps)
    for p in range(u.shape[1]):
        expect = reference(lambda y: -G @ y, u0[:, p], dt * steps)
        np.testing.assert_allclose(u[:, p], expect, rtol=1e-12 * steps, atol=1e-14)


@pytest.mark.parametrize("g,temperature", [((1.0, 0.0, 0.0), 0.01), ((0.3, -0.4, 1.2), 0.02),
                                           ((0.0, 2.0, 0.0), 1e-4)], ids=["x", "oblique", "cold"])
def test_temperature_gradient_orbit_is_exact(g, temperature):
    """Particles with K > 0, K < 0 and K = 0 exactly (tanh, tan and the rational limit) against DOP853."""
    g = np.asarray(g)
    ghat = g / np.linalg.norm(g)
    k0, dt, steps = 1.5 * temperature, 0.45, 3       # shorter than any of these particles' blow-up time
    u0 = particles(spread=math.sqrt(temperature) * 2.0)
    u0[:, 0] = math.sqrt(2 * k0) * (np.array([1.0, 0.0, 0.0]) if ghat[0] == 0 else np.array([0.0, 0.0, 1.0]))
    _, u = forced_steps(u0, np.zeros((3, 3)), g, temperature, dt, steps)
    for p in range(u.shape[1]):
        expect = reference(lambda y: (k0 - 0.5 * y @ y) * g, u0[:, p], dt * steps)
        np.testing.assert_allclose(u[:, p], expect, rtol=1e-11, atol=1e-13 * math.sqrt(temperature))


def test_temperature_flow_blow_up_is_reported_not_continued():
    """u_par < -sqrt(2K) runs to -infinity at t* = 2/(|g| |u|) (here t* ~ 2): a step past t* gives NaN (which
    stops the run), a step before it the exact finite value."""
    u0 = np.array([[-1.0], [0.0], [0.0]])
    _, before = forced_steps(u0, np.zeros((3, 3)), (1.0, 0.0, 0.0), 1e-4, 1.0, 1)
    _, after = forced_steps(u0, np.zeros((3, 3)), (1.0, 0.0, 0.0), 1e-4, 3.0, 1)
    assert np.all(np.isfinite(before)) and before[0, 0] < -1.0
    assert np.all(np.isnan(after))


def test_temperature_forcing_injects_no_momentum_or_energy_into_a_maxwellian():
    """<a> = 0 and <a . u> = 0 over a Maxwellian of the reference temperature (the spec's design property):
    a large quiet sample changes its mean momentum and energy only at second order in dt."""
    theta, dt = 0.01, 0.01
    u = quantile_bi_maxwellian(1.0, theta, theta, 512, 64, (1.0, 0.0, 0.0)).reshape(3, -1)
    before = u.copy()
    _, u = forced_steps(u, np.zeros((3, 3)), (0.1, 0.0, 0.0), theta, dt, 1)
    drift = np.abs(u.mean(axis=1) - before.mean(axis=1)).max()
    energy = abs(np.mean(np.sum(u * u, 0)) - np.mean(np.sum(before * before, 0)))
    single = 0.1 * dt * 1.5 * theta            # one particle's |du| scale
    assert drift < 1e-3 * single and energy < 1e-3 * single * math.sqrt(theta)


# -- 3. second order with a magnetic field -------------------------------------------------------------------
@pytest.mark.parametrize("G,g", [(GRADIENTS[2], (0.0, 0.0, 0.0)), (np.zeros((3, 3)), (0.5, 0.2, -0.4)),
                                 (GRADIENTS[1], (0.3, 0.0, 0.4))], ids=["velocity", "temperature", "both"])
def test_second_order_convergence_with_a_magnetic_field(G, g):
    """Uniform E and B with forcing: the error at t = 2 against a dt/256 reference falls by 4 per halving."""
    u0, temperature, t = particles(8, 0.2, seed=2), 0.02, 2.0
    e, b = (0.01, -0.02, 0.005), (0.3, 0.2, 1.0)

    def final(steps):
        return forced_steps(u0, G, g, temperature, t / steps, steps, e=e, b=b)[1]

    ref = final(5120)
    errors = [np.max(np.abs(final(n) - ref)) for n in (20, 40, 80)]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert min(orders) > 1.9 and max(orders) < 2.1, orders


# -- 4. the relativistic crossed-field test through the forced kernel ----------------------------------------
def test_relativistic_force_free_drift_stays_exact_through_the_forced_kernel():
    """gamma = 20 along x in E = -v x B (q B dt / m = 1, the regime of Vay 2008, fig. 1): Vay through the forced
    kernel (zero forcing, both flows on) stays on the straight line to 1e-6 of the box, Boris leaves it."""
    gamma, b0, dt, steps, box = 20.0, 10.0, 0.1, 2000, 100.0
    u = math.sqrt(gamma**2 - 1.0)
    v = u / gamma
    zero = (np.zeros((3, 3)), (0.0, 0.0, 0.0), 0.0)
    drift = {}
    for pusher in (VAY, BORIS):
        x = np.zeros((3, 1))
        uu = np.array([[u], [0.0], [0.0]])
        e, b = np.array([[0.0], [v * b0], [0.0]]), np.array([[0.0], [0.0], [b0]])
        f = coefficients(*zero, dt=dt)
        worst = 0.0
        for _ in range(steps):
            pic_cpu.push_forced_and_move(x, uu, e, b, -dt, dt, pusher, f, True, True)
            worst = max(worst, abs(x[1, 0]))
        drift[pusher] = worst
    assert drift[VAY] < 1e-6 * box
    assert drift[BORIS] > 1e-3 * box
