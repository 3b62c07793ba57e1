"""openPMD mesh output: the validator passes, openpmd-api reads back the global arrays written from 1 and from
2 ranks (1-D, 2-D, 3-D, scalar and vector records), virtual datasets survive moving the output, XDMF sidecars
are well-formed and point at existing datasets of the right shape and type, and the postprocess CLI reads it."""
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import BIN, run_mpi

SCRIPTS = Path(__file__).resolve().parents[1] / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from io_fields import CASES, DECK, block_field, global_field  # noqa: E402

ITERATIONS = (3, 7)


@pytest.fixture(scope="module", params=[1, 2], ids=["1rank", "2ranks"])
def written(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"opmd{request.param}")
    run_mpi(request.param, [SCRIPTS / "io_openpmd_write.py", out], timeout=120)
    return request.param, out


@pytest.mark.parametrize("case", CASES)
def test_validator_passes(written, case):
    _, out = written
    for it in ITERATIONS:
        proc = subprocess.run([str(BIN / "openPMD_check_h5"), "-i", str(out / case / f"data_{it:08d}.h5")],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Result: 0 Errors and 0 Warnings." in proc.stdout, proc.stdout


@pytest.mark.parametrize("case", CASES)
def test_openpmd_api_reads_global_arrays(written, case):
    io = pytest.importorskip("openpmd_api")
    _, out = written
    shape = CASES[case][0]
    ndim = len(shape)
    series = io.Series(str(out / case / "data_%08T.h5"), io.Access.read_only)
    assert list(series.iterations) == list(ITERATIONS)
    assert series.software == "hpcsim" and series.openPMD == "1.1.0"
    for it_number in ITERATIONS:
        it = series.iterations[it_number]
        f = it.meshes["f"][io.Mesh_Record_Component.SCALAR]
        g = it.meshes["g"][io.Mesh_Record_Component.SCALAR]
        comps = {c: it.meshes["E"][c] for c in "xyz"}
        chunks = {"f": f.load_chunk(), "g": g.load_chunk(), **{c: r.load_chunk() for c, r in comps.items()}}
        series.flush()
        want = global_field(shape)
        np.testing.assert_array_equal(chunks["f"], it_number * want)
        np.testing.assert_array_equal(chunks["g"], want.astype(np.float32))
        assert chunks["g"].dtype == np.float32
        for n, c in enumerate("xyz"):
            np.testing.assert_array_equal(chunks[c], want + n)
        assert it.time == 0.25 * it_number and it.dt == 0.25 and it.time_unit_SI == 1.0
        assert f.unit_SI == 2.0 and list(f.position) == [0.5] * ndim
        mesh = it.meshes["f"]
        assert list(mesh.grid_spacing) == pytest.approx([0.5 * (a + 1) / n for a, n in enumerate(shape)])
        assert list(mesh.grid_global_offset) == [-1.0] * ndim
        assert list(mesh.axis_labels) == list("xyz"[:ndim])
        assert mesh.geometry == io.Geometry.cartesian and mesh.data_order == "C"
        assert it.meshes["E"].unit_dimension[io.Unit_Dimension.I] == -1
        assert it.meshes["f"].unit_dimension[io.Unit_Dimension.L] == 1
    del series


def test_parallel_files_are_virtual_and_carry_the_deck(written):
    nranks, out = written
    with h5py.File(out / "3d" / "data_00000007.h5", "r") as f:
        assert f.attrs["hpcsim_deck"].decode("utf-8") == DECK
        assert f.attrs["iterationFormat"] == b"data_%08T.h5"
        dset = f["data/7/meshes/E/y"]
        assert dset.is_virtual == (nranks > 1)
        if nranks > 1:
            sources = sorted({m.file_name for m in dset.virtual_sources()})
            assert sources == [f"blocks/data_00000007_r{r:05d}.h5" for r in range(nranks)]
    assert (out / "3d" / "blocks").is_dir() == (nranks > 1)


def test_moved_output_still_reads_global_arrays(written, tmp_path, monkeypatch):
    """Virtual datasets name their blocks by relative path: the directory can move as a whole."""
    from hpcsim.io import read_mesh_block

    nranks, out = written
    moved = tmp_path / "elsewhere" / "fields"
    shutil.copytree(out / "2d", moved)
    monkeypatch.chdir(tmp_path)          # neither the old nor the new directory
    want = global_field(CASES["2d"][0])
    for block in (moved / "blocks").glob("*.h5"):     # prove the copies are read, not the originals
        with h5py.File(block, "r+") as f:
            f.visititems(lambda name, obj: obj.write_direct(-obj[...]) if isinstance(obj, h5py.Dataset) else None)
    sign = -1.0 if nranks > 1 else 1.0
    np.testing.assert_array_equal(read_mesh_block(moved / "data_00000003.h5", "f"), sign * 3 * want)
    block = (slice(2, 7), slice(3, 7))   # straddles the 2-rank cut of the second axis
    np.testing.assert_array_equal(read_mesh_block(moved / "data_00000007.h5", "E/z", block), sign * (want[block] + 2))


@pytest.mark.parametrize("case", CASES)
def test_xdmf_points_at_existing_datasets(written, case):
    _, out = written
    shape = CASES[case][0]
    directory = out / case
    for it in ITERATIONS:
        root = ET.parse(directory / f"data_{it:08d}.xmf").getroot()
        assert float(root.find(".//Time").get("Value")) == 0.25 * it
        topo = root.find(".//Topology")
        nodes = [n + 1 for n in shape] if len(shape) > 1 else [2, shape[0] + 1]
        assert topo.get("TopologyType") == f"{len(nodes)}DCoRectMesh"
        assert topo.get("Dimensions") == " ".join(map(str, nodes))
        spacing = root.findall(".//Geometry/DataItem")[1].text.split()
        assert float(spacing[-1]) == pytest.approx(0.5 * len(shape) / shape[-1])
        attributes = {a.get("Name"): a.find("DataItem") for a in root.iter("Attribute")}
        assert sorted(attributes) == ["E_x", "E_y", "E_z", "f", "g"]
        with h5py.File(directory / f"data_{it:08d}.h5", "r") as f:
            for item in attributes.values():
                fname, path = item.text.split(":")
                assert fname == f"data_{it:08d}.h5"
                assert f[path].shape == shape and item.get("Dimensions") == " ".join(map(str, shape))
                assert int(item.get("Precision")) == f[path].dtype.itemsize
    series = ET.parse(directory / "series.xmf").getroot()
    collection = series.find("Domain/Grid")
    assert collection.get("CollectionType") == "Temporal"
    hrefs = [e.get("href") for e in collection if e.tag.endswith("}include")]
    assert hrefs == [f"data_{it:08d}.xmf" for it in ITERATIONS]


def test_writer_rejects_wrong_blocks_and_names(tmp_path):
    from hpcsim.io import MeshWriter, Record
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm

    mesh = Mesh.create(Comm(), (4, 3), (1.0, 1.0), "periodic")
    writer = MeshWriter(tmp_path, mesh, Comm(), "deck", "v")
    with pytest.raises(ValueError, match="owned block"):
        writer.write(0, 0.0, 1.0, {"u": Record(np.zeros((3, 4)))})
    with pytest.raises(ValueError, match="letters, digits"):
        writer.write(0, 0.0, 1.0, {"u-v": Record(block_field(mesh))})
    with pytest.raises(ValueError, match="unit_dimension"):
        writer.write(0, 0.0, 1.0, {"E": {"x": Record(block_field(mesh), (1, 0, 0, 0, 0, 0, 0)),
                                         "y": Record(block_field(mesh))}})
    assert writer.write(5, 0.0, 1.0, {"u": Record(block_field(mesh))}) == tmp_path / "data_00000005.h5"


def test_postprocess_cli_reads_the_output(written, tmp_path):
    # an output directory as a run leaves it: fields/ + diags/scalars.h5
    out = tmp_path / "run"
    (out / "diags").mkdir(parents=True)
    (out / "fields").symlink_to(written[1] / "2d")
    with h5py.File(out / "diags" / "scalars.h5", "w") as f:
        f["step"], f["time"], f["energy"] = np.arange(4), np.linspace(0, 1, 4), np.array([1.0, 0.5, 0.2, 0.1])
    post = [sys.executable, "-m", "postprocess"]
    info = subprocess.run([*post, "info", out], capture_output=True, text=True, check=True).stdout
    assert "meshes: E/x, E/y, E/z, f, g" in info and "energy" in info
    png = tmp_path / "fig.png"
    subprocess.run([*post, "plot", out, "--out", png, "--mesh", "E/y"], check=True, capture_output=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = subprocess.run([*post, "scalars", out], capture_output=True, text=True, check=True).stdout
    assert csv.splitlines()[0] == "step,time,energy" and len(csv.splitlines()) == 5
    from postprocess import read_mesh

    array, meta = read_mesh(out, "f")
    np.testing.assert_array_equal(array, 2.0 * 7 * global_field((9, 7)))     # the last iteration, unitSI applied
    bad = subprocess.run([*post, "plot", tmp_path / "nowhere", "--out", png], capture_output=True, text=True)
    assert bad.returncode == 2 and "no such output directory" in bad.stderr
