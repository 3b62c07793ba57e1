"""`hpcsim submit`: render a Slurm batch script for a deck from a template, and hand it to `sbatch`.

The scripts (from the template `hpcsim/templates/slurm.sh`) ask Slurm for a USR1 warning
`signal_lead_seconds` before the time limit, forward it to the ranks so they checkpoint and exit with status 75,
and then requeue the job, which continues with `--restart latest`; see `jobscripts/README.md`. A DCDM training
deck ([dcdm] without a family section) gets the same script running `hpcsim train ... --resume`, which stops at
the end of an epoch with a checkpoint and status 75 and continues from it.

In the templates `${name}` (lower case, braced) is a placeholder filled here; every other `$` is shell syntax.
"""
import re
import shlex
import shutil
import string
import subprocess
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from .errors import InputError

MAX_SIGNAL_LEAD = 65535  # the largest lead time sbatch --signal accepts, in seconds

# sbatch options the templates set themselves: an extra `#SBATCH` line must not contradict them.
MANAGED_SBATCH = {
    "--job-name": "--job-name", "-J": "--job-name", "--nodes": "--nodes", "-N": "--nodes",
    "--ntasks-per-node": "--ntasks-per-node", "--ntasks": "--nodes and --ntasks-per-node",
    "-n": "--nodes and --ntasks-per-node",
    "--cpus-per-task": "--cpus-per-task", "-c": "--cpus-per-task", "--time": "--time", "-t": "--time",
    "--partition": "--partition", "-p": "--partition", "--account": "--account", "-A": "--account",
    "--qos": "--qos", "-q": "--qos", "--output": "-o", "-o": "-o", "--signal": "--signal-lead",
    "--requeue": None, "--no-requeue": None, "--open-mode": None,
    "--gres": "--gpus-per-node", "--gpus": "--gpus-per-node", "--gpus-per-node": "--gpus-per-node",
    "--gpus-per-task": "--gpus-per-node",
}

_TIME_FORMATS = (
    (re.compile(r"(\d+)"), lambda m: 60 * int(m[1])),
    (re.compile(r"(\d+):([0-5]\d):([0-5]\d)"), lambda m: 3600 * int(m[1]) + 60 * int(m[2]) + int(m[3])),
    (re.compile(r"(\d+)-([01]\d|2[0-3]|\d):([0-5]\d):([0-5]\d)"),
     lambda m: 86400 * int(m[1]) + 3600 * int(m[2]) + 60 * int(m[3]) + int(m[4])),
)


@dataclass
class JobOptions:
    """What a job asks of Slurm and how it runs the deck. `None` fields take the defaults `validate` resolves."""

    deck: str
    time: str                            # wall-time limit: minutes, "HH:MM:SS" or "D-HH:MM:SS"
    outdir: str | None = None            # None: the deck's output.dir (filled by `submit`)
    nodes: int = 1
    ntasks_per_node: int | None = None   # MPI ranks per node; None: gpus_per_node on GPU nodes, else 1
    cpus_per_task: int | None = None     # cores = numba threads per rank; None: cores_per_node / ranks, else 1
    cores_per_node: int = 0              # 0: unknown, left to the user
    gpus_per_node: int = 0               # > 0 selects the GPU template: one rank per GPU, run.backend=gpu
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    signal_lead_seconds: int = 300       # USR1 this long before the time limit: time to write a checkpoint
    max_requeues: int = 5                # requeues after exit 75, counted by SLURM_RESTART_COUNT
    job_name: str | None = None          # None: the deck's file name without suffix
    modules: list[str] = field(default_factory=list)
    venv: str | None = None              # virtualenv to activate in the job
    sbatch_lines: list[str] = field(default_factory=list)   # extra options, e.g. "--constraint=cpu"
    set_overrides: list[str] = field(default_factory=list)  # `--set KEY=VALUE` items for the run
    restart: bool = False                # continue OUTDIR's run from its newest checkpoint from the first attempt


def time_seconds(text):
    """A Slurm time limit ("90" minutes, "HH:MM:SS" or "D-HH:MM:SS") in seconds; InputError otherwise."""
    for regex, seconds in _TIME_FORMATS:
        match = regex.fullmatch(text.strip())
        if match:
            total = seconds(match)
            if not total:
                raise InputError("the time limit must be longer than zero", "--time")
            return total
    raise InputError(f"expected minutes, HH:MM:SS or D-HH:MM:SS (hours < 24 after the day), got {text!r}",
                     "--time")


def _positive(value, key, minimum=1):
    if not isinstance(value, int) or value < minimum:
        raise InputError(f"must be an integer >= {minimum}, got {value!r}", key)


def _word(value, key, what="a name"):
    if not value or any(c.isspace() for c in value):
        raise InputError(f"expected {what} without spaces, got {value!r}", key)


