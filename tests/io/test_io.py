"""The scalar time series, checkpoint housekeeping, and the postprocess package's independence from hpcsim
(openPMD field output and its read-back through postprocess: test_io_openpmd.py)."""
from pathlib import Path

import h5py
import numpy as np


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

    for path in (Path(__file__).resolve().parents[2] / "postprocess").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in ("hpcsim", "mpi4py", "numba") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("hpcsim", "mpi4py", "numba"), path


def test_postprocess_installs_and_runs_without_mpi_numba_or_hpcsim(tmp_path):
    """`pip install ./postprocess` gives a package that imports and runs its CLI with mpi4py, numba and hpcsim
    unavailable (as on a laptop)."""
    import shutil
    import subprocess
    import sys

    source = tmp_path / "postprocess"       # a copy: the build leaves its files beside the sources
    shutil.copytree(Path(__file__).resolve().parents[2] / "postprocess", source,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    assert (target / "postprocess" / "cli.py").exists() and not (target / "hpcsim").exists()
    blocked = "import sys; [sys.modules.__setitem__(m, None) for m in ('mpi4py', 'numba', 'hpcsim')]; "
    code = blocked + "sys.argv = ['hpcsim-post', '--help']; import postprocess.cli as c; c.main()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=target,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "usage: hpcsim-post" in proc.stdout
    assert str(target) in subprocess.run([sys.executable, "-c", blocked + "import postprocess; print(postprocess.__file__)"],
                                         capture_output=True, text=True, cwd=target,
                                         env={"PYTHONPATH": str(target)}).stdout
