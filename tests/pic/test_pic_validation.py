"""TF-PIC validation on one rank (spec section 3, items 2-5 in CI size): warm Bohm-Gross oscillation, cold
symmetric two-stream growth, energy conservation of a thermal plasma over 2000 steps with Gauss's law at
round-off. (The cold Langmuir case is in test_langmuir.py.)"""
import math

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian, quiet_start


def plasma(shape, cell, ppc, beams, seed=1):
    """Electron populations [(density, theta, drift_x, seed_perturbation)] on a quiet lattice, ion background."""
    mesh = Mesh.create(Comm(), shape, [n * cell for n in shape], "periodic", ghost=2)
    species = []
    rng = np.random.default_rng(seed)
    for index, (density, theta, drift, perturb) in enumerate(beams):
        x = quiet_start(mesh, ppc)
        u = bi_maxwellian(rng, x.shape[1], 1.0, theta, theta, drift=(drift, 0, 0), symmetric=True) if theta \
            else np.tile(np.array([[drift], [0.0], [0.0]]), (1, x.shape[1]))
        u[0] += perturb(x[0])
        species.append(Species(f"e{index}", -1.0, 1.0, x, u, np.arange(x.shape[1]), qw=-density / ppc))
    return mesh, PIC(mesh, CPUBackend(), species, background=1.0)


def mode_history(pic, mesh, k, steps, dt):
    xs = (np.arange(mesh.global_shape[0]) + 0.5) * mesh.spacing[0]
    out = []
    for _ in range(steps):
        pic.step(dt)
        ex = pic.fields.e[0][mesh.interior]
        out.append(float(np.abs(np.sum(ex.reshape(ex.shape[0], -1).mean(axis=1) * np.exp(1j * k * xs)))))
    return np.array(out), dt * (np.arange(steps) + 1)


def test_warm_langmuir_follows_bohm_gross():
    """omega^2 = 1 + 3 k^2 v_th^2 at k lambda_D = 0.2 (spec: within 2 %), and within 1 % of the kinetic root.
    theta_e = 0.001 keeps the relativistic mass correction (omega^2 lowered by about 5 theta_e / 2: 1.25 % in
    omega at theta_e = 0.01, which this code reproduces) well below the tolerance."""
    from postprocess.theory import langmuir_frequency

    theta, klambda = 0.001, 0.2
    k = klambda / math.sqrt(theta)
    cells = 32
    cell = 2 * math.pi / k / cells                # one Debye length per cell
    mesh, pic = plasma((cells,), cell, 256, [(1.0, theta, 0.0, lambda x: 0.003 * np.sin(k * x))])
    dt = 0.5 * cell
    xs = (np.arange(cells) + 0.5) * cell
    signal = []
    steps = int(4 * 2 * math.pi / dt)
    for _ in range(steps):
        pic.step(dt)
        signal.append(float(np.sum(pic.fields.e[0][mesh.interior][:, 0, 0] * np.sin(k * xs))))
    a, t = np.array(signal), dt * (np.arange(steps) + 1)
    crossings = [t[i] - a[i] * (t[i + 1] - t[i]) / (a[i + 1] - a[i]) for i in range(steps - 1) if a[i] * a[i + 1] < 0]
    omega = math.pi / float(np.mean(np.diff(crossings)))
    assert omega == pytest.approx(math.sqrt(1 + 3 * klambda**2), rel=0.02)     # measured 1.0586
    assert omega == pytest.approx(langmuir_frequency(k, theta, kinetic=True).real, rel=0.01)
    assert abs(omega - 1.0) > 0.04                # distinguishably warm: the cold plasma would give 1


def test_cold_two_stream_growth_rate():
    """Beams of density 1/2 at +-v0: 1 = (1/2)/(omega - k v0)^2 + (1/2)/(omega + k v0)^2 has its fastest
    purely growing root gamma = 1/(2 sqrt 2) at k v0 = sqrt(3/8); for beams of Lorentz factor g the
    longitudinal plasma frequency is divided by g^(3/2), and so is the growth rate."""
    v0 = 0.1
    k = math.sqrt(3 / 8) / v0
    expected = 1 / (2 * math.sqrt(2)) / (1 - v0**2) ** -0.75
    cells = 32
    cell = 2 * math.pi / k / cells
    seed = lambda x: 1e-5 * np.sin(k * x)         # noqa: E731
    mesh, pic = plasma((cells,), cell, 32, [(0.5, 0.0, v0, seed), (0.5, 0.0, -v0, seed)])
    dt = 0.5 * cell
    amp, t = mode_history(pic, mesh, k, int(40 / dt), dt)
    peak = amp.max()
    window = (amp > 1e-3 * peak) & (amp < 3e-2 * peak) & (t < t[np.argmax(amp)])
    gamma = np.polyfit(t[window], np.log(amp[window]), 1)[0]
    assert window.sum() > 20
    assert gamma == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("shape,ppc", [((64,), 64), ((16, 16), 16)])
def test_thermal_plasma_conserves_energy(shape, ppc):
    """Cells of one Debye length, 2000 steps: total energy drift under 1 %, Gauss's law at round-off."""
    mesh, pic = plasma(shape, 0.1, ppc, [(1.0, 0.01, 0.0, lambda x: 0.0 * x)])
    dt = 0.5 * mesh.spacing[0] / math.sqrt(mesh.ndim)
    e0 = pic.energies()["energy_total"]
    for _ in range(2000):
        pic.step(dt)
    drift = abs(pic.energies()["energy_total"] - e0) / e0
    assert drift < 0.01
    assert pic.gauss_error() < 1e-10


@pytest.mark.parametrize("order", [1, 3])
def test_one_rank_equals_two_ranks(mpirun, tmp_path, order):
    """The same seeded run on 1 and 2 ranks: identical fields to round-off after 20 steps, no particle lost,
    ids preserved through migration, Gauss's law at round-off on both; linear and cubic shapes (3 ghost layers,
    deposits into the third summed back across the block edge)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "mpi_scripts" / "pic_ranks_check.py"
    subprocess.run([sys.executable, script, tmp_path / "one.npz", str(order)], check=True, capture_output=True)
    mpirun(2, [script, tmp_path / "two.npz", str(order)])
    one, two = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")
    assert int(one["count"]) == int(two["count"]) == 16 * 12 * 16
    assert np.array_equal(one["ids"], two["ids"]) and np.array_equal(one["ids"], np.arange(16 * 12 * 16))
    for name in ("Ex", "Ey", "Ez", "Bx", "By", "Bz"):
        scale = np.max(np.abs(one[name])) + 1e-300
        assert np.max(np.abs(one[name] - two[name])) <= 1e-12 * scale, name
    assert float(one["gauss"]) < 1e-10 and float(two["gauss"]) < 1e-10
