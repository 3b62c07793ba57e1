"""End-to-end runs through the CLI (restart bit for bit and on another rank count: tests/contract): poisson on 1
against 2 ranks, signals and the wall-time limit (checkpoint, exit 75, continue), SIGKILL during a checkpoint, a corrupted
checkpoint, the NaN guard, and an exception on one rank ending the whole job."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import DIFFUSION, _env, run_cli, run_mpi
from conftest import diffusion_deck as deck

def final_field(outdir, name="u"):
    """The global field of the last openPMD dump (any rank count wrote it)."""
    files = sorted((Path(outdir) / "fields").glob("data_*.h5"))
    with h5py.File(files[-1], "r") as f:
        it = list(f["data"].keys())[0]
        return f[f"data/{it}/meshes/{name}"][...], int(it)


def ok(proc):
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def test_poisson_two_ranks_equal_one_rank(tmp_path):
    args = ["run", "decks/linalg/poisson3d.toml", "--set", "mesh.shape=[16,16,16]"]
    root = Path(__file__).resolve().parents[2]
    ok(run_cli([*args, "-o", tmp_path / "one"], cwd=root))
    ok(run_cli([*args, "-o", tmp_path / "two"], nprocs=2, cwd=root))
    u1, _ = final_field(tmp_path / "one")
    u2, _ = final_field(tmp_path / "two")
    assert u1.shape == (16, 16, 16)
    # Same algorithm, reductions summed in another order: the solutions agree to round-off amplified by the
    # iteration, far below the solver tolerance (1e-10).
    assert np.max(np.abs(u1 - u2)) <= 1e-12 * np.max(np.abs(u1))
    with h5py.File(tmp_path / "one" / "diags" / "scalars.h5", "r") as f1, \
            h5py.File(tmp_path / "two" / "diags" / "scalars.h5", "r") as f2:
        assert f1["iterations"][-1] == f2["iterations"][-1]
        assert f1["error_l2"][-1] == pytest.approx(f2["error_l2"][-1], rel=1e-10)
        assert f1["error_l2"][-1] < 1e-2


def test_sigkill_during_checkpoint_restarts_from_previous(tmp_path):
    full = deck(tmp_path, steps=20)
    ok(run_cli(["run", full, "-o", tmp_path / "full"]))
    killed = run_cli(["run", full, "-o", tmp_path / "crash"], env={"HPCSIM_FAULT_KILL_IN_CHECKPOINT": "15"})
    assert killed.returncode == -signal.SIGKILL
    ckpts = tmp_path / "crash" / "checkpoints"
    assert (ckpts / "ckpt_00000010").is_dir() and not (ckpts / "ckpt_00000015").exists()
    out = ok(run_cli(["run", full, "-o", tmp_path / "crash", "--restart", "latest"]))
    assert "ckpt_00000010" in out.stdout
    assert np.array_equal(final_field(tmp_path / "full")[0], final_field(tmp_path / "crash")[0])


def test_corrupted_checkpoint_is_skipped(tmp_path):
    full = deck(tmp_path, steps=20)
    ok(run_cli(["run", full, "-o", tmp_path / "full"]))
    ok(run_cli(["run", full, "-o", tmp_path / "bad", "--set", "run.steps=15"]))
    newest = tmp_path / "bad" / "checkpoints" / "ckpt_00000015"
    victim = max((p for p in newest.rglob("*.h5")), key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    out = ok(run_cli(["run", full, "-o", tmp_path / "bad", "--restart", "latest"]))
    assert "ckpt_00000015" in out.stdout and "ckpt_00000010" in out.stdout   # skipped, with the reason
    assert np.array_equal(final_field(tmp_path / "full")[0], final_field(tmp_path / "bad")[0])


def _start(args, nprocs=1):
    exe = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(nprocs)] if nprocs > 1 else []
    return subprocess.Popen([*exe, sys.executable, "-m", "hpcsim", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGUSR1"])
def test_signal_checkpoints_and_exits_75_then_restarts(tmp_path, signame):
    long = deck(tmp_path, steps=4000, every=0, scheme="backward_euler")
    out = tmp_path / "sig"
    proc = _start(["run", long, "-o", out])
    scalars = out / "diags" / "scalars.h5"
    deadline = time.time() + 60
    while not scalars.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(getattr(signal, signame))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 75, stderr + stdout
    assert f"on {signame}" in stdout and "--restart latest" in stdout
    ckpts = sorted((out / "checkpoints").glob("ckpt_*"))
    assert len(ckpts) == 1
    stopped_at = int(ckpts[0].name.split("_")[1])
    assert 0 < stopped_at < 4000
    ok(run_cli(["run", long, "-o", out, "--restart", "latest", "--set", f"run.steps={stopped_at + 4}"]))
    ok(run_cli(["run", long, "-o", tmp_path / "ref", "--set", f"run.steps={stopped_at + 4}"]))
    assert np.array_equal(final_field(out)[0], final_field(tmp_path / "ref")[0])


def test_signal_under_mpi_stops_every_rank(tmp_path):
    long = deck(tmp_path, steps=4000, every=0, scheme="backward_euler")
    out = tmp_path / "sig2"
    proc = _start(["run", long, "-o", out], nprocs=2)
    deadline = time.time() + 60
    while not (out / "diags" / "scalars.h5").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)   # mpiexec forwards it to every rank
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 75, stderr + stdout
    assert len(list((out / "checkpoints").glob("ckpt_*"))) == 1


def test_wall_time_limit_checkpoints_and_exits_75(tmp_path):
    long = deck(tmp_path, steps=200000, every=0, scheme="backward_euler")
    t0 = time.time()
    proc = run_cli(["run", long, "-o", tmp_path / "wall", "--set", "run.wall_time=8"])
    assert proc.returncode == 75, proc.stderr
    assert time.time() - t0 < 30
    assert "wall-time limit 0:00:08" in proc.stdout
    assert len(list((tmp_path / "wall" / "checkpoints").glob("ckpt_*"))) == 1


def test_nan_guard_names_step_field_and_rank(tmp_path):
    d = deck(tmp_path, steps=400, every=0)
    # an explicit step on a field near the float64 limit overflows: the guard stops the run at step 1
    proc = run_cli(["run", d, "-o", tmp_path / "nan", "--set", "diffusion.amplitude=1e308", "--set",
                    "diffusion.scheme=forward_euler", "--set", "run.dt=0.001", "--set", "output.diag_every=1"],
                   nprocs=2)
    assert proc.returncode == 1
    assert "non-finite values at step 1 " in proc.stderr and "rank 0: u" in proc.stderr and "rank 1: u" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_exception_on_one_rank_aborts_the_job(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(
        "from hpcsim.parallel import Comm, install_abort_on_exception\n"
        "comm = Comm()\ninstall_abort_on_exception(comm)\n"
        "if comm.rank == 1:\n    raise RuntimeError('deliberate failure on rank 1')\n"
        "comm.barrier()\n")
    t0 = time.time()
    proc = run_mpi(2, [script], timeout=60, check=False)
    assert proc.returncode != 0
    assert time.time() - t0 < 30
    assert "deliberate failure on rank 1" in proc.stderr and "aborting all ranks" in proc.stderr


def test_info_reports_the_stack():
    proc = ok(run_cli(["info"]))
    for word in ("hpcsim", "numba", "MPICH", "HDF5", "GPU"):
        assert word in proc.stdout


def test_diffusion_relaxes_to_the_conduction_profile(tmp_path):
    """Hot wall u = 1 at x = 0, cold wall u = 0 at x = L: the steady state is u = 1 - x / L, which the
    cell-centred scheme represents exactly (its Laplacian vanishes and the face reflection is exact)."""
    d = tmp_path / "wall.toml"
    d.write_text(DIFFUSION.format(steps=300, every=0, scheme="backward_euler").replace("D = 0.1", "D = 1.0")
                 .replace("dt = 0.01", "dt = 0.05").replace("shape = [24, 20]", "shape = [32, 8]"))
    ok(run_cli(["run", d, "-o", tmp_path / "wall"], nprocs=2))
    u, _ = final_field(tmp_path / "wall")
    x = (np.arange(32) + 0.5) / 32
    np.testing.assert_allclose(u, np.broadcast_to((1.0 - x)[:, None], u.shape), atol=1e-7)


def test_poisson_manufactured_in_two_dimensions_writes_its_error(tmp_path):
    """The exact solution has the owned block's 2-D shape: the error field and error_l2 are those of the grid
    (they used to broadcast to a 3-D array)."""
    d = tmp_path / "p2.toml"
    d.write_text("[poisson]\nsource = 'manufactured'\nmodes = [1, 2]\n[mesh]\nshape = [16, 12]\nbc = 'dirichlet'\n"
                 "[solver]\nrtol = 1e-10\n")
    ok(run_cli(["run", d, "-o", tmp_path / "out"]))
    error, _ = final_field(tmp_path / "out", "error")
    assert error.shape == (16, 12)
    with h5py.File(tmp_path / "out" / "diags" / "scalars.h5", "r") as f:
        # second-order error of the 5-point Laplacian on 16 x 12 cells: a few 1e-3 of the unit amplitude
        assert 1e-4 < f["error_l2"][-1] < 1e-2
