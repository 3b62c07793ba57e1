"""Ladder item 2: single-mode growth rates of the uniform state against the largest root of the cubic
(lambda + mu)(eps lambda + 1 + mu)(eps lambda + 1 + tau mu) = n_bar mu, and the instability threshold.

The runs are 1-D (32 cells on [0, pi], no-flux faces; the mode cos(m x)) from a perturbation of relative size
1e-6 (nonlinear terms 1e-6 of the linear ones). mu is the mode's eigenvalue of the discrete Laplacian (it
differs from m^2 by O(h^2): 3.5% for m = 2 here, the spatial error the manufactured tests measure); the
remaining error is the first-order time error dt lambda ~ 1e-3 of steps of 1/2 h^2 (the positivity bound), so
the spec's 1% holds with a margin of ten. The growth rate is the slope of log|amplitude| over the second half of
the run, after the two faster roots have decayed.
"""
import math

import pytest
from chemotaxis_runs import interval, table

from hpcsim.chemotaxis.session import advance, build
from postprocess.chemotaxis import discrete_eigenvalue, fit_growth, growth_rate, mode_amplitude, threshold

CELLS = 32


def measured_rate(n_bar, tau, eps, mode, horizon):
    model = build(table(interval(CELLS), eps=eps, tau=tau, n_bar=n_bar, amplitude=1e-6 * n_bar, modes=[mode],
                        cfl=1.0))
    times, amplitudes = [], []

    def record(m, _):
        times.append(m.time)
        amplitudes.append(mode_amplitude(m.mesh.owned(m.density), [mode], [False], m.mesh.spacing))

    advance(model, horizon, record)
    return fit_growth(times, amplitudes), discrete_eigenvalue([mode], [False], model.mesh.spacing, [CELLS])


@pytest.mark.parametrize("n_bar,tau,eps,mode,horizon", [
    (6.0, 1.0, 1.0, 1, 8.0),      # unstable, eps = 1
    (2.0, 0.5, 0.1, 1, 4.0),      # stable
    (10.0, 0.2, 0.01, 2, 2.0),    # unstable, second mode, small eps
    (3.0, 0.0, 0.0, 1, 3.0),      # classical parabolic-elliptic Keller-Segel (eps = tau = 0)
])
def test_growth_rate_is_the_largest_root_of_the_cubic(n_bar, tau, eps, mode, horizon):
    rate, mu = measured_rate(n_bar, tau, eps, mode, horizon)
    assert rate == pytest.approx(growth_rate(n_bar, mu, eps, tau), rel=0.01)


@pytest.mark.parametrize("side", [-1, 1])
def test_uniform_state_is_unstable_exactly_above_the_threshold(side):
    """n_bar 5% below and above (1 + mu_1)(1 + tau mu_1): decay below, growth above, each at the cubic's rate."""
    tau, eps = 1.0, 0.5
    mu = discrete_eigenvalue([1], [False], [math.pi / CELLS], [CELLS])
    n_bar = threshold(mu, tau) * (1.0 + 0.05 * side)
    rate, _ = measured_rate(n_bar, tau, eps, 1, 6.0)
    assert math.copysign(1.0, rate) == side
    assert rate == pytest.approx(growth_rate(n_bar, mu, eps, tau), rel=0.01)
