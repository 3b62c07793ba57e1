"""Command line: `hpcsim run | check | submit | info | template` (also `python -m hpcsim`).

Under MPI: `mpiexec -n N python -m hpcsim run DECK`. Rank 0 reads and validates the deck and the restart
checkpoint before anything is written; a problem is printed once as `hpcsim: error: KEY: REASON` and every
rank exits with status 2. An uncaught exception on any rank aborts the whole job. Exit status 75 means the run
stopped early (signal or wall-time limit) after writing a checkpoint: continue it with `--restart latest`.
"""
import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import InputError, NumericalError, OutputError

EXIT_INPUT, EXIT_FAILURE = 2, 1


def _fail(message, comm=None):
    if comm is None or comm.is_root:
        sys.stderr.write(f"hpcsim: error: {message}\n")
        sys.stderr.flush()


# -- run ---------------------------------------------------------------------------------------------------
def _validate_run(args, comm, ranks_on_node):
    """Everything checkable before work starts (rank 0): returns (deck, outdir, restart checkpoint path)."""
    from .deck import load
    from .estimate import check_fits, estimate
    from .io import find_latest, verify
    from .io.compat import check_restart
    from .io.outdir import check_outdir
    from .mesh import parse_boundaries
    from .parallel import choose_process_grid

    deck = load(args.deck, args.set or [])
    outdir = Path(args.output or deck["output"]["dir"])
    shape = deck["mesh"]["shape"]
    parse_boundaries(deck["mesh"]["bc"], len(shape))
    dims = choose_process_grid(shape, comm.size, deck["mesh"].get("process_grid"), min_cells=deck.spec.ghost)
    restart = None
    if args.restart is not None:
        if args.restart == "latest":
            restart, messages = find_latest(outdir / "checkpoints")
            for m in messages:
                print(f"hpcsim: {m}", flush=True)
            if restart is None:
                raise InputError(f"no complete, verified checkpoint in {outdir / 'checkpoints'}", "--restart")
        else:
            restart = Path(args.restart)
            if not restart.is_dir():
                raise InputError(f"no such checkpoint directory: {restart}", "--restart")
            ok, why = verify(restart)
            if not ok:
                raise InputError(f"checkpoint {restart} does not verify: {why}", "--restart")
        check_restart(deck, restart)
    elif (outdir / "deck.toml").exists() and not args.overwrite:
        raise InputError(f"{outdir} holds a previous run: continue it with --restart latest, or pass "
                         f"--overwrite, or choose another directory", "-o")
    elif outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir} exists and is not a directory", "-o")
    check_outdir(outdir, "-o" if args.output else "output.dir")
    for warning in check_fits(estimate(deck, dims), ranks_on_node, outdir):
        print(f"hpcsim: warning: {warning}", flush=True)
    return deck, outdir, restart


