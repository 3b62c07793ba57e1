"""The `slurm` test group: a real one-node Slurm started once per session by `cluster.sh`, or every test of
the group skipped with the reason (not root, slurm-wlm or munge missing, a daemon that does not start)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import pytest

HERE = Path(__file__).resolve().parent
TOOLS = ("slurmctld", "slurmd", "munged", "sbatch", "scontrol", "scancel", "sinfo")
SLURM_VERSION = []   # `sinfo --version` of the session's cluster, once it is up
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
         "DEADLINE"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slurm: runs jobs on a real one-node Slurm (tests/slurm/cluster.sh)")


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slurm)


def pytest_terminal_summary(terminalreporter):
    """One line in every pytest summary that says whether the group ran on a real Slurm, so that a CI log shows it."""
    counts = {outcome: sum("slurm/test_" in getattr(r, "nodeid", "") for r in terminalreporter.stats.get(outcome, ()))
              for outcome in ("passed", "failed", "error", "skipped")}
    if any(counts.values()):
        ran = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
        terminalreporter.write_line(f"slurm group (tests/slurm): {ran}; {' '.join(SLURM_VERSION) or 'no cluster'}")


def _why_not():
    """Why this machine cannot run the cluster, or None."""
    if os.geteuid() != 0:
        return "needs root (slurmd runs the jobs; CI runs as root)"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not found: apt-get install slurm-wlm munge (.ci/run does this)"
    return None


class Cluster:
    """A running test cluster: submit with `hpcsim submit`, watch and signal jobs through Slurm's own tools."""

    venv = sys.prefix   # activated in the jobs (`hpcsim submit --venv`)

    def __init__(self, directory):
        self.dir = directory
        self.env = {**os.environ, "SLURM_CONF": str(directory / "slurm.conf"),
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.env.pop("NUMBA_ENABLE_CUDASIM", None)

    def tool(self, *args, check=True):
        proc = subprocess.run(list(args), capture_output=True, text=True, env=self.env, timeout=30)
        if check and proc.returncode:
            raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}{self.logs()}")
        return proc.stdout

    def _submit(self, deck, outdir, options):
        """`hpcsim submit DECK -o OUTDIR OPTIONS` for 2 ranks on one node, with this virtualenv in the job."""
        return [sys.executable, "-m", "hpcsim", "submit", str(deck), "-o", str(outdir), "--ntasks-per-node", "2",
                "--time", "10", "--signal-lead", "60", "--venv", self.venv, *map(str, options)]

    def submit(self, deck, outdir, *options, cwd):
        """Submit with `hpcsim submit`; the job id."""
        proc = subprocess.run(self._submit(deck, outdir, options), capture_output=True, text=True, env=self.env,
                              cwd=cwd, timeout=60)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return int(re.search(r"Submitted batch job (\d+)", proc.stdout)[1])

    def script(self, deck, outdir, *options):
        """The job script `hpcsim submit --dry-run` prints."""
        return self.tool(*self._submit(deck, outdir, [*options, "--dry-run"]))

    def sbatch(self, script, cwd):
        return int(subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True,
                                  env=self.env, cwd=cwd, check=True).stdout.split(";")[0])

    def job(self, jobid):
        """`scontrol show job` as a dict (JobState, Restarts, ExitCode, ...)."""
        text = self.tool("scontrol", "show", "job", "--oneliner", str(jobid))
        return dict(item.split("=", 1) for item in text.split() if "=" in item)

    def wait(self, jobid, timeout=300):
        """Wait until the job reaches a final state (a requeued job passes through PENDING again)."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.job(jobid)
            if info["JobState"] in FINAL:
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"job {jobid} still {info['JobState']} after {timeout} s{self.logs()}")
            time.sleep(0.5)

    def wait_until(self, predicate, what, timeout=300):
        """Poll `predicate()` until it is true; AssertionError naming `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}{self.logs()}")
            time.sleep(0.1)

    def wait_for_steps(self, outdir):
        """Wait until the run in OUTDIR is in its step loop: diags/scalars.h5 holds a row after step 0. (A USR1
        that comes earlier, after MPI_Init and before the loop's handler, is swallowed by a handler MPI_Init
        installs: see the README's Slurm section.)"""
        def stepping():
            try:
                with h5py.File(outdir / "diags" / "scalars.h5", "r", locking=False) as f:
                    return f["step"].size > 0 and f["step"][-1] > 0
            except (OSError, KeyError):   # not there yet, or caught while the run appends to it
                return False

        self.wait_until(stepping, f"the run in {outdir} to pass step 0")

    def logs(self):
        return "".join(f"\n--- {p.name} (last lines) ---\n" + "\n".join(p.read_text().splitlines()[-15:])
                       for p in (self.dir / "slurmctld.log", self.dir / "slurmd.log") if p.is_file())


@pytest.fixture(scope="session")
def cluster():
    """The session's one-node Slurm (4 CPUs), stopped at the end of the session."""
    why = _why_not()
    if why:
        pytest.skip(f"Slurm tests skipped: {why}")
    directory = Path(tempfile.mkdtemp(prefix="hpcsim-slurm-"))  # short: munge's socket path must fit 108 bytes
    proc = subprocess.run(["bash", str(HERE / "cluster.sh"), "start", str(directory), "4"], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode:
        subprocess.run(["bash", str(HERE / "cluster.sh"), "stop", str(directory)], capture_output=True)
        pytest.skip(f"Slurm tests skipped: the test cluster did not start: {proc.stderr.strip()}")
    cluster = Cluster(directory)
    SLURM_VERSION.append(f"on a real one-node Slurm ({cluster.tool('sinfo', '--version').strip()})")
    try:
        yield cluster
    finally:
        subprocess.run(["bash", str(HERE / "cluster.sh"), "stop", str(directory)], capture_output=True, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)
