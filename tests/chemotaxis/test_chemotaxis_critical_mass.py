"""Ladder item 5: the 8 pi critical mass of 2-D classical parabolic-elliptic Keller-Segel (eps = tau = 0),
radially symmetric solutions on 64 cells of r in [0, 1].

A centred gaussian (width 0.1) of mass 1.1 x 8 pi collapses: the blow-up detector stops the run (status 1)
once the centre cell holds half the mass, at t = 0.036, long before the horizon 0.5. With mass 0.9 x 8 pi the
density spreads: max n falls from 359 to about 10 by t = 0.5, no stop (max n grows 40-fold above 8 pi). Masses within 10% of 8 pi are far
outside the O(h^2) shift of the discrete threshold (h = 1/64) and the truncation of the gaussian (e^-50).
"""
import math

import pytest
from chemotaxis_runs import table

from hpcsim.chemotaxis.session import advance, build

WIDTH, HORIZON = 0.1, 0.5


class Stopped(Exception):
    pass


def collapse_run(fraction):
    mass = fraction * 8.0 * math.pi
    model = build(table({"shape": [64], "length": [1.0], "bc": "neumann"}, {"dt": 1e-3, "t_end": HORIZON},
                        eps=0.0, tau=0.0, n_bar=0.0, initial="gaussians", centers=[[0.0]], width=WIDTH,
                        amplitude=mass / (2.0 * math.pi * WIDTH**2), radial_dimension=2, cfl=0.9))
    first = model.diagnostics()

    def watch(m, _):
        if m.stop_reason() is not None:
            raise Stopped

    try:
        advance(model, HORIZON, watch)
    except Stopped:
        pass
    return model, first


@pytest.mark.parametrize("fraction", [1.1, 0.9])
def test_collapse_exactly_above_8_pi(fraction):
    model, first = collapse_run(fraction)
    assert (first["mass"] > 8.0 * math.pi) == (fraction > 1.0)
    last = model.diagnostics()
    assert last["mass"] == pytest.approx(first["mass"], rel=1e-13)
    if fraction > 1.0:
        stop = model.stop_reason()
        assert stop is not None and stop.status == 1 and model.time < 0.1 * HORIZON
        assert "blow-up" in stop.reason and last["n_max"] > 20 * first["n_max"]
    else:
        assert model.stop_reason() is None and model.time == pytest.approx(HORIZON)
        assert last["n_max"] < 0.1 * first["n_max"]
