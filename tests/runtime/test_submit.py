"""`hpcsim submit`: job options, rendered Slurm scripts, and the scripts' signal/requeue logic run under bash
with stand-ins for srun, scontrol, python and sbatch."""
import argparse
import os
import re
import shlex
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w

from hpcsim.errors import InputError
from hpcsim.submit import JobOptions, add_arguments, options_from_args, render, submit, time_seconds, validate

ROOT = Path(__file__).resolve().parents[2]
DECK = "decks/linalg/poisson3d.toml"


def cpu_options(**changes):
    base = dict(deck=DECK, time="02:00:00", outdir="runs/p3d", nodes=2, ntasks_per_node=8, cpus_per_task=4)
    return JobOptions(**{**base, **changes})


def header(text):
    """The `#SBATCH` options of a script, in order."""
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith("#SBATCH ")]


# -- rendering ----------------------------------------------------------------------------------------------
def test_cpu_script_header_and_threads():
    text = render(cpu_options(partition="cpu", qos="long", sbatch_lines=["--constraint=genoa"]))
    assert text.startswith("#!/bin/bash\n")
    assert header(text) == [
        "--job-name=poisson3d", "--nodes=2", "--ntasks-per-node=8", "--cpus-per-task=4", "--time=02:00:00",
        "--partition=cpu", "--qos=long", "--constraint=genoa", "--output=runs/p3d/slurm-%j.out",
        "--signal=B:USR1@300", "--requeue", "--open-mode=append"]
    assert "export NUMBA_NUM_THREADS=4\n" in text and "export OMP_NUM_THREADS=4\n" in text
    assert "srun --cpus-per-task=4 " in text
    assert "--gres" not in text and "run.backend" not in text
    assert "--np 16\n" in text  # the deck check sees all 2 x 8 ranks


def test_optional_header_lines_only_when_given():
    text = render(cpu_options())
    assert not any(opt.startswith(("--partition", "--account", "--qos")) for opt in header(text))
    assert "--account=proj42" in header(render(cpu_options(account="proj42")))


def test_requeue_logic_present():
    text = render(cpu_options(max_requeues=3, signal_lead_seconds=600))
    assert "--signal=B:USR1@600" in header(text)
    assert "trap 'forward USR1' USR1" in text and 'kill -USR1 "$srun_pid"' in text
    assert "75)" in text and 'scontrol requeue "$SLURM_JOB_ID"' in text
    assert "max_requeues=3\n" in text and "restart_count=${SLURM_RESTART_COUNT:-0}" in text
    assert "restart_args=(--restart latest)" in text


def test_gpu_script():
    text = render(JobOptions(deck=DECK, time="1-00:00:00", outdir="runs/g", nodes=4, gpus_per_node=4))
    opts = header(text)
    assert "--ntasks-per-node=4" in opts and "--cpus-per-task=1" in opts and "--gres=gpu:4" in opts
    assert "--time=1-00:00:00" in opts and "--signal=B:USR1@300" in opts and "--requeue" in opts
    assert "set_args=(--set run.backend=gpu)\n" in text
    assert "export NUMBA_NUM_THREADS=1\n" in text
    assert "--np 16\n" in text


def test_gpu_script_two_nodes_of_four_gpus():
    """2 nodes x 4 GPUs: four ranks per node, one GPU each by node-local rank, all 8 in the deck check."""
    text = render(JobOptions(deck=DECK, time="04:00:00", outdir="runs/g", nodes=2, gpus_per_node=4,
                             cpus_per_task=8))
    assert header(text)[:6] == ["--job-name=poisson3d", "--nodes=2", "--ntasks-per-node=4", "--cpus-per-task=8",
                                "--gres=gpu:4", "--time=04:00:00"]
    assert not any(opt.startswith(("--gpus", "--gpu-bind", "--ntasks=")) for opt in header(text))
    assert "--np 8\n" in text and "set_args=(--set run.backend=gpu)\n" in text
    assert "export NUMBA_NUM_THREADS=8\n" in text and "srun --cpus-per-task=8 " in text
    # the binding: every GPU of a node visible to each of its ranks, which takes its node-local rank's GPU
    assert "each rank uses the GPU\n# at its node-local rank (local rank modulo visible GPUs)" in text
    assert "CUDA_VISIBLE_DEVICES" not in text


