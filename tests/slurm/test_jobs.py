"""Job scripts written by `hpcsim submit`, run by a real Slurm (slurmctld + slurmd, srun with PMI2 and the
mpich wheel): a 2-rank job against mpiexec, the USR1 warning -> checkpoint -> exit 75 -> requeue ->
`--restart latest` cycle ending bit for bit where an uninterrupted run ends (a linear-solver deck and a PIC
deck), a bad deck stopped before srun, and stopping a job with scancel.

USR1 comes from `scancel --signal=USR1 --batch`, which is what `#SBATCH --signal=B:USR1@T` delivers, but at a
moment the test chooses: Slurm's own timer fires only to within about 30 s."""
import re

import h5py
import numpy as np
import pytest

from hpcsim.io import find_latest, verify
from hpcsim.linalg.dcdm.network import Network
from postprocess.report import write_report

from conftest import ROOT, run_mpi
from test_pic_runs import walk
from test_runs import deck as diffusion_deck

# Two-stream instability, 1D3V, 2 x 8 particles per cell: 600 steps take a few seconds on 2 ranks.
TWO_STREAM = (ROOT / "decks" / "pic" / "two_stream.toml",
              ["--set", "run.steps=600", "--set", "species.0.particles_per_cell=8",
               "--set", "species.1.particles_per_cell=8", "--set", "output.fields_every=0"])


def final_state(outdir, steps):
    """Every dataset of the end-of-run checkpoint (fields, particles with ids, RNG states) and of the scalars."""
    with h5py.File(outdir / "checkpoints" / f"ckpt_{steps:08d}" / "checkpoint.h5", "r") as f:
        state = walk(f)
    with h5py.File(outdir / "diags" / "scalars.h5", "r") as f:
        state.update({f"scalars/{k}": v for k, v in walk(f).items()})
    return state


def assert_same_run(a, b):
    assert a.keys() == b.keys()
    for key in a:
        floats = a[key].dtype.kind in "fc"   # NaN marks rows without a value (e.g. no solve at step 0)
        assert np.array_equal(a[key], b[key], equal_nan=floats), f"{key} differs"


def slurm_log(outdir, jobid):
    return (outdir / f"slurm-{jobid}.out").read_text()


@pytest.fixture(scope="module")
def diffusion(tmp_path_factory):
    """(deck path, state of the uninterrupted 2-rank run under mpiexec)."""
    base = tmp_path_factory.mktemp("diffusion")
    deck = diffusion_deck(base, steps=3000, every=0, name="diffusion.toml")
    run_mpi(2, ["-m", "hpcsim", "run", deck, "-o", base / "reference"])
    return deck, final_state(base / "reference", 3000)


def test_two_rank_job_equals_mpiexec(cluster, diffusion, tmp_path):
    deck, reference = diffusion
    jobid = cluster.submit(deck, tmp_path / "job", cwd=tmp_path)
    info = cluster.wait(jobid)
    log = slurm_log(tmp_path / "job", jobid)
    assert (info["JobState"], info["ExitCode"], info["Restarts"]) == ("COMPLETED", "0:0", "0"), log
    assert "diffusion on 2 rank(s)" in log and "run finished" in log
    assert_same_run(final_state(tmp_path / "job", 3000), reference)


def interrupted_run(cluster, deck, extra, outdir):
    """Submit, send USR1 to the batch shell once the run is stepping, wait for the requeued job to finish;
    returns (scontrol's job record, the job log, the step the first attempt stopped at)."""
    jobid = cluster.submit(deck, outdir, *extra, cwd=outdir.parent)
    cluster.wait_for_steps(outdir)
    cluster.tool("scancel", "--batch", "--signal=USR1", str(jobid))
    info = cluster.wait(jobid)
    log = slurm_log(outdir, jobid)
    stopped = [int(step) for step in re.findall(r"^stopped at step (\d+) .*SIGUSR1", log, re.MULTILINE)]
    return info, log, stopped


@pytest.mark.parametrize("family", ["linear solver", "pic"])
def test_usr1_checkpoints_requeues_and_continues_bit_for_bit(cluster, diffusion, family, tmp_path):
    if family == "pic":
        deck, extra = TWO_STREAM
        steps = 600
        run_mpi(2, ["-m", "hpcsim", "run", deck, "-o", tmp_path / "reference", *extra])
        reference = final_state(tmp_path / "reference", steps)
    else:
        (deck, reference), extra, steps = diffusion, [], 3000
    info, log, stopped = interrupted_run(cluster, deck, extra, tmp_path / "job")
    assert (info["JobState"], info["ExitCode"], info["Restarts"]) == ("COMPLETED", "0:0", "1"), log
    assert len(stopped) == 1 and 0 < stopped[0] < steps, log
    assert "SIGUSR1 received: asking the ranks to checkpoint and stop" in log
    assert "requeueing (requeue 1 of 5)" in log and "attempt 2 on 1 node(s)" in log
    assert f"restarted from {tmp_path / 'job'}/checkpoints/ckpt_{stopped[0]:08d}" in log
    assert_same_run(final_state(tmp_path / "job", steps), reference)
    # the run's report page tells the same story
    page = write_report(tmp_path / "job").read_text()
    assert f"stopped at step {stopped[0]} " in page and "requeueing (requeue 1 of 5)" in page
    assert page.count("<th>attempt</th>") == 2 and f"finished step {steps}" in page