def _tasks_and_threads(opts):
    """Resolve ranks per node and threads per rank, checking them against the node's GPUs and cores."""
    ntasks, cpus, cores = opts.ntasks_per_node, opts.cpus_per_task, opts.cores_per_node
    if opts.gpus_per_node:
        if ntasks is not None and ntasks != opts.gpus_per_node:
            raise InputError(f"GPU jobs run one rank per GPU: leave it out or make it --gpus-per-node "
                             f"({opts.gpus_per_node}), got {ntasks}", "--ntasks-per-node")
        ntasks = opts.gpus_per_node
    ntasks = 1 if ntasks is None else ntasks
    _positive(ntasks, "--ntasks-per-node")
    if cpus is None:
        if cores and not opts.gpus_per_node:
            if cores % ntasks:
                raise InputError(f"{ntasks} ranks per node do not divide the {cores} cores per node evenly: "
                                 f"choose another --ntasks-per-node or give --cpus-per-task", "--ntasks-per-node")
            cpus = cores // ntasks
        else:
            cpus = 1
    _positive(cpus, "--cpus-per-task")
    if cores and ntasks * cpus > cores:
        raise InputError(f"{ntasks} ranks x {cpus} cores = {ntasks * cpus} exceed the {cores} cores per node",
                         "--cpus-per-task")
    return ntasks, cpus


def _check_overrides(opts):
    """The overrides parse, and the backend agrees with the template: GPU nodes run run.backend=gpu."""
    from .deck import parse_override

    for item in opts.set_overrides:
        path, value = parse_override(item)
        if path == ["run", "backend"] and opts.gpus_per_node:
            raise InputError("a GPU job (--gpus-per-node > 0) always runs with run.backend=gpu", "--set")
        if path == ["run", "backend"] and value == "gpu":
            raise InputError("run.backend=gpu needs GPU nodes: give --gpus-per-node", "--set")


def _check_sbatch_lines(lines):
    for line in lines:
        if not line.startswith("-") or "\n" in line:
            raise InputError(f"expected one sbatch option such as --constraint=cpu, got {line!r}", "--sbatch")
        name = line.split("=", 1)[0].split()[0]
        if name in MANAGED_SBATCH:
            instead = MANAGED_SBATCH[name]
            how = f"use hpcsim's {instead} instead" if instead else "the job script sets it itself"
            raise InputError(f"{name} is set by the template: {how}", "--sbatch")


def validate(opts):
    """Check every job option; return a copy with the defaults resolved. Raises InputError naming the option."""
    _positive(opts.nodes, "--nodes")
    _positive(opts.cores_per_node, "--cores-per-node", minimum=0)
    _positive(opts.gpus_per_node, "--gpus-per-node", minimum=0)
    ntasks, cpus = _tasks_and_threads(opts)
    limit = time_seconds(str(opts.time))
    _positive(opts.signal_lead_seconds, "--signal-lead")
    if opts.signal_lead_seconds > MAX_SIGNAL_LEAD:
        raise InputError(f"sbatch --signal accepts at most {MAX_SIGNAL_LEAD} s, got {opts.signal_lead_seconds}",
                         "--signal-lead")
    if opts.signal_lead_seconds >= limit:
        raise InputError(f"the warning {opts.signal_lead_seconds} s before the end must fall inside the "
                         f"{limit} s time limit", "--signal-lead")
    _positive(opts.max_requeues, "--max-requeues", minimum=0)
    if not str(opts.deck).strip():
        raise InputError("no deck given", "deck")
    job_name = opts.job_name if opts.job_name is not None else Path(opts.deck).stem
    _word(job_name, "--job-name")
    for key, value in (("--partition", opts.partition), ("--account", opts.account), ("--qos", opts.qos)):
        if value is not None:
            _word(value, key)
    if opts.outdir is not None and (not str(opts.outdir) or any(c.isspace() or c == "%" for c in str(opts.outdir))):
        raise InputError(f"the output directory goes into `#SBATCH --output`: it needs a path without spaces "
                         f"or '%', got {opts.outdir!r}", "-o")
    for module in opts.modules:
        _word(module, "--module", "one module name per --module")
    if opts.venv is not None and not str(opts.venv).strip():
        raise InputError("empty virtualenv path", "--venv")
    _check_sbatch_lines(opts.sbatch_lines)
    _check_overrides(opts)
    return replace(opts, time=str(opts.time).strip(), ntasks_per_node=ntasks, cpus_per_task=cpus,
                   job_name=job_name)


class _JobTemplate(string.Template):
    """Only `${lower_case}` is a placeholder: `$var`, `${VAR}`, `${var:-x}`, `"${arr[@]}"` and `$$` stay shell."""

    flags = 0
    pattern = r"""
        \$(?:
            (?P<escaped>(?!)) |
            (?P<named>(?!)) |
            \{(?P<braced>[a-z][a-z0-9_]*)\} |
            (?P<invalid>(?!))
        )"""