def test_setup_lines_and_quoting():
    text = render(cpu_options(modules=["gcc/12", "openmpi/4.1"], venv="my envs/hpc",
                              set_overrides=["mesh.shape=[64,64,64]", "output.dir=a b"]))
    assert "module load gcc/12\nmodule load openmpi/4.1\nsource 'my envs/hpc/bin/activate'\n" in text
    assert "set_args=(--set 'mesh.shape=[64,64,64]' --set 'output.dir=a b')" in text


def test_threads_fill_the_node_from_cores_per_node():
    opts = validate(JobOptions(deck=DECK, time="60", ntasks_per_node=8, cores_per_node=128))
    assert (opts.ntasks_per_node, opts.cpus_per_task) == (8, 16)
    opts = validate(JobOptions(deck=DECK, time="60", cores_per_node=64))
    assert (opts.ntasks_per_node, opts.cpus_per_task) == (1, 64)
    opts = validate(JobOptions(deck=DECK, time="60", gpus_per_node=4, cores_per_node=64))
    assert (opts.ntasks_per_node, opts.cpus_per_task) == (4, 1)
    opts = validate(JobOptions(deck=DECK, time="60"))
    assert (opts.ntasks_per_node, opts.cpus_per_task, opts.job_name) == (1, 1, "poisson3d")
    # more than 256 cores per node is allowed when the node size is left to the user
    assert validate(JobOptions(deck=DECK, time="60", ntasks_per_node=64, cpus_per_task=8)).cpus_per_task == 8


@pytest.mark.parametrize("gpus", [0, 2])
def test_rendered_scripts_are_valid_bash(tmp_path, gpus):
    opts = cpu_options(gpus_per_node=gpus, ntasks_per_node=None, modules=["cuda/12"], venv=".venv",
                       set_overrides=["a.b='x y'"], partition="p", account="a", qos="q", restart=True)
    script = tmp_path / "job.sh"
    script.write_text(render(opts))
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("text, seconds", [("90", 5400), ("02:00:00", 7200), ("48:00:30", 172830),
                                           ("1-12:00:00", 129600), ("2-3:04:05", 183845)])
def test_time_formats(text, seconds):
    assert time_seconds(text) == seconds


@pytest.mark.parametrize("changes, key, words", [
    (dict(nodes=0), "--nodes", ">= 1"),
    (dict(time="2h"), "--time", "HH:MM:SS"),
    (dict(time="01:60:00"), "--time", "HH:MM:SS"),
    (dict(time="1-24:00:00"), "--time", "D-HH:MM:SS"),
    (dict(time="0"), "--time", "longer than zero"),
    (dict(time="5"), "--signal-lead", "inside the 300 s"),
    (dict(signal_lead_seconds=70000), "--signal-lead", "65535"),
    (dict(signal_lead_seconds=0), "--signal-lead", ">= 1"),
    (dict(ntasks_per_node=0), "--ntasks-per-node", ">= 1"),
    (dict(cpus_per_task=0), "--cpus-per-task", ">= 1"),
    (dict(gpus_per_node=4, ntasks_per_node=8), "--ntasks-per-node", "one rank per GPU"),
    (dict(cores_per_node=100, ntasks_per_node=8, cpus_per_task=None), "--ntasks-per-node", "divide"),
    (dict(cores_per_node=16, ntasks_per_node=8, cpus_per_task=4), "--cpus-per-task", "exceed the 16 cores"),
    (dict(max_requeues=-1), "--max-requeues", ">= 0"),
    (dict(job_name="my job"), "--job-name", "without spaces"),
    (dict(partition=""), "--partition", "without spaces"),
    (dict(outdir="runs/a b"), "-o", "without spaces"),
    (dict(outdir="runs/%j"), "-o", "'%'"),
    (dict(modules=["gcc openmpi"]), "--module", "one module name"),
    (dict(sbatch_lines=["--time=10"]), "--sbatch", "use hpcsim's --time"),
    (dict(sbatch_lines=["--requeue"]), "--sbatch", "sets it itself"),
    (dict(sbatch_lines=["constraint=cpu"]), "--sbatch", "one sbatch option"),
    (dict(set_overrides=["mesh.shape"]), "--set", "KEY=VALUE"),
    (dict(set_overrides=["run.backend=gpu"]), "--set", "--gpus-per-node"),
    (dict(gpus_per_node=2, ntasks_per_node=None, set_overrides=["run.backend=cpu"]), "--set", "always runs"),
])
def test_validation_errors(changes, key, words):
    with pytest.raises(InputError) as err:
        render(cpu_options(**changes))
    assert err.value.key == key
    assert words in str(err.value)


