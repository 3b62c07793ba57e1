"""The postprocess package against an output directory written by 2 ranks: readers give global arrays in SI
units, the CLI (info, scalars, plot) works and fails with exit 2 and a clear message, and nothing imports hpcsim."""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import BIN, run_mpi
from postprocess import ReadError, list_iterations, list_meshes, read_deck, read_mesh, read_scalars
from postprocess.cli import main

SCRIPTS = Path(__file__).resolve().parents[1] / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from io_fields import CASES, DECK, global_field  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    out = tmp_path_factory.mktemp("post") / "run"
    run_mpi(2, [SCRIPTS / "io_postprocess_run.py", out], timeout=120)
    return out


def test_read_scalars(outdir):
    s = read_scalars(outdir)
    assert sorted(s) == ["energy", "mass", "step", "time"]
    np.testing.assert_array_equal(s["step"], np.arange(11))
    np.testing.assert_allclose(s["energy"], np.exp(-np.arange(11.0)))
    assert np.isnan(s["mass"][:5]).all() and (s["mass"][5:] == 1.0).all()
    assert read_scalars(outdir / "diags" / "scalars.h5").keys() == s.keys()


def test_read_mesh_global_arrays_and_metadata(outdir):
    shape = CASES["2d"][0]
    assert list_iterations(outdir) == [0, 5, 10]
    assert list_meshes(outdir) == ["E/x", "E/y", "E/z", "f"]
    array, meta = read_mesh(outdir, "f")                      # last iteration, unitSI applied
    np.testing.assert_array_equal(array, 2.0 * 11 * global_field(shape))
    assert meta["iteration"] == 10 and meta["time"] == pytest.approx(1.0) and meta["unitSI"] == 2.0
    np.testing.assert_allclose(meta["spacing"], [2.0 / shape[0], 1.0 / shape[1]])
    assert list(meta["offset"]) == [0.0, 0.0] and meta["axis_labels"] == ["x", "y"]
    assert list(meta["position"]) == [0.5, 0.5]
    e_y, meta = read_mesh(outdir, "E", iteration=5, component="y")
    np.testing.assert_array_equal(e_y, global_field(shape) + 1)
    np.testing.assert_array_equal(read_mesh(outdir, "E/z")[0], global_field(shape) + 2)
    assert read_deck(outdir) == DECK


@pytest.mark.parametrize("call, message", [
    (lambda d: read_mesh(d, "rho"), "no mesh 'rho'"),
    (lambda d: read_mesh(d, "E"), "has components x, y, z"),
    (lambda d: read_mesh(d, "f", component="x"), "scalar record"),
    (lambda d: read_mesh(d, "f", iteration=3), "no iteration 3"),
    (lambda d: read_scalars(d / "nowhere"), "no such output directory"),
])
def test_reader_errors_name_the_problem(outdir, call, message):
    with pytest.raises(ReadError, match=message):
        call(outdir)


def test_missing_block_files_are_reported(outdir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(outdir / "fields", copy / "fields", ignore=shutil.ignore_patterns("blocks"))
    with pytest.raises(ReadError, match="copy fields/blocks/"):
        read_mesh(copy, "f")


def test_cli_info_and_scalars(outdir, tmp_path, capsys):
    assert main(["info", str(outdir)]) == 0
    info = capsys.readouterr().out
    assert "field iterations: 3 (0 .. 10)" in info and "meshes: E/x, E/y, E/z, f" in info
    assert "scalar rows: 11 (steps 0 .. 10); diagnostics: energy, mass" in info
    table = tmp_path / "s.csv"
    assert main(["scalars", str(outdir), "--csv", str(table)]) == 0
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["step", "time", "energy", "mass"] and len(rows) == 12
    assert float(rows[4][2]) == np.exp(-3.0) and rows[1][3] == "nan"


def test_cli_plot_writes_png(outdir, tmp_path):
    png = tmp_path / "summary.png"
    assert main(["plot", str(outdir), "--out", str(png), "--mesh", "E/y", "--iteration", "5"]) == 0
    assert png.read_bytes()[:8] == PNG


@pytest.mark.parametrize("case", ["1d", "3d"])
def test_plot_of_1d_and_3d_fields_without_scalars(tmp_path, case):
    from hpcsim.io import MeshWriter, Record
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm

    from io_fields import block_field

    shape = CASES[case][0]
    mesh = Mesh.create(Comm(), shape, [1.0] * len(shape), "periodic")
    MeshWriter(tmp_path / "fields", mesh, Comm(), DECK, "v").write(2, 0.2, 0.1, {"rho": Record(block_field(mesh))})
    png = tmp_path / "fig.png"
    assert main(["plot", str(tmp_path), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == PNG


def test_cli_errors_exit_2_with_a_message(outdir, tmp_path):
    post = [sys.executable, "-m", "postprocess"]
    cases = [(["plot", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.png")], "no such output directory"),
             (["plot", str(outdir), "--out", str(tmp_path / "x.png"), "--mesh", "rho"], "no mesh 'rho'"),
             (["info", str(tmp_path)], "neither diags/scalars.h5 nor field output")]
    for args, message in cases:
        proc = subprocess.run([*post, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_console_script_runs_without_hpcsim_or_mpi(outdir):
    proc = subprocess.run([str(BIN / "hpcsim-post"), "info", str(outdir)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "meshes:" in proc.stdout
    probe = ("import sys, postprocess, postprocess.cli, postprocess.plots; "
             "bad = [m for m in sys.modules if m.split('.')[0] in ('hpcsim', 'mpi4py', 'numba')]; "
             "assert not bad, bad")
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