def template_text():
    """The packaged batch-script template (CPU and GPU nodes differ only in the placeholders of `_node_parts`)."""
    return resources.files("hpcsim").joinpath("templates", "slurm.sh").read_text(encoding="utf-8")


def _node_parts(opts):
    """The template text that differs between CPU nodes and GPU nodes (one rank per GPU)."""
    if not opts.gpus_per_node:
        return {
            "node_kind": "CPU", "gres_sbatch": "",
            "launch_comment": f"#  2. runs the deck with srun, {opts.ntasks_per_node} rank(s) per node x "
                              f"{opts.cpus_per_task} numba thread(s) per rank;",
            "placement_comment": "# One MPI rank per task, each with cpus-per-task cores: numba and OpenMP use "
                                 "that many threads per rank,\n# so ranks x threads match the cores Slurm gave "
                                 "the job.",
        }
    return {
        "node_kind": "GPU", "gres_sbatch": f"#SBATCH --gres=gpu:{opts.gpus_per_node}\n",
        "launch_comment": f"#  2. runs the deck with srun and run.backend=gpu, one rank per GPU "
                          f"({opts.gpus_per_node} per node), each with\n#     {opts.cpus_per_task} core(s) for "
                          f"its host-side numba threads;",
        "placement_comment": "# One MPI rank per GPU. --gres makes every GPU of the node visible to every rank, "
                             "and each rank uses the GPU\n# at its node-local rank (local rank modulo visible "
                             "GPUs), so the ranks of a node share no GPU.\n# Host-side numba and OpenMP threads "
                             "per rank match the cores Slurm gave each rank.",
    }


def _setup_lines(opts):
    lines = [f"module load {shlex.quote(m)}" for m in opts.modules]
    if opts.venv is not None:
        lines.append(f"source {shlex.quote(str(Path(opts.venv) / 'bin' / 'activate'))}")
    return "\n".join(lines) or "# (no --module or --venv given: the job runs in the environment sbatch was called from)"


def render(opts, subcommand="run"):
    """The batch script text for `opts` (validated here) running `hpcsim SUBCOMMAND` ("run", or "train" for a
    DCDM training deck); `opts.outdir` must be set."""
    opts = validate(opts)
    if opts.outdir is None:
        raise InputError("no output directory: give -o OUTDIR", "-o")
    backend = ["run.backend=gpu"] if opts.gpus_per_node else []
    optional = [f"--{name}={value}" for name, value in
                (("partition", opts.partition), ("account", opts.account), ("qos", opts.qos)) if value is not None]
    values = {
        "job_name": opts.job_name, "nodes": opts.nodes, "ntasks_per_node": opts.ntasks_per_node,
        "ntasks": opts.nodes * opts.ntasks_per_node, "cpus_per_task": opts.cpus_per_task,
        "gpus_per_node": opts.gpus_per_node, "time": opts.time,
        "optional_sbatch": "".join(f"#SBATCH {line}\n" for line in optional + list(opts.sbatch_lines)),
        "output": f"{opts.outdir}/slurm-%j.out", "signal_lead": opts.signal_lead_seconds,
        "setup": _setup_lines(opts), "deck": shlex.quote(str(opts.deck)), "outdir": shlex.quote(str(opts.outdir)),
        "set_args": " ".join(f"--set {shlex.quote(item)}" for item in [*backend, *opts.set_overrides]),
        "max_requeues": opts.max_requeues, "continue_run": "yes" if opts.restart else "no",
        "subcommand": subcommand,
        **_node_parts(opts),
    }
    return _JobTemplate(template_text()).substitute(values)


def _load_deck(opts):
    """Validate the deck with the job's overrides now, on the login node, rather than after the queue wait;
    returns the resolved deck, or None for a DCDM training deck (`hpcsim train`, CPU ranks only)."""
    from .deck import load
    from .linalg.dcdm.trainrun import is_training_deck, load_deck

    if is_training_deck(opts.deck):
        if opts.gpus_per_node:
            raise InputError("DCDM training runs on CPU ranks (PyTorch's CPU build): leave --gpus-per-node at 0",
                             "--gpus-per-node")
        load_deck(opts.deck, opts.set_overrides)
        return None
    backend = ["run.backend=gpu"] if opts.gpus_per_node else []
    deck = load(opts.deck, [*opts.set_overrides, *backend])
    if deck["run"]["backend"] == "gpu" and not opts.gpus_per_node:
        raise InputError("the deck sets run.backend = \"gpu\": give --gpus-per-node for GPU nodes, or "
                         "--set run.backend=cpu", "--gpus-per-node")
    return deck


