"""The order of the semi-implicit time steps: variable-step BDF2 (`scheme = "bdf2"`) is second order, the linearly
stabilised step first order; both conserve solute to round-off (BDF2's restart: `test_bm1.py`).

Spinodal decomposition of a smooth periodic profile (BM1 free energy, 8 x 8 cells of h = 4, periodic) to t = 10,
at fixed dt = 0.2, 0.1, 0.05, 0.025, 0.0125: the observed order is log2 of the ratio of successive differences
|c(dt) - c(dt/2)|, which needs no reference solution. The coarse mesh keeps dt lambda_max <= 2 (lambda_max =
M l (kappa l + max|f''|) = 4.5 with l = 8/h^2 the largest eigenvalue of -Lap): on finer meshes the stiff
fourth-order modes put dt lambda in the tens and BDF2 shows the usual pre-asymptotic order reduction (1.4-1.7 at
h = 1-2 for dt = 0.4-0.0125, rising toward 2 as dt falls). Measured: BDF2 1.94, 1.93, 1.95; the first-order
step 0.73, 0.85, 0.95 (rising toward 1). Tolerances: BDF2's orders > 1.85; the first-order step's below 1.2 and
the finest within [0.85, 1.15]. The controller's estimate (O(dt^3)) falls by 9.4 and 8.0 per halving.
"""
import numpy as np
import pytest

from support import advance, build, owned

from hpcsim.phasefield import stepping

MESH = {"shape": [8, 8], "length": [32.0, 32.0], "bc": "periodic"}
PROFILE = {"thermodynamics": "bm1", "initial": "profile",
           "expression": "0.5 + 0.05 * cos(pi * x / 16) * cos(pi * y / 16) + 0.04 * sin(pi * x / 8 + 1) * cos(3 * pi * y / 16)"
                         " + 0.03 * cos(pi * (x + y) / 4)"}


def solution(scheme, dt, t_end=10.0):
    m = build({**PROFILE, "scheme": scheme}, MESH, dt)
    mass = m.diagnostics()["mass"]
    advance(m, t_end, dt)
    assert m.diagnostics()["mass"] == pytest.approx(mass, rel=1e-13)
    return owned(m, m.c).copy()


def observed_orders(scheme):
    c = [solution(scheme, dt) for dt in (0.2, 0.1, 0.05, 0.025, 0.0125)]
    diffs = np.array([np.abs(a - b).max() for a, b in zip(c, c[1:])])
    return np.log2(diffs[:-1] / diffs[1:])


def test_bdf2_is_second_order_in_time():
    assert np.all(observed_orders("bdf2") > 1.85)


def test_linearly_stabilised_step_is_first_order_in_time():
    orders = observed_orders("semi_implicit")
    assert np.all(orders < 1.2) and 0.85 < orders[-1] < 1.15


def test_bdf2_error_estimate_is_third_order_per_step(monkeypatch):
    """The controller's estimate (local error of BDF2, O(dt^3)) at t = 4 falls by ~8 per halving of dt (the
    first-order step, whose estimate is O(dt^2), switched off)."""
    monkeypatch.setattr(stepping, "ORDER_MARGIN", float("inf"))
    estimates = []
    for dt in (0.2, 0.1, 0.05):
        m = build({**PROFILE, "scheme": "bdf2", "adaptive_tol": 1.0}, MESH, dt)
        for _ in range(round(4.0 / dt)):
            out = m.step(dt)
        estimates.append(out["error_estimate"])
    ratios = np.array(estimates[:-1]) / np.array(estimates[1:])
    assert np.all((ratios > 6.0) & (ratios < 10.0))



NEAR_EQUILIBRIUM = {"thermodynamics": "bm1", "initial": "bm1", "scheme": "bdf2", "stabilisation": 2.0,
                    "adaptive_tol": 5e-6}
SQUARE_64 = {"shape": [64, 64], "length": [64.0, 64.0], "bc": "periodic"}


def run_to_equilibrium(t_end=1e6):
    m = build(NEAR_EQUILIBRIUM, SQUARE_64, 0.1)
    mass, orders = m.diagnostics()["mass"], []
    while m.time < t_end * (1 - 1e-12):
        orders.append(m.step(min(m.propose_dt(0.1), t_end - m.time))["order"])
    return m, mass, orders


def test_variable_order_bdf2_takes_long_steps_near_equilibrium(monkeypatch):
    """BM1's free energy on 64 x 64 cells to t = 1e6 (equilibrium from t ~ 1e4): BDF2 alone (the first-order
    step switched off) has its step held at dt ~ 60 by weakly damped velocities (measured: 14080 steps, last dt
    65); with the order selection the first-order step takes over near equilibrium (2212 steps, last dt 3.5e5).
    The same equilibrium: the two final energies within 1e-4 relative (measured 1.3e-5; BDF2's tail itself
    fluctuates by ~1e-5), solute conserved to round-off."""
    m, mass, orders = run_to_equilibrium()
    assert m.step_count < 3000 and m.dt_next > 1e4 and 1.0 in orders
    assert m.diagnostics()["mass"] == pytest.approx(mass, rel=1e-13)
    monkeypatch.setattr(stepping, "ORDER_MARGIN", float("inf"))
    bdf2, _, only_second = run_to_equilibrium()
    assert set(only_second) == {2.0} and bdf2.step_count > 10000
    assert m.diagnostics()["free_energy"] == pytest.approx(bdf2.diagnostics()["free_energy"], rel=1e-4)


def test_restart_across_an_order_change_is_bit_for_bit():
    """A model restored (in process) from the state after the first change to the first-order step continues
    bit for bit: the order and the steps held at it are part of the checkpoint."""
    _, _, orders = run_to_equilibrium()
    switch = orders.index(1.0) + 1
    a = build(NEAR_EQUILIBRIUM, SQUARE_64, 0.1)
    for _ in range(switch):
        a.step(a.propose_dt(0.1))
    state = a.checkpoint_state()
    state.fields = {k: np.array(v, copy=True) for k, v in state.fields.items()}
    b = build(NEAR_EQUILIBRIUM, SQUARE_64, 0.1)
    b.restore(state)
    assert b.stepper.order_now == 1
    for _ in range(40):
        a.step(a.propose_dt(0.1))
        b.step(b.propose_dt(0.1))
    assert np.array_equal(owned(a, a.c), owned(b, b.c)) and a.time == b.time
