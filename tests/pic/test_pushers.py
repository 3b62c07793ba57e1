"""Single-particle tests of the Vay and Boris pushers (TF-PIC spec section 2, requirement 4): gyration keeps
|u| to round-off at the discrete gyration rate, E x B drift equals E/B, and in the relativistic force-free
crossed-field test (gamma = 20, E = -v x B) Vay stays put while Boris drifts away."""
import math

import numpy as np
import pytest

from hpcsim.kernels.pic import pic_cpu

VAY, BORIS = 0, 1


def orbit(u0, e, b, qm, dt, steps, pusher, x0=(0.0, 0.0, 0.0)):
    """Positions and momenta after each step of a single particle in uniform fields."""
    x = np.array(x0, dtype=float).reshape(3, 1)
    u = np.array(u0, dtype=float).reshape(3, 1)
    ef, bf = np.array(e, float).reshape(3, 1), np.array(b, float).reshape(3, 1)
    xs, us = [], []
    for _ in range(steps):
        pic_cpu.push_and_move(x, u, ef, bf, qm * dt, dt, pusher)
        xs.append(x[:, 0].copy())
        us.append(u[:, 0].copy())
    return np.array(xs), np.array(us)


@pytest.mark.parametrize("pusher", [VAY, BORIS])
@pytest.mark.parametrize("u_perp", [0.1, 5.0])
def test_gyration_keeps_momentum_and_discrete_frequency(pusher, u_perp):
    qm, bz, dt, steps = -1.0, 2.0, 0.05, 2000
    _, us = orbit((u_perp, 0.0, 0.3), (0, 0, 0), (0, 0, bz), qm, dt, steps, pusher)
    norm = np.linalg.norm(us, axis=1)
    u0 = math.sqrt(u_perp**2 + 0.09)
    assert np.max(np.abs(norm - u0)) <= 1e-13 * u0 * math.sqrt(steps)
    assert np.max(np.abs(us[:, 2] - 0.3)) <= 1e-13
    gamma = math.sqrt(1 + u0**2)
    omega = abs(qm) * bz / gamma
    angle = np.unwrap(np.arctan2(us[:, 1], us[:, 0]))
    per_step = (angle[-1] - angle[0]) / (steps - 1)
    # both rotate by 2 atan(omega dt / 2) per step in a pure magnetic field (electrons: positive sense)
    assert per_step == pytest.approx(2 * math.atan(omega * dt / 2), rel=1e-10)


@pytest.mark.parametrize("pusher", [VAY, BORIS])
def test_e_cross_b_drift(pusher):
    qm, e0, b0, dt = -1.0, 0.01, 1.0, 0.05
    period = 2 * math.pi / (abs(qm) * b0)
    steps_per_period = round(period / dt)
    periods = 20
    xs, _ = orbit((0, 0, 0), (0, e0, 0), (0, 0, b0), qm, period / steps_per_period, steps_per_period * periods,
                  pusher)
    drift = xs[-1, 0] / (periods * period)
    assert drift == pytest.approx(e0 / b0, rel=2e-3)       # E x B / B^2 is along +x for E = E0 y, B = B0 z
    assert abs(xs[-1, 1]) < 2 * e0 / b0 / (abs(qm) * b0)   # bounded gyration in y, no drift along E


def test_relativistic_force_free_vay_stays_boris_drifts():
    gamma = 20.0
    u = math.sqrt(gamma**2 - 1)
    v = u / gamma
    b0, qm, dt, steps, box = 10.0, -1.0, 0.1, 2000, 100.0   # q B dt / m = 1: the regime of Vay (2008), fig. 1
    e = (0.0, v * b0, 0.0)                                  # E = -v x B for v = v x, B = B0 z
    vay, _ = orbit((u, 0, 0), e, (0, 0, b0), qm, dt, steps, VAY)
    boris, _ = orbit((u, 0, 0), e, (0, 0, b0), qm, dt, steps, BORIS)
    assert np.max(np.abs(vay[:, 1])) < 1e-6 * box
    assert np.max(np.abs(boris[:, 1])) > 1e-3 * box
    assert vay[-1, 0] == pytest.approx(v * dt * steps, rel=1e-12)