def test_bad_deck_stops_before_srun_and_is_not_requeued(cluster, diffusion, tmp_path):
    """The deck was valid when submitted and broken before the job started: the job's own check stops it."""
    deck = tmp_path / "deck.toml"
    deck.write_text(diffusion[0].read_text())
    script = tmp_path / "job.sh"
    outdir = tmp_path / "job"
    script.write_text(cluster.script(deck, outdir))
    deck.write_text(deck.read_text().replace("D = 0.1", "D = -0.1"))
    outdir.mkdir()
    jobid = cluster.sbatch(script, cwd=tmp_path)
    info = cluster.wait(jobid)
    log = slurm_log(outdir, jobid)
    assert (info["JobState"], info["ExitCode"], info["Restarts"]) == ("FAILED", "2:0", "0"), log
    assert "diffusion.D" in log and "the deck check failed (status 2): not running" in log
    assert "hpcsim 0.1.0:" not in log and not (outdir / "deck.toml").exists()   # srun never ran


def test_scancel_batch_term_checkpoints_stops_and_continues(cluster, diffusion, tmp_path):
    """`scancel --batch --signal=TERM`: checkpoint, exit 75, no requeue; `hpcsim submit --restart` finishes the
    run exactly as an uninterrupted one."""
    deck, reference = diffusion
    outdir = tmp_path / "job"
    jobid = cluster.submit(deck, outdir, cwd=tmp_path)
    cluster.wait_for_steps(outdir)
    cluster.tool("scancel", "--batch", "--signal=TERM", str(jobid))
    info = cluster.wait(jobid)
    log = slurm_log(outdir, jobid)
    assert (info["JobState"], info["ExitCode"], info["Restarts"]) == ("FAILED", "75:0", "0"), log
    assert "stopped by SIGTERM after writing a checkpoint; not requeued" in log
    latest, _ = find_latest(outdir / "checkpoints")
    assert latest is not None and 0 < int(latest.name.split("_")[1]) < 3000
    jobid = cluster.submit(deck, outdir, "--restart", cwd=tmp_path)
    info = cluster.wait(jobid)
    log = slurm_log(outdir, jobid)
    assert (info["JobState"], info["ExitCode"]) == ("COMPLETED", "0:0"), log
    assert f"restarted from {latest}" in log
    assert_same_run(final_state(outdir, 3000), reference)


def test_plain_scancel_leaves_a_verified_checkpoint(cluster, diffusion, tmp_path):
    """A plain `scancel` sends TERM to srun too, which then kills the ranks at once: what remains is the newest
    complete periodic checkpoint (or the one the ranks managed to write), and it verifies."""
    deck, _ = diffusion
    outdir = tmp_path / "job"
    jobid = cluster.submit(deck, outdir, "--set", "output.checkpoint_every=100", cwd=tmp_path)
    cluster.wait_for_steps(outdir)
    checkpoints = outdir / "checkpoints"
    cluster.wait_until(lambda: len(list(checkpoints.glob("ckpt_*"))) >= 2, "two periodic checkpoints")
    cluster.tool("scancel", str(jobid))
    info = cluster.wait(jobid)
    assert (info["JobState"], info["Restarts"]) == ("CANCELLED", "0"), slurm_log(outdir, jobid)
    latest, messages = find_latest(checkpoints)
    assert latest is not None, messages
    assert verify(latest) == (True, "") and 100 <= int(latest.name.split("_")[1]) < 3000


TRAINING = """[mesh]
shape = [16, 16]
bc = "dirichlet"

[dcdm]
ritz_vectors = 40
samples = 16
channels = 4
levels = "auto"
epochs = 300
batch = 4
seed = 2
checkpoint_every = 1000
"""


def test_training_job_stops_at_usr1_requeues_and_resumes_bit_for_bit(cluster, tmp_path):
    """`hpcsim submit` of a DCDM training deck: 2 ranks train data-parallel; USR1 ends the epoch under way with a
    checkpoint (off its schedule) and status 75, the requeued job resumes from it, and the weights are those of
    an uninterrupted 2-rank run under mpiexec, bit for bit."""
    pytest.importorskip("torch")
    deck = tmp_path / "train.toml"
    deck.write_text(TRAINING)
    run_mpi(2, ["-m", "hpcsim", "train", deck, "-o", tmp_path / "reference"])
    outdir = tmp_path / "job"
    jobid = cluster.submit(deck, outdir, cwd=tmp_path)
    progress = outdir / "log.txt"
    cluster.wait_until(lambda: progress.is_file() and "epoch 2/300" in progress.read_text(), "epoch 2")
    cluster.tool("scancel", "--batch", "--signal=USR1", str(jobid))
    info = cluster.wait(jobid)
    log = slurm_log(outdir, jobid)
    assert (info["JobState"], info["ExitCode"], info["Restarts"]) == ("COMPLETED", "0:0", "1"), log
    stopped = [int(e) for e in re.findall(r"^stopped by SIGUSR1 after epoch (\d+) of 300", log, re.MULTILINE)]
    assert len(stopped) == 1 and 2 <= stopped[0] < 300, log
    assert "training on 2 ranks x 1 thread" in log and f"resumed at epoch {stopped[0]} on 16x16 cells" in log
    assert "requeueing (requeue 1 of 5)" in log and "run finished" in log
    trained, reference = (Network.load(d / "weights.h5") for d in (outdir, tmp_path / "reference"))
    assert trained.meta["epochs"] == 300
    for name, (w, _) in reference.weights.items():
        assert np.array_equal(trained.weights[name][0], w), name
