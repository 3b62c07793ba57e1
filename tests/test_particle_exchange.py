"""Particle migration between blocks (hpcsim.parallel.particles): 1 to 4 ranks, 1-D to 3-D, uneven blocks,
periodic and non-periodic axes, too-fast particles, long runs around a periodic box, and GPU-array staging."""
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.parallel.particles import migrate

SCRIPT = Path(__file__).resolve().parent / "mpi_scripts" / "particle_exchange_check.py"


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


class _DeviceArray:
    """Stands in for a CuPy array: not a numpy array, reachable only through the fake module's functions."""

    def __init__(self, host):
        self.host = np.array(host)


def test_device_arrays_are_staged_through_host_and_returned_on_device(monkeypatch):
    mesh, host = _crossing_particles()
    fake = types.SimpleNamespace(asnumpy=lambda a: a.host.copy(), asarray=_DeviceArray)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    out, removed = migrate(mesh, {k: _DeviceArray(v) for k, v in host.items()})
    assert all(isinstance(v, _DeviceArray) for v in out.values())
    assert removed == 1  # y = 1.6 left through the non-periodic top face
    ids = out["ids"].host
    assert ids[:2].tolist() == [1, 4] and sorted(ids[2:].tolist()) == [0, 2]  # the kept ones first
    order = np.argsort(ids)
    np.testing.assert_array_equal(out["x"].host[0, order], [-0.6 + 1.0, 0.2, 0.7 - 1.0, 0.0])
    np.testing.assert_array_equal(out["w"].host, 2.0 * ids)


def test_numpy_input_never_imports_cupy(monkeypatch):
    mesh, host = _crossing_particles()
    monkeypatch.setitem(sys.modules, "cupy", None)  # any `import cupy` now fails
    out, removed = migrate(mesh, host)
    assert removed == 1 and out["ids"].dtype == np.int64 and sorted(out["ids"].tolist()) == [0, 1, 2, 4]
