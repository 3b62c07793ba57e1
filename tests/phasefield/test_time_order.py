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


def test_bdf2_error_estimate_is_third_order_per_step():
    """The controller's estimate (local error of BDF2, O(dt^3)) at t = 4 falls by ~8 per halving of dt."""
    estimates = []
    for dt in (0.2, 0.1, 0.05):
        m = build({**PROFILE, "scheme": "bdf2", "adaptive_tol": 1.0}, MESH, dt)
        for _ in range(round(4.0 / dt)):
            out = m.step(dt)
        estimates.append(out["error_estimate"])
    ratios = np.array(estimates[:-1]) / np.array(estimates[1:])
    assert np.all((ratios > 6.0) & (ratios < 10.0))

