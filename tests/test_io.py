"""openPMD output (validator, openpmd-api read-back of global arrays from 1 and 2 ranks), XDMF sidecars,
the scalar time series, checkpoint housekeeping, and the postprocess package."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import BIN, run_mpi

SCRIPTS = Path(__file__).parent / "mpi_scripts"


def expected(shape):
    idx = np.indices(shape, dtype=float)
    i, j, k = (list(idx) + [np.zeros(shape)] * 3)[:3]
    return 1.0 + i + 1000.0 * j + 1e6 * k


@pytest.fixture(scope="module", params=[1, 2])
def written(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"io{request.param}")
    if request.param == 1:
        subprocess.run([sys.executable, SCRIPTS / "io_write.py", out], check=True, capture_output=True)
    else:
        run_mpi(2, [SCRIPTS / "io_write.py", out])
    return out


@pytest.mark.parametrize("dim,shape", [("1d", (13,)), ("2d", (9, 7)), ("3d", (6, 5, 7))])
def test_openpmd_validator_passes(written, dim, shape):
    proc = subprocess.run([str(BIN / "openPMD_check_h5"), "-i", str(written / dim / "data_00000007.h5")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Result: 0 Errors" in proc.stdout


@pytest.mark.parametrize("dim,shape", [("1d", (13,)), ("2d", (9, 7)), ("3d", (6, 5, 7))])
def test_openpmd_api_reads_the_global_arrays(written, dim, shape):
    io = pytest.importorskip("openpmd_api")
    series = io.Series(str(written / dim / "data_%08T.h5"), io.Access.read_only)
    assert list(series.iterations) == [7]
    it = series.iterations[7]
    f = it.meshes["f"][io.Mesh_Record_Component.SCALAR]
    ex = it.meshes["E"]["z"]
    fa, ea = f.load_chunk(), ex.load_chunk()
    series.flush()
    np.testing.assert_array_equal(fa, expected(shape))
    np.testing.assert_array_equal(ea, expected(shape) + 2)
    assert f.unit_SI == 2.0 and it.time == 0.25 and it.dt == 0.05
    assert list(it.meshes["f"].grid_spacing) == pytest.approx([0.5 * (a + 1) / n for a, n in enumerate(shape)])
    assert it.meshes["E"].unit_dimension[io.Unit_Dimension.I] == -1
    del series


def test_xdmf_sidecars_point_at_existing_datasets(written):
    directory = written / "3d"
    root = ET.parse(directory / "data_00000007.xmf").getroot()
    items = [d.text for d in root.iter("DataItem") if d.get("Format") == "HDF"]
    assert len(items) == 4      # f, E_x, E_y, E_z
    with h5py.File(directory / "data_00000007.h5", "r") as f:
        for item in items:
            fname, path = item.split(":")
            assert fname == "data_00000007.h5" and f[path].shape == (6, 5, 7)
    topo = root.find(".//Topology")
    assert topo.get("TopologyType") == "3DCoRectMesh" and topo.get("Dimensions") == "7 6 8"
    series = (directory / "series.xmf").read_text()
    ET.fromstring(series)
    assert 'href="data_00000007.xmf"' in series


def test_deck_is_embedded(written):
    with h5py.File(written / "2d" / "data_00000007.h5", "r") as f:
        assert b"[poisson]" in f.attrs["hpcsim_deck"]


def test_scalar_log_pads_and_truncates(tmp_path):
    from hpcsim.io import ScalarLog
    from hpcsim.parallel import Comm

    path = tmp_path / "scalars.h5"
    log = ScalarLog(path, Comm(), "deck")
    log.append(0, 0.0, {"a": 1.0})
    log.append(5, 0.5, {"a": 2.0, "b": 3.0})
    log.append(10, 1.0, {"a": 4.0, "b": 5.0})
    with h5py.File(path, "r") as f:       # readable between appends
        assert list(f["step"][...]) == [0, 5, 10]
        assert np.isnan(f["b"][0]) and f["b"][2] == 5.0
    ScalarLog(path, Comm(), "deck", restart_step=5).append(10, 1.0, {"a": 6.0, "b": 7.0})
    with h5py.File(path, "r") as f:
        assert list(f["step"][...]) == [0, 5, 10] and f["a"][2] == 6.0


def test_checkpoint_keep_and_stale_tmp(tmp_path):
    from hpcsim.io import find_latest, read_checkpoint, verify, write_checkpoint
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm

    comm = Comm()
    mesh = Mesh.create(comm, (6, 4), (1.0, 1.0), "periodic")
    root = tmp_path / "ck"
    root.mkdir()
    (root / ".ckpt_00000099.tmp").mkdir()             # left over by a killed run
    (root / "ckpt_00000001").mkdir()                  # incomplete: no manifest
    for step in (2, 4, 6, 8):
        field = np.full((6, 4), float(step))
        write_checkpoint(root, step, 0.1 * step, comm, mesh, {"u": field}, {"time": 0.1 * step,
                         "history": np.arange(3.0)}, {"rng": {"s": step}}, "deck", "v", keep=2)
    names = sorted(p.name for p in root.iterdir())
    assert names == ["ckpt_00000001", "ckpt_00000006", "ckpt_00000008"]
    assert verify(root / "ckpt_00000008") == (True, "")
    assert not verify(root / "ckpt_00000001")[0]
    path, messages = find_latest(root)
    assert path.name == "ckpt_00000008" and messages == ["restarting from ckpt_00000008"]
    ck = read_checkpoint(path, comm, mesh)
    assert ck.step == 8 and ck.rank_state == {"rng": {"s": 8}} and list(ck.state["history"]) == [0, 1, 2]
    np.testing.assert_array_equal(ck.fields["u"], np.full((6, 4), 8.0))


def test_postprocess_never_imports_hpcsim():
    import ast

    for path in (Path(__file__).parent.parent / "postprocess").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in ("hpcsim", "mpi4py", "numba") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("hpcsim", "mpi4py", "numba"), path


def test_postprocess_cli(written, tmp_path):
    # an output directory as a run leaves it: fields/ + diags/scalars.h5
    out = tmp_path / "run"
    (out / "diags").mkdir(parents=True)
    (out / "fields").symlink_to(written / "2d")
    with h5py.File(out / "diags" / "scalars.h5", "w") as f:
        f["step"], f["time"], f["energy"] = np.arange(4), np.linspace(0, 1, 4), np.array([1.0, 0.5, 0.2, 0.1])
    post = [sys.executable, "-m", "postprocess"]
    info = subprocess.run([*post, "info", out], capture_output=True, text=True, check=True).stdout
    assert "meshes: E/x, E/y, E/z, f" in info and "energy" in info
    png = tmp_path / "fig.png"
    subprocess.run([*post, "plot", out, "--out", png, "--mesh", "E/y"], check=True, capture_output=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = subprocess.run([*post, "scalars", out], capture_output=True, text=True, check=True).stdout
    assert csv.splitlines()[0] == "step,time,energy" and len(csv.splitlines()) == 5
    from postprocess import read_mesh

    array, meta = read_mesh(out, "f")
    np.testing.assert_array_equal(array, 2.0 * expected((9, 7)))     # unitSI applied
    bad = subprocess.run([*post, "plot", tmp_path / "nowhere", "--out", png], capture_output=True, text=True)
    assert bad.returncode == 2 and "no such output directory" in bad.stderr
