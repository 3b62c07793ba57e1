"""Shared test helpers: launching MPI jobs and the hpcsim CLI as subprocesses."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env(extra=None):
    env = dict(os.environ)
    env.setdefault("NUMBA_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if extra:
        env.update(extra)
    return env


def run_mpi(nprocs, args, timeout=300, cwd=None, env=None, check=True):
    """Run `python ARGS...` under `mpiexec -n NPROCS`; return the CompletedProcess (text output)."""
    mpiexec = BIN / "mpiexec"
    cmd = [str(mpiexec), "-n", str(nprocs), sys.executable, *map(str, args)]
    if nprocs > len(os.sched_getaffinity(0)):       # more ranks than cores: MPICH's waiting ranks yield their core
        env = {"MPIR_CVAR_ENABLE_HEAVY_YIELD": "1", **(env or {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=_env(env))
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def run_cli(args, nprocs=1, timeout=300, cwd=None, env=None, check=False):
    """Run `python -m hpcsim ARGS` (under mpiexec when nprocs > 1)."""
    if nprocs > 1:
        return run_mpi(nprocs, ["-m", "hpcsim", *args], timeout=timeout, cwd=cwd, env=env, check=check)
    cmd = [sys.executable, "-m", "hpcsim", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=_env(env))


@pytest.fixture
def mpirun():
    return run_mpi


@pytest.fixture
def cli():
    return run_cli


# The numba.cuda kernels run under the CUDA simulator in their own pytest process (`make test` runs
# `NUMBA_ENABLE_CUDASIM=1 pytest tests/cudasim`): the simulator must be enabled before numba is imported.
# On a GPU machine, `HPCSIM_CUDA_DEVICE_TESTS=1 pytest tests/cudasim` runs the same tests on the device.
_KERNEL_TARGET = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or os.environ.get("HPCSIM_CUDA_DEVICE_TESTS") == "1"
collect_ignore = [] if _KERNEL_TARGET else ["cudasim"]


DIFFUSION = """
[diffusion]
D = 0.1
scheme = "{scheme}"
initial = "gaussian"
center = [0.3, 0.6]
width = 0.15
bc_value = [[1.0, 0.0], [0.0, 0.0]]
[mesh]
shape = [24, 20]
bc = ["dirichlet", "periodic"]
[run]
dt = 0.01
steps = {steps}
[solver]
rtol = 1e-10
[output]
diag_every = 2
fields_every = 0
checkpoint_every = {every}
checkpoint_keep = 5
"""


def diffusion_deck(tmp_path, steps=20, every=5, scheme="crank_nicolson", name="deck.toml"):
    """A small 2-D diffusion deck (Crank-Nicolson by default) with checkpoints every `every` steps."""
    path = tmp_path / name
    path.write_text(DIFFUSION.format(steps=steps, every=every, scheme=scheme))
    return path
