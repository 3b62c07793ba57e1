"""Particle migration between blocks (hpcsim.parallel.particles): 1 to 4 ranks, 1-D to 3-D, uneven blocks,
periodic and non-periodic axes, too-fast particles, long runs around a periodic box; GPU arrays stay on the
device with only the leavers staged through the host; the in-place mode of the PIC step."""
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.parallel.particles import migrate

SCRIPT = Path(__file__).resolve().parents[1] / "mpi_scripts" / "particle_exchange_check.py"


def test_migrate_one_rank():
    out = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("particles ok")


@pytest.mark.parametrize("nprocs", [2, 3, 4])
def test_migrate_mpi(mpirun, nprocs):
    assert "particles ok" in mpirun(nprocs, [SCRIPT], timeout=120).stdout


def _crossing_particles():
    mesh = Mesh.create(Comm(), (8, 6), (1.0, 1.5), ["periodic", "dirichlet"], origin=(-0.5, 0.0))
    x = np.array([[-0.6, 0.2, 0.7, 0.1, 0.0], [0.3, 1.2, 0.9, 1.6, 0.0], [0.0] * 5])
    ids = np.arange(5, dtype=np.int64)
    return mesh, {"x": x, "ids": ids, "w": ids * 2.0}


class _DeviceArray(np.ndarray):
    """Stands in for a CuPy array: numpy arithmetic, but marked as GPU memory."""

    @property
    def __cuda_array_interface__(self):
        return {}


def _fake_cupy(transfers):
    """A `cupy` module over _DeviceArray that records the particles copied to the host and back."""
    def device(a):
        return np.asarray(a).view(_DeviceArray)

    def asnumpy(a):
        transfers.append(("to host", a.shape[-1]))
        return np.array(a)

    def asarray(a):
        transfers.append(("to device", np.shape(a)[-1]))
        return device(np.array(a))

    return types.SimpleNamespace(
        asnumpy=asnumpy, asarray=asarray, flatnonzero=lambda a: device(np.flatnonzero(a)),
        zeros=lambda *a, **k: device(np.zeros(*a, **k)), ones=lambda *a, **k: device(np.ones(*a, **k)),
        empty=lambda *a, **k: device(np.empty(*a, **k)))


def test_device_arrays_stay_on_device_and_only_leavers_travel(monkeypatch):
    mesh, host = _crossing_particles()
    transfers = []
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(transfers))
    out, removed = migrate(mesh, {k: v.view(_DeviceArray) for k, v in host.items()})
    assert all(isinstance(v, _DeviceArray) for v in out.values())
    assert removed == 1  # y = 1.6 left through the non-periodic top face
    # one process: x wraps on the device; only the particle leaving through the face goes to the host
    assert transfers == [("to host", 1)] * 3
    ids = np.asarray(out["ids"])
    assert sorted(ids.tolist()) == [0, 1, 2, 4]
    order = np.argsort(ids)
    np.testing.assert_array_equal(np.asarray(out["x"])[0, order], [-0.6 + 1.0, 0.2, 0.7 - 1.0, 0.0])
    np.testing.assert_array_equal(np.asarray(out["w"]), 2.0 * ids)


def test_in_place_keeps_the_arrays_when_the_count_is_unchanged():
    mesh = Mesh.create(Comm(), (8,), (1.0,), "periodic")
    x = np.zeros((3, 4))
    x[0] = [-0.1, 0.3, 1.2, 0.5]
    ids = np.arange(4)
    out, removed = migrate(mesh, {"x": x, "ids": ids}, in_place=True)
    assert removed == 0 and out["x"] is x and out["ids"] is ids
    np.testing.assert_allclose(x[0], [0.9, 0.3, 0.2, 0.5])


def test_numpy_input_never_imports_cupy(monkeypatch):
    mesh, host = _crossing_particles()
    monkeypatch.setitem(sys.modules, "cupy", None)  # any `import cupy` now fails
    out, removed = migrate(mesh, host)
    assert removed == 1 and out["ids"].dtype == np.int64 and sorted(out["ids"].tolist()) == [0, 1, 2, 4]
