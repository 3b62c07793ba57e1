"""Krook collisions: exact momentum and energy conservation, relaxation of the anisotropy at the rate nu,
reproducibility, and the deck key through a whole run."""
import math

import numpy as np
import pytest

from hpcsim.pic.krook import collide
from hpcsim.pic.species import Species, bi_maxwellian


def plasma(count=200_000, theta_par=0.02, theta_perp=0.005, drift=(0.05, -0.02, 0.01), seed=1):
    u = bi_maxwellian(np.random.default_rng(seed), count, 1.0, theta_par, theta_perp, drift=drift)
    return Species("electrons", -1.0, 1.0, np.zeros((3, count)), u, np.arange(count), qw=-1.0)


def totals(s):
    return s.u.sum(axis=1), float(np.sum(np.sqrt(1.0 + np.sum(s.u * s.u, axis=0)) - 1.0))


def temperatures(u):
    w = u - u.mean(axis=1, keepdims=True)
    return float(np.mean(w[0] ** 2)), float(0.5 * np.mean(w[1] ** 2 + w[2] ** 2))


def test_momentum_and_energy_are_conserved_exactly():
    s = plasma(20_000, theta_par=0.2, theta_perp=0.01, drift=(0.3, 0.0, -0.1))     # relativistic spread
    p0, e0 = totals(s)
    rng = np.random.default_rng(5)
    for _ in range(20):
        assert collide(s, 0.5, 0.2, rng) > 0
    p1, e1 = totals(s)
    np.testing.assert_allclose(p1, p0, rtol=0, atol=1e-12 * np.abs(s.u).sum())
    assert e1 == pytest.approx(e0, rel=1e-13)


def test_anisotropy_relaxes_at_the_rate_nu():
    """T_par - T_perp = (T_par - T_perp)_0 exp(-nu t): the expected decay per step is exactly exp(-nu dt)."""
    s, nu, dt = plasma(), 0.1, 0.1
    rng = np.random.default_rng(2)
    t_par, t_perp = temperatures(s.u)
    start = t_par - t_perp
    for step in range(1, 151):
        collide(s, nu, dt, rng)
        if step % 50 == 0:
            t_par, t_perp = temperatures(s.u)
            expect = start * math.exp(-nu * step * dt)
            assert t_par - t_perp == pytest.approx(expect, abs=4e-3 * start + 0.03 * expect)


def test_reproducible_and_off_at_zero_rate():
    a, b = plasma(1000), plasma(1000)
    collide(a, 0.3, 0.1, np.random.default_rng(9))
    collide(b, 0.3, 0.1, np.random.default_rng(9))
    assert np.array_equal(a.u, b.u)
    before = a.u.copy()
    assert collide(a, 0.0, 0.1, np.random.default_rng(9)) == 0 and np.array_equal(a.u, before)
