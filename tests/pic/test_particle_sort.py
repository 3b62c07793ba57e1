"""Particle sorting by cell (`kernels/sort_*`, `PIC.sort`, deck key pic.sort_every): a stable counting sort of
the row-major cell keys; sorting permutes the particles and changes nothing but the round-off of the current."""
import math

import numpy as np
import pytest

from hpcsim.backend import create_backend
from hpcsim.kernels.pic import sort_cpu
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian


def keys_of(x, inv_h, shift, shape):
    keys = np.empty(x.shape[1], dtype=np.int64)
    sort_cpu.fill_cell_keys(x, inv_h, shift, shape, keys)
    return keys


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_cell_order_is_a_stable_sort_by_row_major_cell(ndim):
    rng = np.random.default_rng(ndim)
    shape = tuple(7 + a if a < ndim else 1 for a in range(3))
    n = 5000
    x = np.zeros((3, n))
    # cell coordinates xi = x * inv_h + shift, some outside the grid (clamped), many particles per cell
    x[:ndim] = rng.uniform(-0.3, 1.1, (ndim, n))
    inv_h = tuple(float(shape[a] - 2) if a < ndim else 0.0 for a in range(3))
    shift = tuple(1.0 if a < ndim else 0.0 for a in range(3))
    keys = keys_of(x, inv_h, shift, shape)
    cells = [np.clip(np.floor(x[a] * inv_h[a] + shift[a]), 0, shape[a] - 1).astype(np.int64) for a in range(3)]
    np.testing.assert_array_equal(keys, (cells[0] * shape[1] + cells[1]) * shape[2] + cells[2])
    order = sort_cpu.cell_order(x, inv_h, shift, shape)
    np.testing.assert_array_equal(order, np.argsort(keys, kind="stable"))


def thermal_pic(rng, cells=(12, 10), ppc=16):
    comm = Comm()
    backend = create_backend("cpu")
    mesh = Mesh.create(comm, cells, tuple(0.1 * c for c in cells), "periodic", ghost=2)
    n = ppc * mesh.global_cells
    x = np.zeros((3, n))
    x[:2] = rng.uniform(0.0, 1.0, (2, n)) * np.array(mesh.length)[:, None]
    u = bi_maxwellian(rng, n, 1.0, 0.01, 0.01, symmetric=True)
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(n), qw=-1.0 / ppc)
    return PIC(mesh, backend, [electrons], background=1.0)


def test_sort_permutes_particles_into_cell_order():
    pic = thermal_pic(np.random.default_rng(5))
    s = pic.species[0]
    before = {k: getattr(s, k).copy() for k in ("x", "u", "ids")}
    pic.sort()
    shape = pic.fields.j[0].shape
    assert np.all(np.diff(keys_of(s.x, pic.inv_h, pic.shift, shape)) >= 0)
    back = np.argsort(s.ids)
    for k in ("x", "u"):
        np.testing.assert_array_equal(getattr(s, k)[:, back], before[k])     # every particle kept, unchanged
    np.testing.assert_array_equal(s.ids[back], before["ids"])


def test_sorted_run_equals_unsorted_run_to_round_off():
    """Sorting every 3 steps changes only the summation order of J: after 30 steps of a thermal plasma the
    fields and the particles (matched by id) agree to round-off amplified by the dynamics (1e-10)."""
    dt = 0.5 * 0.1 / math.sqrt(2)
    runs = []
    for sort_every in (0, 3):
        pic = thermal_pic(np.random.default_rng(11))
        for step in range(30):
            if sort_every and step % sort_every == 0:
                pic.sort()
            pic.step(dt)
        runs.append(pic)
    plain, sorted_ = runs
    for a, b in zip((*plain.fields.e, *plain.fields.b), (*sorted_.fields.e, *sorted_.fields.b)):
        assert np.max(np.abs(a - b)) < 1e-10 * max(np.max(np.abs(a)), 1e-3)
    p, q = plain.species[0], sorted_.species[0]
    assert not np.array_equal(p.ids, q.ids)                                 # the order did change
    i, j = np.argsort(p.ids), np.argsort(q.ids)
    np.testing.assert_array_equal(p.ids[i], q.ids[j])
    np.testing.assert_allclose(q.u[:, j], p.u[:, i], rtol=0, atol=1e-12)
    np.testing.assert_allclose(q.x[:, j], p.x[:, i], rtol=0, atol=1e-12)
