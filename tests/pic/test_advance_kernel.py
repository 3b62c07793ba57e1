"""The fused particle kernel (`kernels/advance_cpu`: gather, forced or plain Vay/Boris push, move, Esirkepov
deposit in one pass) against the separate kernels it replaces in the PIC step: the same numbers bit for bit
with one thread, and to round-off (the order of the additions into J) with two."""
import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from scipy.linalg import expm

from hpcsim.kernels.pic import advance_cpu
from hpcsim.kernels.pic import deposit_cpu
from hpcsim.kernels.pic import gather_cpu
from hpcsim.kernels.pic import pic_cpu

FORCINGS = {"none": None, "velocity": (True, False), "temperature": (False, True), "both": (True, True)}


def problem(ndim, n, seed=5, cells=6, ghosts=2):
    """Random fields with ghosts, particles inside the block moving less than a cell, forcing coefficients."""
    rng = np.random.default_rng(seed)
    shape = tuple(cells + 2 * ghosts if a < ndim else 1 for a in range(3))
    fe = tuple(rng.standard_normal(shape) for _ in range(3))
    fb = tuple(rng.standard_normal(shape) for _ in range(3))
    x = np.zeros((3, n))
    x[:ndim] = rng.uniform(0.0, 1.0, (ndim, n))
    u = 0.4 * rng.standard_normal((3, n))
    u[:, :1] = 0.0                                         # K = k0 exactly for the temperature forcing
    inv_h = tuple(float(cells) if a < ndim else 0.0 for a in range(3))
    shift = tuple(float(ghosts) if a < ndim else 0.0 for a in range(3))
    h = tuple(1.0 / cells if a < ndim else 1.0 for a in range(3))
    G = np.array([[0.1, 0.3, 0.0], [0.0, -0.2, 0.1], [0.05, 0.0, 0.1]])
    dt = 0.04
    f = np.concatenate([expm(-G * dt / 4).ravel(), [0.6, 0.0, 0.8], [0.02, 0.015]])
    return dict(fe=fe, fb=fb, x=x, u=u, inv_h=inv_h, shift=shift, h=h, f=f, dt=dt, shape=shape)


def separate(P, pusher, forcing, qm=-1.0, qw=-0.3):
    """The former PIC step: gather, copy x, push (forced) and move, deposit."""
    x, u, dt = P["x"].copy(), P["u"].copy(), P["dt"]
    e, b = np.empty_like(x), np.empty_like(x)
    j = tuple(np.zeros(P["shape"]) for _ in range(3))
    gather_cpu.gather(P["fe"], P["fb"], e, b, x, P["inv_h"], P["shift"])
    x_old = x.copy()
    if forcing is None:
        pic_cpu.push_and_move(x, u, e, b, qm * dt, dt, pusher)
    else:
        pic_cpu.push_forced_and_move(x, u, e, b, qm * dt, dt, pusher, P["f"], *forcing)
    deposit_cpu.deposit_current(j, x_old, x, u, qw, dt, P["inv_h"], P["shift"], P["h"])
    return x, u, j


def fused(P, pusher, forcing, qm=-1.0, qw=-0.3):
    x, u, dt = P["x"].copy(), P["u"].copy(), P["dt"]
    j = tuple(np.zeros(P["shape"]) for _ in range(3))
    f, velocity, temperature = (None, False, False) if forcing is None else (P["f"], *forcing)
    advance_cpu.advance(P["fe"], P["fb"], j, x, u, qm * dt, dt, pusher, f, velocity, temperature, qw,
                        P["inv_h"], P["shift"], P["h"])
    return x, u, j


CASES = ([(ndim, pusher, "none") for ndim in (1, 2, 3) for pusher in (0, 1)]
         + [(1, 1, "both"), (2, 0, "both"), (3, 1, "both"), (2, 1, "velocity"), (3, 0, "temperature")])