def _set_threads(deck, comm):
    """Size numba's thread pool for this rank: run.threads, or the node's cores shared among its ranks.

    numba's OpenMP layer (libgomp) spins in its barriers before it sleeps; where a core is shared with another
    process (a second run, a compile, more ranks x threads than cores) each parallel loop then waits for a
    descheduled spinner. BM1a to t = 1e3 with 2 threads on the 2-core machine (1 thread: 4.7-4.9 s), idle /
    beside one busy process: libgomp's default 3.7 s / 67 s, OMP_WAIT_POLICY=passive 4.7 s / 4.8 s,
    GOMP_SPINCOUNT=10000 4.0 s / 6.0-7.5 s. Unless the environment sets OMP_WAIT_POLICY or GOMP_SPINCOUNT, the
    pool spins 10000 times and then sleeps."""
    import numba

    from .parallel import usable_cores

    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
    local_rank, local_size = comm.node_local()
    wanted = deck["run"]["threads"] or max(1, usable_cores() // local_size)
    available = numba.config.NUMBA_NUM_THREADS
    threads = min(wanted, available)
    numba.set_num_threads(threads)
    if comm.is_root and wanted * local_size > usable_cores():
        print(f"hpcsim: warning: {local_size} ranks x {wanted} threads exceed the {usable_cores()} cores of "
              f"this node{_busy_wait_hint(local_size)}", flush=True)
    return local_rank, threads


def _busy_wait_hint(local_size):
    """Advice for more ranks than cores under MPICH, whose waiting ranks spin on their core by default (Open MPI
    yields by itself when it sees the node oversubscribed)."""
    from .parallel import mpi_vendor, usable_cores

    if local_size <= usable_cores() or not mpi_vendor().startswith("MPICH") \
            or "MPIR_CVAR_ENABLE_HEAVY_YIELD" in os.environ:
        return ""
    return ("; MPICH's waiting ranks spin on their cores: export MPIR_CVAR_ENABLE_HEAVY_YIELD=1 to make them give "
            "the cores up (more ranks than cores is for development runs only)")


def cmd_run(args):
    from .parallel import Comm, install_abort_on_exception
    from .runtime.signals import StopRequest

    comm = Comm()
    install_abort_on_exception(comm)
    # The stop signals are caught from here on (MPI_Init of some MPI libraries installs its own SIGUSR1 handler,
    # which would swallow a signal that arrives while the model is built): the loop sees them at its first step.
    with StopRequest() as stop:
        return _run(args, comm, stop)


def _run(args, comm, stop):
    validated, error = None, None
    ranks_on_node = comm.node_local()[1]
    if comm.is_root:
        try:
            validated = _validate_run(args, comm, ranks_on_node)
        except InputError as exc:
            error = str(exc)
    error = comm.bcast(error)
    if error:
        _fail(error, comm)
        return EXIT_INPUT
    deck, outdir, restart = comm.bcast(validated)
    local_rank, threads = _set_threads(deck, comm)
    from .backend import create_backend
    from .runtime import EXIT_STOPPED, Run, RunStopped

    try:  # consistent on every rank: the backend check and the model's global checks of its input
        backend = create_backend(deck["run"]["backend"], local_rank)
        run = Run(deck, outdir, comm, backend, restart_path=restart, overwrite=args.overwrite)
    except InputError as exc:
        _fail(str(exc), comm)
        return EXIT_INPUT
    except (NumericalError, OutputError) as exc:     # while the model was built: as while stepping
        _fail(str(exc), comm)
        return EXIT_FAILURE
    run.log.to_file(f"{comm.size} rank(s) x {threads} numba thread(s)")
    try:
        status = run.execute(stop)
    except RunStopped as exc:
        run.log.info(str(exc))
        return EXIT_STOPPED
    except NumericalError as exc:
        run.log.info(f"error: {exc}")
        _fail(str(exc), comm)
        return EXIT_FAILURE
    except OutputError as exc:
        from .io.rescue import rescue

        checkpoint = (lambda root: run.checkpoint("after a failed write", root)) if deck.spec.time_dependent else None
        message = rescue(exc, comm, checkpoint, outdir / "checkpoints")
        run.log.to_file(f"error: {message}")
        _fail(message, comm)
        return EXIT_FAILURE
    finally:
        run.close()
    return status


# -- check -------------------------------------------------------------------------------------------------
def _check_training_deck(args):
    """`hpcsim check` of a DCDM training deck ([mesh] and [dcdm], no solver section): the keys of `hpcsim train`."""
    from .linalg.dcdm.trainrun import load_deck

    try:
        deck = load_deck(args.deck, args.set or [])
    except InputError as exc:
        _fail(str(exc))
        return EXIT_INPUT
    t = deck["dcdm"]
    mask = " with the mask pyramid" if t["mask_pyramid"] else ""
    print(f"{args.deck}: valid DCDM training deck; mesh {deck['mesh']['shape']}; network levels {t['levels']!r}"
          f"{mask}, {t['channels']} channels; {t['epochs']} epoch(s) of {t['samples']} right-hand sides")
    return 0


def cmd_check(args):
    from .deck import load
    from .estimate import check_fits, estimate
    from .parallel import choose_process_grid

    from .linalg.dcdm.trainrun import is_training_deck

    if is_training_deck(args.deck):
        return _check_training_deck(args)
    try:
        deck = load(args.deck, args.set or [])
        shape = deck["mesh"]["shape"]
        dims = choose_process_grid(shape, args.np, deck["mesh"].get("process_grid"), min_cells=deck.spec.ghost)
        needs = estimate(deck, dims)
        fits = check_fits(needs, 1, Path(deck["output"]["dir"]))    # one rank of the largest block, here
    except InputError as exc:
        _fail(str(exc))
        return EXIT_INPUT
    run = deck["run"]
    if deck.spec.adaptive(deck):
        horizon = f"adaptive steps from dt = {run['dt']:g} to t = {run['t_end']:g}" if run["t_end"] else \
            f"{run['steps']} adaptive step(s) from dt = {run['dt']:g}"
    else:
        horizon = f"{run['steps']} step(s)" + (f" of dt = {run['dt']:g}" if "dt" in run else "")
    print(f"{args.deck}: valid {deck.family} deck; mesh {shape} on {args.np} rank(s) as {list(dims)}; {horizon}")
    print("\n".join(needs.lines(args.np)))
    for warning in fits:
        print(f"warning: {warning}")
    for warning in deck.spec.resolution_warnings(deck):
        print(f"warning: {warning}")
    if args.resolved:
        print(deck.text(), end="")
    return 0


def cmd_template(args):
    from .deck.core import CORE_SECTIONS
    from .models import family

    own = family(args.family).sections
    sections = [*own[:1], *CORE_SECTIONS, *own[1:]]
    print("\n".join(s.template() for s in sections), end="")
    return 0


def cmd_info(args):
    from .info import report

    print(report())
    return 0


def cmd_submit(args):
    from .submit import options_from_args, submit

    try:
        print(submit(options_from_args(args), dry_run=args.dry_run), end="")
    except InputError as exc:
        _fail(str(exc))
        return EXIT_INPUT
    return 0


# -- train (DCDM) ----------------------------------------------------------------------------------------
def cmd_train(args):
    from .linalg.dcdm.trainrun import main as train

    return train(args)


# -- parser ------------------------------------------------------------------------------------------------
def build_parser():
    from .models import FAMILIES

    parser = argparse.ArgumentParser(
        prog="hpcsim", description="MPI domain-decomposed simulation code. Run a deck with "
        "`mpiexec -n N python -m hpcsim run DECK`; see `hpcsim COMMAND --help`.")
    parser.add_argument("--version", action="version", version=f"hpcsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    overrides = dict(action="append", metavar="KEY=VALUE",
                     help="override a deck key, e.g. --set mesh.shape=[64,64] --set run.backend=gpu "
                     "(same types and validation as the deck; repeatable)")
    p = sub.add_parser("run", help="run a deck", description="Run a deck; output goes to OUTDIR "
                       "(deck.toml, log.txt, diags/scalars.h5, fields/ (openPMD), checkpoints/).")
    p.add_argument("deck", help="TOML input deck")
    p.add_argument("-o", "--output", metavar="OUTDIR", help="output directory (default: the deck's output.dir)")
    p.add_argument("--set", **overrides)
    p.add_argument("--restart", nargs="?", const="latest", metavar="latest|PATH",
                   help="continue from the newest verified checkpoint in OUTDIR/checkpoints, or from PATH")
    p.add_argument("--overwrite", action="store_true", help="replace the output of a previous run in OUTDIR")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="validate a deck without running it",
                       description="Validate a deck (and its decomposition over --np ranks); exit 0, or print "
                       "the problem and exit 2.")
    p.add_argument("deck")
    p.add_argument("--set", **overrides)
    p.add_argument("--np", type=int, default=1, help="MPI ranks the run will use (checks the decomposition)")
    p.add_argument("--resolved", action="store_true", help="print the resolved deck with every default")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("template", help="print a commented deck with every key and default of a family")
    p.add_argument("family", choices=sorted(FAMILIES))
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("info", help="versions, MPI library, numba threads, GPU")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("submit", help="write and submit a Slurm batch script for a deck",
                       description="Render a Slurm job script (CPU or GPU nodes) whose USR1 warning signal "
                       "makes the run checkpoint and requeue itself; --dry-run prints it.")
    from .submit import add_arguments

    add_arguments(p)
    p.add_argument("--dry-run", action="store_true", help="print the script instead of submitting it")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("train", help="train a DCDM network (learned conjugate directions) from a training deck",
                       description="Build right-hand sides from Ritz vectors of the deck's operator and train the "
                       "DCDM network with PyTorch (pip install 'hpcsim[learn]'); writes OUTDIR/weights.h5.")
    p.add_argument("deck", help="training deck ([mesh] and [dcdm])")
    p.add_argument("-o", "--output", metavar="OUTDIR", required=True, help="output directory")
    p.add_argument("--set", **overrides)
    p.add_argument("--resume", action="store_true", help="reuse OUTDIR/data.h5 and continue from its checkpoint")
    p.set_defaults(func=cmd_train)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
