"""Ladder item 3: convergence to the manufactured solution (`hpcsim.chemotaxis.manufactured`), uniformly in eps.

Space: steps dt = h^2 / 4 tied to the mesh (the explicit flux step's positivity bound is about h^2 / 2), so the
error is C h^2 + O(dt) = O(h^2): the observed order between halvings must be 2 within 0.1 (the pre-asymptotic
drift of these meshes is below 0.01), for eps = 1, 1e-3 and 0, and the error constant must not grow as eps
shrinks (the backward-Euler signal solves are L-stable: no eps in the error constant). Time: on a fixed mesh,
successive differences of runs with dt, dt/2, dt/4, dt/8 shrink at the scheme's first order (within 0.1), and
at second order for the imex2 and sbdf2 steps (the initial signals are discretely prepared, `manufactured`).
"""
import math

import numpy as np
import pytest
from chemotaxis_runs import interval, table

from hpcsim.chemotaxis.session import advance, build
from postprocess.chemotaxis import observed_orders

LENGTH, HORIZON = 2.0, 0.25


def solve(cells, eps, dt, dims=1, scheme="imex1"):
    model = build(table(interval(cells, LENGTH, dims), {"dt": dt, "t_end": HORIZON},
                        {"rtol": 1e-12, "preconditioner": "multigrid"}, eps=eps, tau=0.5, n_bar=1.0, amplitude=0.5,
                        modes=[1] * dims, manufactured=True, cfl=0.0, scheme=scheme))
    advance(model, HORIZON)
    return model


@pytest.mark.parametrize("eps", [1.0, 1e-3, 0.0])
def test_second_order_in_space_uniformly_in_eps(eps):
    cells = [16, 32, 64]
    h = [LENGTH / c for c in cells]
    errors = {name: [] for name in ("error_n", "error_c", "error_w")}
    for c, hc in zip(cells, h):
        d = solve(c, eps, hc * hc / 4).diagnostics()
        for name in errors:
            errors[name].append(d[name])
    for name, e in errors.items():
        assert observed_orders(h, e) == pytest.approx([2.0, 2.0], abs=0.1), name
    reference = [solve(c, 1.0, hc * hc / 4).diagnostics()["error_n"] for c, hc in zip(cells[:1], h[:1])]
    assert errors["error_n"][0] < 2.0 * reference[0]


def test_second_order_in_space_in_two_dimensions():
    cells = [8, 16, 32]
    h = [LENGTH / c for c in cells]
    errors = [solve(c, 1e-3, hc * hc / 8, dims=2).diagnostics()["error_n"] for c, hc in zip(cells, h)]
    assert observed_orders(h, errors) == pytest.approx([2.0, 2.0], abs=0.1)


def time_orders(eps, dt, scheme="imex1"):
    """Observed orders of the successive differences of n between runs with dt, dt/2, dt/4, dt/8 (32 cells)."""
    states = []
    for j in range(4):
        model = solve(32, eps, dt / 2**j, scheme=scheme)
        states.append(np.array(model.mesh.owned(model.density)))
    differences = [math.sqrt(np.sum((a - b) ** 2) * LENGTH / 32) for a, b in zip(states, states[1:])]
    return observed_orders([dt / 2**j for j in range(3)], differences)


@pytest.mark.parametrize("eps", [1.0, 1e-3, 0.0])
def test_first_order_in_time_uniformly_in_eps(eps):
    assert time_orders(eps, (LENGTH / 32) ** 2 / 4) == pytest.approx([1.0, 1.0], abs=0.1)


@pytest.mark.parametrize("eps", [1.0, 1e-2, 1e-3, 0.0])
def test_second_order_in_time_uniformly_in_eps(eps):
    """sbdf2 at steps 2 h^2, eight times the explicit flux step's bound, to 2 within 0.1; imex2 at h^2 / 4 to 2
    within 0.2 (1.83 at eps = 1e-3, where dt ~ eps sits between its two asymptotic regimes)."""
    h2 = (LENGTH / 32) ** 2
    assert time_orders(eps, 2.0 * h2, "sbdf2") == pytest.approx([2.0, 2.0], abs=0.1)
    assert time_orders(eps, h2 / 4, "imex2") == pytest.approx([2.0, 2.0], abs=0.2)
