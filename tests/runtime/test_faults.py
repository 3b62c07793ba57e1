"""What users actually do to a run (issue 12): watch its output, fill its disk, point it at a directory it cannot
write, give it non-ASCII text, impossible sizes and inputs at the edge of stability. Each ends either in a
finished run or in one line `hpcsim: error: WHAT: REASON`, the documented exit status, no traceback."""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import ROOT, _env, run_cli
from hpcsim.cli import main
from hpcsim.io import verify
from test_deck_errors import GOOD_PIC as PIC

DIFFUSION = """
[diffusion]
D = 0.1
scheme = "backward_euler"
initial = "gaussian"
center = [0.5, 0.5]
width = 0.15
[mesh]
shape = [32, 32]
bc = "periodic"
[run]
dt = 0.001
steps = {steps}
[output]
diag_every = {diag_every}
checkpoint_every = {checkpoint_every}
checkpoint_keep = 2
"""


def write(tmp_path, text, name="deck.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def one_line_error(stderr, expect):
    assert stderr.startswith("hpcsim: error: ") and stderr.count("\n") == 1, stderr
    assert expect in stderr and "Traceback" not in stderr, stderr


def run_main(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


# -- live readers ------------------------------------------------------------------------------------------
def test_reader_holding_scalars_open_does_not_stop_a_two_rank_run(tmp_path):
    """`h5py.File('out/diags/scalars.h5', 'r')` held open in another process, as users watch a run: the run
    finishes with exit 0 and every row is written (with HDF5 file locking the writer died with BlockingIOError)."""
    steps, every = 600, 2
    deck = write(tmp_path, DIFFUSION.format(steps=steps, diag_every=every, checkpoint_every=0))
    out = tmp_path / "out"
    run = subprocess.Popen([str(Path(sys.executable).parent / "mpiexec"), "-n", "2", sys.executable, "-m", "hpcsim",
                            "run", str(deck), "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=_env())
    scalars = out / "diags" / "scalars.h5"
    reader = textwrap.dedent(f"""
        import h5py, os, sys, time
        path = {str(scalars)!r}
        while not os.path.exists(path):
            time.sleep(0.01)
        opened = 0
        while not os.path.exists(sys.argv[1]):
            try:
                f = h5py.File(path, "r")
            except OSError:          # opened in the middle of an append: a reader retries
                continue
            opened += 1
            time.sleep(0.2)          # hold it open while the run appends
            try:
                f["step"].shape
            except (OSError, KeyError):    # metadata cached before the appends: a reader reopens
                pass
            f.close()
        print(opened)
        """)
    done = tmp_path / "done"
    watcher = subprocess.Popen([sys.executable, "-c", reader, str(done)], stdout=subprocess.PIPE, text=True,
                               env=_env())
    stdout, stderr = run.communicate(timeout=300)
    done.touch()
    opened = int(watcher.communicate(timeout=60)[0])
    assert run.returncode == 0, stderr + stdout
    assert opened >= 2, "the reader must have held the file during the run"
    with h5py.File(scalars, "r") as f:
        np.testing.assert_array_equal(f["step"][...], np.arange(0, steps + 1, every))
        assert np.isfinite(f["mass"][...]).all()


# -- a disk that fills -------------------------------------------------------------------------------------
def _private_mount_namespace():
    """The command prefix of a private mount namespace in which this process may mount a tmpfs, or None."""
    for prefix in (["unshare", "-m", "--propagation", "private"], ["unshare", "-rm", "--propagation", "private"]):
        if shutil.which("unshare") and subprocess.run(
                [*prefix, "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True).returncode == 0:
            return prefix
    return None


@pytest.mark.parametrize("rescue", [False, True], ids=["no rescue directory", "HPCSIM_RESCUE_DIR"])
def test_disk_filling_during_a_two_rank_run_ends_in_one_line_with_verified_checkpoints(tmp_path, rescue):
    """A 4 MiB tmpfs filled by another file after the run's second checkpoint: the next write fails on one or
    both ranks, every rank ends with exit 1 and one line naming the path and 'No space left on device'; the
    partial checkpoint is removed and the complete ones verify. With HPCSIM_RESCUE_DIR on another file system
    the run's state is saved there (and verifies); without, the line names the newest verified checkpoint."""
    prefix = _private_mount_namespace()
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare -m / -rm) for a small tmpfs")
    deck = write(tmp_path, DIFFUSION.format(steps=20000, diag_every=1000, checkpoint_every=100))
    env = {"HPCSIM_RESCUE_DIR": str(tmp_path / "rescue")} if rescue else {}
    proc = subprocess.run([*prefix, sys.executable, str(ROOT / "tests" / "mpi_scripts" / "full_disk.py"), str(deck),
                           str(tmp_path), "2"], capture_output=True, text=True, timeout=300, env=_env(env))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["returncode"] == 1, result
    one_line_error(result["stderr"], "No space left on device")
    checkpoints = result["checkpoints"]
    assert len(checkpoints) >= 1 and all(ok for ok, _ in checkpoints.values()), checkpoints
    assert not any(name.startswith(".") for name in checkpoints), "no partial checkpoint stays behind"
    if rescue:
        (saved,) = (tmp_path / "rescue").glob("ckpt_*")
        assert verify(saved)[0] and int(saved.name[5:]) > int(max(checkpoints)[5:])
        assert f"the run's state was saved in {saved}: continue with --restart {saved} -o OUTDIR" in result["stderr"]
    else:
        assert "newest verified checkpoint: " in result["stderr"] and max(checkpoints) in result["stderr"]


def test_hdf5_release_errors_after_a_failed_write_stay_off_stderr(tmp_path, capsys, monkeypatch):
    """The intermittent tail of the full-disk run: after `collective` turned an OSError into the one-line
    OutputError, h5py objects released later fail again ('file write failed') through sys.unraisablehook;
    those are dropped, any other unraisable error is still printed."""
    from types import SimpleNamespace

    from hpcsim.io.faults import OutputError, collective
    from hpcsim.parallel import Comm

    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    with pytest.raises(OutputError, match="No space left on device"):
        with collective(Comm(), tmp_path / "f.h5"):
            raise OSError(28, "No space left on device", str(tmp_path / "f.h5"))
    released = (f"Can't decrement id ref count (file write failed: time = now, filename = '{tmp_path}/b.h5', "
                "errno = 28, error message = 'No space left on device', buf = 0x0)")
    with pytest.raises(OutputError, match=f"^{tmp_path}/b.h5: No space left on device$"):
        with collective(Comm(), tmp_path / "f.h5"):        # raised, not unraisable: the OSError's twin
            raise RuntimeError(released)
    with pytest.raises(RuntimeError, match="something else"):
        with collective(Comm(), tmp_path / "f.h5"):
            raise RuntimeError("something else")

    def unraisable(exc, obj):
        return SimpleNamespace(exc_type=type(exc), exc_value=exc, exc_traceback=None, err_msg=None, object=obj)

    sys.unraisablehook(unraisable(RuntimeError("Can't decrement id ref count (file write failed)"),
                                  "h5py._objects.ObjectID.__dealloc__"))
    assert capsys.readouterr().err == ""

    class Other:
        def __del__(self):
            raise ValueError("not an HDF5 handle")

    Other()
    assert "not an HDF5 handle" in capsys.readouterr().err


# -- output directories ------------------------------------------------------------------------------------
@pytest.mark.parametrize("where,expect", [
    ("file/out", "cannot create {tmp}/file/out: {tmp}/file is a file, not a directory"),
    ("/proc/hpcsim-out", "-o: cannot write in /proc"),
])
def test_output_directory_that_cannot_be_written(tmp_path, capsys, where, expect):
    (tmp_path / "file").write_text("")
    deck = write(tmp_path, PIC)
    outdir = where if where.startswith("/") else tmp_path / where
    code, _, err = run_main(capsys, ["run", deck, "-o", outdir])
    assert code == 2
    one_line_error(err, expect.format(tmp=tmp_path))


def test_read_only_output_file_system(tmp_path, capsys, monkeypatch):
    """A read-only mount (statvfs reports ST_RDONLY): refused before any rank works."""
    real = os.statvfs

    class ReadOnly:
        def __init__(self, path):
            self.f_flag = real(path).f_flag | os.ST_RDONLY

    monkeypatch.setattr("hpcsim.io.outdir.os.statvfs", ReadOnly)
    deck = write(tmp_path, PIC)
    code, _, err = run_main(capsys, ["run", deck, "-o", tmp_path / "out"])
    assert code == 2
    one_line_error(err, f"-o: cannot write in {tmp_path}: read-only file system")
    assert not (tmp_path / "out").exists()


# -- text ----------------------------------------------------------------------------------------------------
def test_non_ascii_species_name_is_refused(tmp_path, capsys):
    deck = write(tmp_path, PIC.replace('"electrons"', '"électrons"'))
    code, _, err = run_main(capsys, ["run", deck, "-o", tmp_path / "out"])
    assert code == 2
    one_line_error(err, "species[0].name: 'électrons' is not a name of ASCII letters")
    assert not (tmp_path / "out").exists()


def test_non_ascii_output_dir_is_stored_as_utf8(tmp_path):
    deck = write(tmp_path, PIC + '[output]\ndir = "résultats"\n')
    proc = run_cli(["run", deck], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "résultats"
    for path in (out / "diags" / "scalars.h5", out / "diags" / "parameters.h5"):
        with h5py.File(path, "r") as f:
            assert 'dir = "résultats"' in f.attrs["hpcsim_deck"].decode("utf-8")


# -- validation at the edges -------------------------------------------------------------------------------
UNIT_2D = PIC.replace("shape = [8]\nspacing = [0.1]", "shape = [10, 10]\nlength = [1.0, 1.0]")


@pytest.mark.parametrize("text,extra,expect", [
    (UNIT_2D, ["--set", f"run.dt={float(1 / np.sqrt(200))!r}"],
     "run.dt: dt = 0.0707107 is at or above the Yee Courant"),
    (PIC + PIC[PIC.index("[[species]]"):PIC.index("[mesh]")].replace('"electrons"', '"x_electrons"'), [],
     "species[1].name: 'x_electrons' ends with '_electrons', another species' name"),
    (PIC, ["--set", "species.0.temperature=1e300"], "species[0].temperature: T / m c^2 = 1e+300 >= 1"),
    (PIC, ["--set", "species.0.charge=-1e200"], "run.dt: dt omega_p = inf >= 2"),
    (PIC, ["--set", "species.0.particles_per_cell=1000000000"], "species.particles_per_cell: the run needs about"),
    (DIFFUSION.format(steps=10, diag_every=1, checkpoint_every=0), ["--set", "mesh.shape=[100000, 100000]"],
     "mesh.shape: the run needs"),
], ids=["courant limit up to rounding", "diagnostic names collide", "temperature 1e300", "charge -1e200",
        "1e9 particles per cell", "1e10 cells"])
def test_inputs_refused_by_check_and_run(tmp_path, capsys, text, extra, expect):
    deck = write(tmp_path, text)
    for command in (["check", deck], ["run", deck, "-o", tmp_path / "out"]):
        code, _, err = run_main(capsys, [*command, *extra])
        assert code == 2, err
        one_line_error(err, expect)
    assert not (tmp_path / "out").exists()


def test_step_just_below_the_courant_limit_is_accepted(tmp_path, capsys):
    deck = write(tmp_path, UNIT_2D)
    code, out, err = run_main(capsys, ["check", deck, "--set", f"run.dt={float((1 - 1e-8) / np.sqrt(200))!r}"])
    assert code == 0, err


def test_failure_while_the_model_is_built_is_one_line(tmp_path):
    """A non-finite value in the initial Gauss solve (rho = 1e300: its norm overflows), on 2 ranks: one line,
    exit 1, nothing written (the model is built before the output directory)."""
    deck = write(tmp_path, PIC.replace("mass = 1.0", "mass = 1e300\ndensity = 1e300"))
    proc = run_cli(["run", deck, "-o", tmp_path / "out"], nprocs=2)
    assert proc.returncode == 1, proc.stderr
    one_line_error(proc.stderr, "pic.initial_poisson: the initial Gauss's-law solve failed: CG breakdown")
    assert not (tmp_path / "out").exists()


def test_check_prints_the_estimate(tmp_path, capsys):
    deck = write(tmp_path, PIC)
    code, out, _ = run_main(capsys, ["check", deck, "--np", "2"])
    assert code == 0
    assert "memory: " in out and "per rank (largest block)" in out and "on 2 rank(s); disk: " in out


def test_run_refuses_output_larger_than_the_free_space(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("hpcsim.estimate.shutil.disk_usage", lambda path: shutil._ntuple_diskusage(1 << 30, 0, 1000))
    deck = write(tmp_path, PIC)
    code, _, err = run_main(capsys, ["run", deck, "-o", tmp_path / "out"])
    assert code == 2
    one_line_error(err, "output.dir: the run writes about")
    assert not (tmp_path / "out").exists()


def test_scalar_append_while_a_reader_holds_the_file(tmp_path):
    """The unit behind the two-rank test: an append (and a new diagnostic) while another process has the file
    open for reading."""
    from hpcsim.io import ScalarLog
    from hpcsim.parallel import Comm

    path = tmp_path / "scalars.h5"
    log = ScalarLog(path, Comm(), "deck")
    log.append(0, 0.0, {"a": 1.0})
    holder = subprocess.Popen([sys.executable, "-c", f"import h5py, time; f = h5py.File({str(path)!r}, 'r'); "
                               "print('open', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        t0 = time.perf_counter()
        log.append(1, 0.5, {"a": 2.0, "b": 3.0})
        assert time.perf_counter() - t0 < 5
    finally:
        holder.kill()
        holder.wait()
    with h5py.File(path, "r") as f:
        assert list(f["a"][...]) == [1.0, 2.0] and list(f["step"][...]) == [0, 1]


def test_log_file_that_cannot_be_written_warns_once_and_the_log_goes_on():
    """/dev/full fails every write with ENOSPC, as log.txt on a full disk."""
    import io

    from hpcsim.parallel import Comm
    from hpcsim.runtime.progress import RunLog

    stream = io.StringIO()
    log = RunLog(Comm(), "/dev/full", stream)
    log.info("first")
    log.info("second")
    log.close()
    assert stream.getvalue() == ("first\nhpcsim: warning: /dev/full: No space left on device; the log continues "
                                 "here only\nsecond\n")
