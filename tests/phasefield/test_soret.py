"""Ladder item 2: single-phase Soret steady state of an interstitial (ideal dilute, Shewmon's flux) in 1-D under
a linear temperature, no-flux ends.

Steady state: J = -D [c' + c (1 - c) Q* T' / (R T^2)] = 0, so c / (1 - c) ~ exp(Q* / (R T)): the slope of
ln(c / (1 - c)) against 1/T is Q*/R. The discrete steady state pins ln y_q - ln y_p = -Q* (T_q - T_p) / (R T_f^2)
at every face, whose slope differs from the exact one by (dT / 2 T)^2 ~ 1e-7 here; ln c has the slope of ln y up
to the ln(1 - c) ~ c variation (c ~ 1e-4: 1e-4 relative). Tolerance 0.1% (the spec) for both.
Relaxation: with D constant (Qd = 0) and Shewmon's drift v = D Q* G / (R T^2), the slowest mode decays at
pi^2 D / L^2 + v^2 / (4 D) (here a 0.9% drift correction) and the second-order stencil lowers it by
(pi h / L)^2 / 12 (2e-4 at 64 cells): within 2% of pi^2 D / L^2.
"""
import math

import numpy as np
from scipy.optimize import brentq

from support import advance, build, owned

from hpcsim.phasefield.scales import GAS_CONSTANT

Q_STAR = -50.0e3          # J/mol: illustrative, toward the hot end
SOLUTE = {"thermodynamics": "ideal", "solute": "custom", "D0": 1e-6, "Qd": 0.0, "heat_of_transport": [Q_STAR],
          "initial": "uniform", "c0": 1e-4, "temperature": "linear", "T0": 1000.0, "gradient": [100.0]}
MESH = {"shape": [64], "length": [1.0], "bc": "neumann"}


def test_steady_state_slope_is_q_star_over_r_and_solute_is_conserved():
    m = build({**SOLUTE, "scheme": "semi_implicit"}, MESH, 0.05)
    mass0 = m.diagnostics()["mass"]
    advance(m, 6.0, 0.05)                     # exp(-pi^2 * 6): converged to round-off
    c, temp = owned(m, m.c), owned(m, m.temp) * SOLUTE["T0"]
    target = Q_STAR / GAS_CONSTANT
    assert abs(np.polyfit(1.0 / temp, np.log(c / (1.0 - c)), 1)[0] / target - 1.0) < 1e-3
    assert abs(np.polyfit(1.0 / temp, np.log(c), 1)[0] / target - 1.0) < 1e-3
    assert c[-1] > c[0]                       # Q* < 0: solute to the hot end
    assert abs(m.diagnostics()["mass"] / mass0 - 1.0) < 1e-13


def steady_profile(temp, q, mean):
    """The steady c = K e / (1 + K e), e = exp(q / T), with the mean composition `mean` (dimensionless q, T)."""
    e = np.exp(q / temp)
    k = brentq(lambda k: np.mean(k * e / (1.0 + k * e)) - mean, 1e-30, 1e30)
    return k * e / (1.0 + k * e)


def test_slowest_relaxation_rate_is_pi_squared_d_over_l_squared():
    m = build({**SOLUTE, "scheme": "explicit"}, MESH, 2e-5)
    q = Q_STAR / (GAS_CONSTANT * SOLUTE["T0"])
    final = steady_profile(owned(m, m.temp), q, SOLUTE["c0"])
    distance = []
    for t in (0.3, 0.6):
        advance(m, t, 2e-5)
        distance.append(np.max(np.abs(owned(m, m.c) - final)))
    rate = math.log(distance[0] / distance[1]) / 0.3
    assert abs(rate / math.pi**2 - 1.0) < 0.02, rate / math.pi**2