def submit(opts, dry_run=False):
    """Render the script; return it (`dry_run`), or write OUTDIR/job.sh, run `sbatch` on it, return its report.

    The deck and its overrides are validated first and give the default OUTDIR (`output.dir`). Paths in the
    script are as given, relative to the directory `sbatch` is called from (this process's working directory).
    """
    validate(opts)
    deck = _load_deck(opts)
    if opts.outdir is None:
        if deck is None:
            raise InputError("a training deck has no output.dir: give -o OUTDIR", "-o")
        opts = replace(opts, outdir=deck["output"]["dir"])
    text = render(opts, "run" if deck is not None else "train")
    if dry_run:
        return text
    sbatch = shutil.which("sbatch")
    if sbatch is None:
        raise InputError("sbatch is not on PATH: submit from a Slurm login node, or use --dry-run and "
                         "`sbatch` the printed script where Slurm is", "sbatch")
    outdir = Path(opts.outdir)
    if ((outdir / "deck.toml").exists() or (outdir / "checkpoint.pt").exists()) and not opts.restart:
        raise InputError(f"{outdir} holds a previous run: continue it with --restart, or choose another "
                         f"directory", "-o")
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir} exists and is not a directory", "-o")
    outdir.mkdir(parents=True, exist_ok=True)  # Slurm needs it for --output before the job starts
    script = outdir / "job.sh"
    script.write_text(text, encoding="utf-8")
    proc = subprocess.run([sbatch, str(script)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise InputError(f"sbatch refused {script}: {(proc.stderr or proc.stdout).strip()}", "sbatch")
    return f"{proc.stdout.strip()}\njob script: {script}\n"


def add_arguments(parser):
    """Add the deck and the job options of `hpcsim submit` to an argparse (sub)parser (not --dry-run)."""
    parser.add_argument("deck", help="TOML input deck")
    parser.add_argument("-o", "--output", metavar="OUTDIR",
                        help="run output directory (default: the deck's output.dir); the job script is written "
                        "there as job.sh and Slurm's log as slurm-JOBID.out")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a deck key in the run (repeatable), as for `hpcsim run`")
    res = parser.add_argument_group("resources")
    res.add_argument("--nodes", type=int, metavar="N", default=1, help="nodes (default 1)")
    res.add_argument("--time", required=True, help="wall-time limit: minutes, HH:MM:SS or D-HH:MM:SS")
    res.add_argument("--ntasks-per-node", type=int, metavar="N",
                     help="MPI ranks per node (default: --gpus-per-node on GPU nodes, else 1)")
    res.add_argument("--cpus-per-task", type=int, metavar="N",
                     help="cores, and numba/OpenMP threads, per rank (default: --cores-per-node divided by the "
                     "ranks per node, else 1)")
    res.add_argument("--cores-per-node", type=int, metavar="N", default=0,
                     help="cores of one node, to fill it with ranks x threads (default 0: not used)")
    res.add_argument("--gpus-per-node", type=int, metavar="N", default=0,
                     help="GPUs per node: > 0 uses the GPU template, one rank per GPU, run.backend=gpu")
    res.add_argument("--partition")
    res.add_argument("--account")
    res.add_argument("--qos")
    req = parser.add_argument_group("checkpoint and requeue")
    req.add_argument("--signal-lead", type=int, default=300, metavar="SECONDS",
                     help="send the checkpoint signal this long before the time limit (default 300)")
    req.add_argument("--max-requeues", type=int, metavar="N", default=5,
                     help="requeue at most this many times after a checkpointed stop (default 5)")
    req.add_argument("--restart", action="store_true",
                     help="continue the run in OUTDIR from its newest checkpoint (e.g. after the requeue limit)")
    env = parser.add_argument_group("job environment")
    env.add_argument("--job-name", metavar="NAME", help="Slurm job name (default: the deck's file name)")
    env.add_argument("--module", action="append", default=[], metavar="NAME",
                     help="`module load NAME` in the job (repeatable, in order)")
    env.add_argument("--venv", metavar="PATH", help="virtualenv to activate in the job")
    env.add_argument("--sbatch", action="append", default=[], metavar="OPTION",
                     help="extra #SBATCH option, written as --sbatch=--constraint=gpu80 (repeatable)")


def options_from_args(args):
    """JobOptions from the namespace `add_arguments` defines."""
    return JobOptions(
        deck=args.deck, time=args.time, outdir=args.output, nodes=args.nodes,
        ntasks_per_node=args.ntasks_per_node, cpus_per_task=args.cpus_per_task, cores_per_node=args.cores_per_node,
        gpus_per_node=args.gpus_per_node, partition=args.partition, account=args.account, qos=args.qos,
        signal_lead_seconds=args.signal_lead, max_requeues=args.max_requeues, job_name=args.job_name,
        modules=list(args.module), venv=args.venv, sbatch_lines=list(args.sbatch),
        set_overrides=list(args.set), restart=args.restart)
