"""Quadratic and cubic particle shapes (pic.shape = 2, 3) through the whole PIC cycle: Gauss's law stays at
round-off, the field noise of a thermal plasma falls with the order, the deck rejects other orders naming
pic.shape, and the template documents the key. (Continuity to round-off for every order: test_deposit.py;
1 rank against 2 ranks: test_pic_validation.py; CPU against the simulated GPU: tests/cudasim.)"""
import math

import numpy as np
import pytest
from scipy.interpolate import BSpline

from conftest import ROOT, run_cli
from hpcsim.backend import CPUBackend
from hpcsim.kernels.pic import gather_cpu
from hpcsim.kernels.pic.shape_elements import WEIGHTS
from hpcsim.kernels.pic.shaped import compile_shaped
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.deck import ghost_for
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian


@pytest.mark.parametrize("order", [2, 3])
def test_shapes_are_b_splines(order):
    """The closed forms are the centred cardinal B-spline of degree `order` (scipy's basis element) on the
    order + 1 nodes from the first one, zero just outside them, sum to 1 and keep the first moment; the window of
    a move of less than a cell carries both shapes on order + 2 nodes."""
    spline = BSpline.basis_element(np.arange(order + 2) - 0.5 * (order + 1), extrapolate=False)
    plain = compile_shaped(lambda f: f, order)           # the bodies as plain Python, the order bound
    rng = np.random.default_rng(order)
    for xi in np.concatenate([rng.uniform(3.0, 9.0, 200), [4.0, 4.5, 5.0 - 1e-15]]):
        first, w = WEIGHTS[order](xi, True)
        assert len(w) == order + 1
        np.testing.assert_allclose(w, spline(first + np.arange(order + 1) - xi), rtol=0, atol=2e-15)
        assert np.nan_to_num(spline([first - 1 - xi, first + order + 1 - xi])).max() == 0.0
        assert sum(w) == pytest.approx(1.0, abs=1e-15)
        assert sum(v * (first + m) for m, v in enumerate(w)) == pytest.approx(xi, abs=1e-13)
        new = xi + rng.uniform(-0.999, 0.999)
        base, s0, s1 = plain.shape_window(xi, new, True)
        assert len(s0) == len(s1) == order + 2
        for s, at in ((s0, xi), (s1, new)):
            np.testing.assert_allclose(s, np.nan_to_num(spline(base + np.arange(order + 2) - at)), atol=2e-15)


def test_gather_reproduces_linear_fields_exactly():
    """A field linear in x is interpolated exactly by every shape (B-splines reproduce linear functions), at
    the staggered positions of the Yee components."""
    cells, h = 12, 0.1
    shape = (cells + 6, 1, 1)
    nodes = (np.arange(shape[0]) - 3.0) * h
    fields = [np.broadcast_to((2.0 + 0.5 * (nodes + 0.5 * h * (c in (0, 4, 5))))[:, None, None], shape).copy()
              for c in range(6)]
    x = np.zeros((3, 40))
    x[0] = np.random.default_rng(3).uniform(0.0, cells * h, 40)
    for order in (2, 3):
        e, b = np.zeros_like(x), np.zeros_like(x)
        gather_cpu.gather(tuple(fields[:3]), tuple(fields[3:]), e, b, x, (1 / h, 0.0, 0.0), (3.0, 0.0, 0.0), order)
        np.testing.assert_allclose(e[0], 2.0 + 0.5 * x[0], rtol=1e-13)
        np.testing.assert_allclose(b[1], 2.0 + 0.5 * x[0], rtol=1e-13)


def thermal_field_noise(order, steps=60, seed=5):
    """1D3V thermal plasma with random positions (theta_e = 0.01, cells of one Debye length, 32 particles per
    cell): (mean electrostatic energy over the last half of the steps, Gauss's-law error at the end)."""
    cells, cell, ppc = 64, 0.1, 32
    mesh = Mesh.create(Comm(), (cells,), (cells * cell,), "periodic", ghost=ghost_for(order))
    rng = np.random.default_rng(seed)
    n = cells * ppc
    x = np.zeros((3, n))
    x[0] = rng.uniform(0.0, cells * cell, n)
    u = bi_maxwellian(rng, n, 1.0, 0.01, 0.01, symmetric=True)
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(n), qw=-1.0 / ppc)
    pic = PIC(mesh, CPUBackend(), [electrons], background=1.0, shape=order)
    rho = pic.charge_density()                     # the initial E of the loaded charge: E_x(i+1/2) = cumulated rho
    e = np.cumsum(rho[:, 0, 0]) * cell
    pic.fields.e[0][mesh.interior] = (e - e.mean())[:, None, None]
    energy = []
    for step in range(steps):
        pic.step(0.05)
        if step >= steps // 2:
            energy.append(pic.energies()["energy_E"])
    return float(np.mean(energy)), pic.gauss_error(1.0)


def test_cubic_shape_keeps_gauss_law_and_does_not_raise_the_field_noise():
    """Gauss's law at round-off through 60 steps with the cubic shape, and the thermal electrostatic
    fluctuation energy below the linear shape's at the same particles, but only a little at one cell per Debye
    length (measured 2.04e-3 against 2.11e-3: -4 %; the long-wavelength fluctuations dominate, see the noise
    budget in docs/tf_results.md)."""
    linear, gauss_linear = thermal_field_noise(1)
    cubic, gauss_cubic = thermal_field_noise(3)
    assert gauss_linear < 1e-12 and gauss_cubic < 1e-12
    assert cubic < 0.99 * linear, (cubic, linear)


def test_deck_rejects_other_shapes_naming_the_key(tmp_path):
    deck = tmp_path / "deck.toml"
    deck.write_text((ROOT / "decks" / "pic" / "thermal.toml").read_text().replace('pusher = "vay"',
                                                                                    'pusher = "vay"\nshape = 4'))
    proc = run_cli(["check", deck])
    assert proc.returncode != 0 and "pic.shape" in proc.stderr + proc.stdout
    proc = run_cli(["template", "pic"])
    assert "shape = 1" in proc.stdout and "cubic" in proc.stdout
