"""Yee field solver: a vacuum plane wave follows the scheme's exact discrete dispersion relation to round-off
(1-D, 2-D oblique, 3-D), on 1 rank and on 2 ranks, and the Courant limit."""
import math
from pathlib import Path

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.fields import YeeFields, courant_limit


def tm_wave(shape, modes, steps, comm=None, cfl=0.9):
    """Run a TM plane wave (E_z, B_x, B_y) for `steps` steps; return (max error of E_z, max |E_z|)."""
    comm = comm or Comm()
    length = [1.0 + 0.3 * a for a in range(len(shape))]
    mesh = Mesh.create(comm, shape, length, "periodic")
    fields = YeeFields(mesh, CPUBackend())
    h = mesh.spacing + (1.0,) * (3 - mesh.ndim)
    k = [2 * math.pi * m / L for m, L in zip(modes, length)] + [0.0] * (3 - mesh.ndim)
    dt = cfl * courant_limit(mesh.spacing)
    s = [math.sin(k[a] * h[a] / 2) / h[a] if a < mesh.ndim else 0.0 for a in range(3)]
    omega = 2 / dt * math.asin(dt * math.sqrt(sum(v * v for v in s)))   # the Yee dispersion relation
    big_s = math.sin(omega * dt / 2) / dt
    i, j, _ = mesh.global_index()
    x, y = i * h[0], j * h[1]

    def phase(dx, dy, t):
        return k[0] * (x + dx) + k[1] * (y + dy) - omega * t

    def block(values):
        return np.broadcast_to(values, fields.n)

    # discrete solution: E_z = cos(theta), B_x = (s_y / S) cos(theta'), B_y = -(s_x / S) cos(theta''), with
    # S = sin(omega dt / 2) / dt and B at its staggered positions and at half-integer time
    fields.e[2][mesh.interior] = block(np.cos(phase(0, 0, 0)))
    fields.b[0][mesh.interior] = block((s[1] / big_s) * np.cos(phase(0, h[1] / 2, dt / 2)))
    fields.b[1][mesh.interior] = block(-(s[0] / big_s) * np.cos(phase(h[0] / 2, 0, dt / 2)))
    fields.half_faraday(-dt)                         # B^{1/2} -> B^0
    for _ in range(steps):
        fields.step(dt)
    exact = block(np.cos(phase(0, 0, steps * dt)))
    err = comm.allreduce(float(np.max(np.abs(fields.e[2][mesh.interior] - exact))), "max")
    return err, fields


@pytest.mark.parametrize("shape,modes", [((64,), (3,)), ((40, 32), (2, 3)), ((16, 12, 8), (1, 2, 0))])
def test_plane_wave_follows_the_discrete_dispersion_relation(shape, modes):
    err, _ = tm_wave(shape, modes, steps=200)
    assert err < 1e-11


def test_vacuum_energy_is_bounded_and_wave_not_damped():
    _, fields = tm_wave((48, 40), (2, 1), steps=0)
    e0 = sum(fields.energy())
    for _ in range(300):
        fields.step(0.9 * courant_limit(fields.mesh.spacing))
    assert abs(sum(fields.energy()) - e0) < 0.05 * e0   # staggered-in-time energy oscillates, no drift


def test_courant_limit():
    assert courant_limit((0.1,)) == pytest.approx(0.1)
    assert courant_limit((0.1, 0.1, 0.1)) == pytest.approx(0.1 / math.sqrt(3))


def test_two_ranks(mpirun, tmp_path):
    script = tmp_path / "yee2.py"
    script.write_text("import sys; sys.path.insert(0, %r)\n" % str(Path(__file__).parent) +
                      "from test_yee import tm_wave\nfrom hpcsim.parallel import Comm\n"
                      "err, _ = tm_wave((40, 32), (2, 3), 200, Comm())\nassert err < 1e-11, err\nprint('ok', err)\n")
    assert "ok" in mpirun(2, [script]).stdout


@pytest.mark.parametrize("shape,modes", [((32,), (3,)), ((16, 12), (2, 5)), ((8, 8, 6), (1, 2, 2))])
def test_binomial_filter_transfer_function(shape, modes):
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), "periodic", ghost=2)
    fields = YeeFields(mesh, CPUBackend())
    idx = mesh.global_index()
    k = [2 * math.pi * m / L for m, L in zip(modes, mesh.length)]
    phase = sum(k[a] * idx[a] * mesh.spacing[a] for a in range(mesh.ndim))
    fields.j[1][mesh.interior] = np.broadcast_to(np.cos(phase), fields.n)
    fields.filter_current(2)
    gain = np.prod([math.cos(k[a] * mesh.spacing[a] / 2) ** 4 for a in range(mesh.ndim)])
    np.testing.assert_allclose(fields.j[1][mesh.interior], gain * np.broadcast_to(np.cos(phase), fields.n),
                               atol=1e-14)
