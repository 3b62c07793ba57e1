"""Ladder item 1: mass to round-off, n >= 0 at every step, the Lyapunov functional non-increasing.

2-D runs on a no-flux box far above the instability threshold, so the density aggregates steeply (max n grows
tenfold) under adaptive steps at the positivity bound's cfl = 0.9: the full system (eps = 0.1, tau = 1), its
parabolic-elliptic limit (eps = 0), classical parabolic-elliptic Keller-Segel (eps = tau = 0) and the classical
parabolic Keller-Segel system (direct signalling, eps = 1). Mass: the face fluxes telescope, so the sum of n
changes by the rounding of the cell updates only, a few 1e-16 of the mass per step (bound: 1e-13 over the run).
Lyapunov functional: it decreases at every step of the explicit-flux / backward-Euler scheme at these steps
(a discrete decay is not a theorem for it; the test asks for no increase beyond 1e-12 of |E|). The same for the
second-order steps (chemotaxis.scheme = imex2, sbdf2) on the full and the direct system; sbdf2 (steps bounded by
the drift only: 60 against imex1's 571 on the full system) falls back to positive imex1 steps in the steep
collapse of the direct one.
"""
import numpy as np
import pytest
from chemotaxis_runs import interval, table

from hpcsim.chemotaxis.session import advance, build

SYSTEMS = {
    "full": dict(eps=0.1, tau=1.0),
    "parabolic-elliptic": dict(eps=0.0, tau=1.0),
    "classical parabolic-elliptic": dict(eps=0.0, tau=0.0),
    "parabolic Keller-Segel": dict(signal="direct", eps=1.0),
}


CASES = [(system, "imex1") for system in SYSTEMS] + [
    (system, scheme) for scheme in ("imex2", "sbdf2") for system in ("full", "parabolic Keller-Segel")]


@pytest.mark.parametrize("system,scheme", CASES)
def test_mass_positivity_and_lyapunov(system, scheme):
    model = build(table(interval(24, 4.0, 2), {"dt": 0.05, "t_end": 1.0}, {"preconditioner": "multigrid"},
                        initial="gaussians", n_bar=0.5, amplitude=30.0, width=0.5, centers=[[1.0, 1.5]], cfl=0.9,
                        scheme=scheme, **SYSTEMS[system]))
    first = model.diagnostics()
    rows, fallbacks = [], []
    advance(model, 3.0, lambda m, s: (rows.append(m.diagnostics()), fallbacks.append(s.get("first_order", 0.0))))
    mass = np.array([r["mass"] for r in rows])
    lyapunov = np.array([first["lyapunov"]] + [r["lyapunov"] for r in rows])
    assert np.max(np.abs(mass - first["mass"])) <= 1e-13 * first["mass"]
    assert min(r["n_min"] for r in rows) >= 0.0
    assert max(r["n_max"] for r in rows) > 5 * first["n_max"]
    assert np.all(np.diff(lyapunov) <= 1e-12 * np.abs(lyapunov[1:]))
    if scheme == "sbdf2" and system == "parabolic Keller-Segel":
        assert sum(fallbacks) >= 1                      # the steep collapse needs sbdf2's positive fallback