def test_render_needs_an_output_directory():
    with pytest.raises(InputError, match="give -o OUTDIR"):
        render(cpu_options(outdir=None))


def parse(argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return options_from_args(parser.parse_args(argv))


def test_options_from_command_line():
    opts = parse([DECK, "--nodes", "3", "--time", "30", "--gpus-per-node", "4", "--module", "a", "--module", "b",
                  "--set", "mesh.shape=[8,8,8]", "--sbatch=--constraint=a100", "--signal-lead", "120",
                  "--max-requeues", "2", "--venv", "v", "--restart", "-o", "out"])
    assert opts == JobOptions(deck=DECK, time="30", outdir="out", nodes=3, gpus_per_node=4, modules=["a", "b"],
                              set_overrides=["mesh.shape=[8,8,8]"], sbatch_lines=["--constraint=a100"],
                              signal_lead_seconds=120, max_requeues=2, venv="v", restart=True)
    assert parse([DECK, "--time", "10"]) == JobOptions(deck=DECK, time="10")


# -- submit: deck check, dry run, sbatch ----------------------------------------------------------------------
def test_dry_run_takes_outdir_from_the_deck(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = submit(JobOptions(deck=DECK, time="60"), dry_run=True)
    assert "#SBATCH --output=output/poisson3d/slurm-%j.out" in text
    assert not (ROOT / "output/poisson3d/job.sh").exists()


def test_bad_deck_is_rejected_at_submission(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    with pytest.raises(InputError, match="no such deck file"):
        submit(JobOptions(deck="decks/none.toml", time="60", outdir=str(tmp_path / "o")), dry_run=True)
    with pytest.raises(InputError) as err:
        submit(JobOptions(deck=DECK, time="60", outdir=str(tmp_path / "o"), set_overrides=["mesh.shap=[8,8,8]"]),
               dry_run=True)
    assert "mesh.shap" in str(err.value)
    deck = tomllib.loads((ROOT / DECK).read_text())
    deck["run"] = {"backend": "gpu"}
    gpu_deck = tmp_path / "gpu.toml"
    gpu_deck.write_text(tomli_w.dumps(deck))
    with pytest.raises(InputError) as err:
        submit(JobOptions(deck=str(gpu_deck), time="60", outdir=str(tmp_path / "o")), dry_run=True)
    assert err.value.key == "--gpus-per-node"
    assert not (tmp_path / "o").exists()


def test_a_training_deck_runs_hpcsim_train_with_resume(monkeypatch, tmp_path):
    """A DCDM training deck gets the same script, running `hpcsim train ... --resume` on every attempt; it needs -o
    (no output.dir), CPU nodes, valid [dcdm] keys, and a new directory unless --restart."""
    monkeypatch.chdir(ROOT)
    deck = "decks/linalg/dcdm_train_box2d_shared.toml"
    text = submit(JobOptions(deck=deck, time="60", outdir=str(tmp_path / "t"), ntasks_per_node=4), dry_run=True)
    assert "command=train " in text and 'python -m hpcsim "$command" "$deck"' in text
    assert "restart_args=(--resume)" in text and "#SBATCH --ntasks-per-node=4" in text
    for changes, key, reason in (({"outdir": None}, "-o", "no output.dir"),
                                 ({"gpus_per_node": 2}, "--gpus-per-node", "CPU ranks"),
                                 ({"set_overrides": ["dcdm.epoch=3"]}, "dcdm.epoch", "epochs")):
        options = {"deck": deck, "time": "60", "outdir": str(tmp_path / "t"), **changes}
        with pytest.raises(InputError) as err:
            submit(JobOptions(**options), dry_run=True)
        assert err.value.key == key and reason in str(err.value)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "checkpoint.pt").write_bytes(b"")
    with pytest.raises(InputError, match="previous run: continue it with --restart"):
        submit(JobOptions(deck=deck, time="60", outdir=str(tmp_path / "t")))


def write_tool(directory, name, body):
    path = directory / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


def test_submit_without_sbatch_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(InputError) as err:
        submit(JobOptions(deck=DECK, time="60", outdir=str(tmp_path / "o")))
    assert err.value.key == "sbatch" and "not on PATH" in str(err.value)
    assert not (tmp_path / "o").exists()


def test_submit_writes_job_script_and_calls_sbatch(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_tool(bin_dir, "sbatch", f'echo "$@" > {tmp_path}/sbatch.args\necho "Submitted batch job 777"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    outdir = tmp_path / "run"
    opts = JobOptions(deck=DECK, time="60", outdir=str(outdir))
    report = submit(opts)
    script = outdir / "job.sh"
    assert report == f"Submitted batch job 777\njob script: {script}\n"
    assert (tmp_path / "sbatch.args").read_text().split() == [str(script)]
    assert script.read_text() == render(opts)
    (outdir / "deck.toml").write_text("")  # the run has started: a second submission must say --restart
    with pytest.raises(InputError, match="--restart"):
        submit(opts)
    assert "Submitted batch job 777" in submit(JobOptions(deck=DECK, time="60", outdir=str(outdir), restart=True))


def test_sbatch_refusal_is_reported(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    write_tool(tmp_path, "sbatch", 'echo "sbatch: error: invalid partition specified: nope" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(InputError, match="invalid partition specified: nope"):
        submit(JobOptions(deck=DECK, time="60", outdir=str(tmp_path / "o"), partition="nope"))


# -- the job script's logic, run under bash with stand-ins --------------------------------------------------
# srun records its arguments and exits with the next status of $SRUN_STATUSES; with $SRUN_WAIT it waits to
# be signalled first, records the signal and exits 75, as hpcsim ranks do.
FAKE_SRUN = """\
printf '%s\\n' "$*" >> "$CALLS/srun"
count=$(cat "$CALLS/srun.count" 2>/dev/null || echo 0)
echo $((count + 1)) > "$CALLS/srun.count"
statuses=($SRUN_STATUSES)
if [ -n "$SRUN_WAIT" ]; then
    trap 'echo USR1 >> "$CALLS/srun.signals"; kill $!; exit 75' USR1
    trap 'echo TERM >> "$CALLS/srun.signals"; kill $!; exit 75' TERM
    touch "$CALLS/srun.started"
    sleep 30 &
    wait $!
    exit 1
fi
exit "${statuses[$count]:-0}"
"""
FAKE_PYTHON = """\
printf '%s\\n' "$*" >> "$CALLS/python"
exit "${CHECK_STATUS:-0}"
"""
FAKE_SCONTROL = """\
printf '%s\\n' "$*" >> "$CALLS/scontrol"
"""


@pytest.fixture
def job(tmp_path):
    """Run a rendered CPU script like Slurm would: `job(restart_count, **env)` -> (Popen, calls dir)."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    calls.mkdir()
    for name, body in (("srun", FAKE_SRUN), ("python", FAKE_PYTHON), ("scontrol", FAKE_SCONTROL)):
        write_tool(bin_dir, name, body)
    script = tmp_path / "job.sh"
    script.write_text(render(JobOptions(deck="decks/p.toml", time="60", outdir="out", nodes=2, ntasks_per_node=2,
                                        max_requeues=2, set_overrides=["mesh.shape=[8,8,8]"])))
    started = []

    def start(restart_count=0, **extra):
        env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "CALLS": str(calls),
               "SLURM_JOB_ID": "4242", "SLURM_JOB_NUM_NODES": "2", "SLURM_JOB_NODELIST": "n[1-2]",
               "SLURM_RESTART_COUNT": str(restart_count), **extra}
        proc = subprocess.Popen(["bash", str(script)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        started.append(proc)
        return proc, calls

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def finish(proc):
    out, _ = proc.communicate(timeout=20)
    return proc.returncode, out


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_exit_75_requeues_and_the_requeued_job_restarts(job, tmp_path):
    proc, calls = job(0, SRUN_STATUSES="75 0")
    code, out = finish(proc)
    assert code == 0, out
    assert lines(calls / "python") == ["-m hpcsim check decks/p.toml --set mesh.shape=[8,8,8] --np 4"]
    assert lines(calls / "srun") == ["--cpus-per-task=1 --kill-on-bad-exit=0 --wait=60 python -m hpcsim run "
                                     "decks/p.toml -o out --set mesh.shape=[8,8,8]"]
    assert lines(calls / "scontrol") == ["requeue 4242"]
    # Slurm starts the script again with SLURM_RESTART_COUNT=1; the first attempt left a checkpoint
    (tmp_path / "out/checkpoints/ckpt_000100").mkdir(parents=True)
    proc, calls = job(1, SRUN_STATUSES="75 0")
    code, out = finish(proc)
    assert code == 0 and "run finished" in out, out
    assert lines(calls / "srun")[1].endswith("run decks/p.toml -o out --set mesh.shape=[8,8,8] --restart latest")
    assert lines(calls / "scontrol") == ["requeue 4242"]  # no second requeue


def test_requeued_before_any_checkpoint_starts_again(job):
    proc, calls = job(1)
    code, out = finish(proc)
    assert code == 0, out
    assert lines(calls / "srun")[0].endswith("-o out --set mesh.shape=[8,8,8] --overwrite")


def test_requeue_limit(job):
    proc, calls = job(2, SRUN_STATUSES="75")
    code, out = finish(proc)
    assert code == 75 and "all 2 requeue(s) used" in out, out
    assert lines(calls / "scontrol") == []


@pytest.mark.parametrize("status", [2, 1, 139])
def test_failures_are_not_requeued(job, status):
    proc, calls = job(0, SRUN_STATUSES=str(status))
    code, out = finish(proc)
    assert code == status and "not requeued" in out, out
    assert lines(calls / "scontrol") == []


def test_bad_deck_stops_before_srun(job):
    proc, calls = job(0, CHECK_STATUS="2")
    code, out = finish(proc)
    assert code == 2 and "deck check failed" in out, out
    assert lines(calls / "srun") == [] and lines(calls / "scontrol") == []


def signal_running_job(proc, calls, signum):
    """Send `signum` to the batch shell once srun runs, until srun reports it (the shell may not yet know
    srun's pid the first time)."""
    deadline = time.monotonic() + 10
    while not (calls / "srun.started").exists():
        assert time.monotonic() < deadline and proc.poll() is None, "srun never started"
        time.sleep(0.02)
    while not lines(calls / "srun.signals"):
        assert time.monotonic() < deadline and proc.poll() is None, "srun never got the signal"
        proc.send_signal(signum)
        time.sleep(0.1)


def test_usr1_is_forwarded_to_srun_then_the_job_requeues(job):
    proc, calls = job(0, SRUN_WAIT="1")
    signal_running_job(proc, calls, signal.SIGUSR1)
    code, out = finish(proc)
    assert set(lines(calls / "srun.signals")) == {"USR1"}
    assert code == 0 and "SIGUSR1 received" in out, out
    assert lines(calls / "scontrol") == ["requeue 4242"]  # srun's 75 was seen after waiting again


def test_term_is_passed_on_as_usr1_and_not_requeued(job):
    """srun answers SIGTERM by killing the ranks at once: the shell passes a TERM on as USR1 (checkpoint)."""
    proc, calls = job(0, SRUN_WAIT="1")
    signal_running_job(proc, calls, signal.SIGTERM)
    code, out = finish(proc)
    assert set(lines(calls / "srun.signals")) == {"USR1"}
    assert code == 75 and "SIGTERM received" in out and "not requeued" in out, out
    assert lines(calls / "scontrol") == []


# -- the examples in jobscripts/ --------------------------------------------------------------------------------
def test_jobscript_examples_match_their_documented_commands(monkeypatch):
    """jobscripts/README.md names the `hpcsim submit ... --dry-run > FILE` command behind each example."""
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "jobscripts/README.md").read_text().replace("\\\n", " ")
    commands = re.findall(r"^\s*hpcsim submit (.+?) --dry-run > (jobscripts/\S+)\s*$", readme, re.MULTILINE)
    examples = [f"jobscripts/{kind}_example.sh" for kind in ("cpu", "gpu", "train")]
    assert sorted(target for _, target in commands) == examples
    for argv, target in commands:
        assert submit(parse(shlex.split(argv)), dry_run=True) == (ROOT / target).read_text(), target