@pytest.mark.parametrize("ndim,pusher,forcing", CASES)
def test_fused_equals_separate_kernels_bit_for_bit(ndim, pusher, forcing):
    numba.set_num_threads(1)
    P = problem(ndim, 2 * advance_cpu.CHUNK + 45)         # two full chunks and a partial one
    got, want = fused(P, pusher, FORCINGS[forcing]), separate(P, pusher, FORCINGS[forcing])
    assert np.isfinite(got[1]).all()
    for a, b in zip(got[:2], want[:2]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(got[2], want[2]):
        np.testing.assert_array_equal(a, b)
    assert any(np.abs(c).max() > 0 for c in got[2])


@pytest.mark.parametrize("ndim,pusher", [(1, 0), (2, 1), (3, 0)])
def test_series_temperature_push_equals_exact_push(ndim, pusher):
    """With temperature forcing alone the CPU kernel pushes with the branch-free series of the flow and redoes
    the particles it flags exactly: with a weak gradient (h = 1e-5) most particles stay on the series path
    (|y| = |2 K h^2| < 1e-8) and the fast ones (|u| ~ 30) are redone; both give the exact kernel's numbers."""
    numba.set_num_threads(1)
    P = problem(ndim, 2 * advance_cpu.CHUNK + 45)
    P["f"][12] = 1e-5
    P["u"][:, 7::40] *= 80.0
    g_hat, h, k0 = P["f"][9:12], P["f"][12], P["f"][13]
    u = P["u"]
    par = g_hat @ u
    y = 2.0 * (k0 - 0.5 * (np.sum(u * u, axis=0) - par * par)) * h * h
    assert 0 < np.count_nonzero(np.abs(y) >= 1e-8) < 0.1 * y.size     # both paths are taken
    got, want = fused(P, pusher, FORCINGS["temperature"]), separate(P, pusher, FORCINGS["temperature"])
    for a, b in zip((*got[:2], *got[2]), (*want[:2], *want[2])):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("h", [1e-5, 0.02])
def test_relativistic_temperature_push_equals_exact_push(h):
    """The relativistic temperature forcing alone: the vectorised pass takes one Taylor substep per half step
    and flags every particle when a tau = 2h exceeds RELATIVISTIC_STEP (then all are redone in substeps):
    bit for bit the exact kernel's numbers, on the one-substep path (h = 1e-5) and the redone one (h = 0.02)."""
    from hpcsim.kernels.pic.forcing_elements import RELATIVISTIC

    numba.set_num_threads(1)
    P = problem(2, 2 * advance_cpu.CHUNK + 45)
    P["f"][12] = h
    P["f"][13] = 1.16
    forcing = (False, RELATIVISTIC)
    got, want = fused(P, 0, forcing), separate(P, 0, forcing)
    assert not np.array_equal(got[1], fused(P, 0, None)[1])
    for a, b in zip((*got[:2], *got[2]), (*want[:2], *want[2])):
        np.testing.assert_array_equal(a, b)


def test_fused_empty_species():
    P = problem(2, 0)
    x, u, j = fused(P, 0, None)
    assert x.shape == (3, 0) and not any(c.any() for c in j)


THREADED = """
import json, sys, numba, numpy as np
sys.path.insert(0, {here!r})
from test_advance_kernel import problem, fused, FORCINGS
out = {{}}
for ndim in (1, 2, 3):
    for forcing in ("none", "both"):
        P = problem(ndim, 5000, seed=ndim)
        numba.set_num_threads(1)
        x1, u1, j1 = fused(P, 0, FORCINGS[forcing])
        numba.set_num_threads(2)
        x2, u2, j2 = fused(P, 0, FORCINGS[forcing])
        scale = max(float(np.abs(c).max()) for c in j1)
        out[f"{{ndim}}-{{forcing}}"] = [bool(np.array_equal(x1, x2)), bool(np.array_equal(u1, u2)),
                                        max(float(np.abs(a - b).max()) for a, b in zip(j1, j2)) / scale]
print(json.dumps(out))
"""


def test_threaded_equals_serial_to_round_off():
    """Two numba threads (per-thread copies of J summed afterwards) against one: x and u the same, J to
    round-off. In a subprocess: the thread count is fixed when numba starts."""
    env = dict(os.environ, NUMBA_NUM_THREADS="2")
    code = THREADED.format(here=os.path.dirname(__file__))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    for key, (same_x, same_u, j_error) in json.loads(run.stdout.strip().splitlines()[-1]).items():
        assert same_x and same_u, key
        assert j_error < 1e-13, (key, j_error)
