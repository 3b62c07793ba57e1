"""`hpcsim train DECK -o OUTDIR [--set KEY=VALUE] [--resume]`: build the training set and train the network.

  OUTDIR/data.h5      right-hand sides from Ritz vectors of the deck's operator (Lanczos, on all ranks)
  OUTDIR/checkpoint.pt  weights, optimiser and RNG state every `checkpoint_every` epochs (rank 0)
  OUTDIR/log.txt      the progress lines printed per epoch
  OUTDIR/weights.h5   the trained network for `solver.dcdm_weights`, with its settings and training time

With --resume training continues from the newest checkpoint, and the data file is reused if it was built for the
deck's operator and samples (its attributes); otherwise (a curriculum: a few epochs on a small grid, then --resume
with a larger mesh.shape, which the shared network's grid-independent weights allow) it is rebuilt. The Lanczos
process runs on the distributed operator; training is data-parallel (`train.Trainer`): each rank computes the
gradient of its share of every batch, one Allreduce sums them, and PyTorch runs `training_threads` threads per rank.
Rank 0 writes every file.

SIGTERM or SIGUSR1 (Slurm's warning before the time limit) ends training at the end of the current epoch: a
checkpoint and weights.h5 are written and the exit status is 75, as for `hpcsim run`; `--resume` continues.
"""
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from ...backend import CPUBackend
from ...deck.loader import apply_overrides, read_toml
from ...errors import InputError
from ...mesh import Mesh
from ...parallel import Comm
from ...runtime.loop import EXIT_STOPPED
from . import data
from .deck import SECTIONS, make_operator
from .lanczos import lanczos


def is_training_deck(path):
    """True for a readable TOML deck with a [dcdm] table and no family's section (`hpcsim train`'s decks)."""
    from ...models import FAMILIES

    try:
        table = read_toml(path)
    except InputError:
        return False
    return "dcdm" in table and not any(name in table for name in FAMILIES)


def load_deck(path, overrides=()):
    """The resolved [mesh] and [dcdm] tables of a training deck (mesh.length filled in)."""
    table = read_toml(path)
    apply_overrides(table, overrides or ())
    known = {s.name for s in SECTIONS}
    for name in table:
        if name not in known:
            raise InputError(f"unknown section of a training deck; valid: {', '.join(sorted(known))}", name)
    deck = {s.name: s.resolve(table.get(s.name, {})) for s in SECTIONS}
    m = deck["mesh"]
    if "length" not in m:
        m["length"] = [n * h for n, h in zip(m["shape"], m["spacing"])] if "spacing" in m else [1.0] * len(m["shape"])
    return deck


def describe(deck):
    """What the training data depend on, stored as data.h5's attributes."""
    m, t = deck["mesh"], deck["dcdm"]
    return {"shape": [int(n) for n in m["shape"]], "alpha": t["alpha"], "beta": t["beta"],
            "obstacles": str(t["obstacles"]), "bc": str(m["bc"]), "ritz_vectors": t["ritz_vectors"],
            "samples": t["samples"], "low_weight": t["low_weight"], "seed": t["seed"]}


def build_data(deck, comm, backend):
    """(rhs (samples, global shape) on rank 0 else None, Ritz values)."""
    m, t = deck["mesh"], deck["dcdm"]
    mesh = Mesh.create(comm, m["shape"], m["length"], m["bc"], 1, m.get("process_grid"))
    op = make_operator(mesh, t, backend)
    fluid = np.asarray(op.fluid[mesh.interior]) if t["obstacles"] else None
    values, vectors = lanczos(op, t["ritz_vectors"], t["seed"], fluid)
    rhs = data.normalise(data.right_hand_sides(vectors, t["samples"], t["seed"] + 1, t["low_weight"]), comm)
    return data.gather_global(mesh, rhs), values


def training_threads(comm):
    """PyTorch threads per rank: the cores of this node shared among its ranks, at most NUMBA_NUM_THREADS (the
    project's per-rank thread setting; `export NUMBA_NUM_THREADS=1` for one thread)."""
    import numba

    from ...parallel import usable_cores

    return max(1, min(usable_cores() // comm.node_local()[1], numba.config.NUMBA_NUM_THREADS))


def main(args):
    """The `train` subcommand; returns the exit status (75 when a stop signal ended it with a checkpoint)."""
    from ...runtime.signals import StopRequest

    comm = Comm()
    with StopRequest() as stop:         # after MPI_Init, whose own SIGUSR1 handler would swallow the signal
        return _train(args, comm, stop)


def _train(args, comm, stop):
    try:
        deck = load_deck(args.deck, args.set)
    except InputError as exc:
        if comm.is_root:
            print(f"hpcsim train: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    log_file = out / "log.txt"

    def log(line):
        if comm.is_root:
            print(line, flush=True)
            with open(log_file, "a") as f:
                f.write(line + "\n")

    try:
        from .train import Trainer, _torch

        torch = _torch()
    except InputError as exc:
        if comm.is_root:
            print(f"hpcsim train: error: {exc}", file=sys.stderr)
        return 2
    t, ndim = deck["dcdm"], len(deck["mesh"]["shape"])
    start = time.perf_counter()
    data_file = out / "data.h5"
    stored, wanted = comm.bcast(data.description(data_file) if args.resume and comm.is_root else None), describe(deck)
    if stored != wanted:
        rhs, values = build_data(deck, comm, CPUBackend())
        if comm.is_root:
            data.write(data_file, rhs, values, wanted)
            changed = [f"{k} {stored.get(k)} -> {v}" for k, v in wanted.items()
                       if stored and stored.get(k) != v]
            rebuilt = f" (rebuilt for the deck: {', '.join(changed)})" if changed else ""
            log(f"data: {rhs.shape[0]} right-hand sides from {len(values)} Ritz vectors, "
                f"{time.perf_counter() - start:.1f} s{rebuilt}")
    comm.barrier()                              # data.h5 is written: every rank reads it
    rhs, _, _ = data.read(data_file)
    mesh = Mesh.create(Comm.self_comm(), deck["mesh"]["shape"], deck["mesh"]["length"], deck["mesh"]["bc"])
    op = make_operator(mesh, t, CPUBackend())
    fluid = mesh.owned(np.asarray(op.fluid)) if t["obstacles"] else None
    threads = training_threads(comm)
    torch.set_num_threads(threads)
    trainer = Trainer(out, rhs, op.to_csr(), fluid, t, ndim, log, comm)
    try:
        if args.resume and trainer.resume():
            log(f"resumed at epoch {trainer.epoch} on {'x'.join(map(str, deck['mesh']['shape']))} cells")
    except InputError as exc:
        if comm.is_root:
            print(f"hpcsim train: error: {exc}", file=sys.stderr)
        return 2
    log(f"training on {comm.size} rank{'s' if comm.size > 1 else ''} x {threads} thread{'s' if threads > 1 else ''}"
        f", batch {t['batch']}")
    if t["batch"] % comm.size:
        log(f"hpcsim train: warning: dcdm.batch = {t['batch']} is not a multiple of the {comm.size} ranks: in each "
            f"batch some ranks get one sample fewer and wait for the others")
    stopped = trainer.run(stop)
    if stopped:
        log(f"stopped by {stopped} after epoch {trainer.epoch} of {t['epochs']}: checkpoint written; continue with "
            f"`hpcsim train ... --resume`")
    if comm.is_root:
        command = " ".join(["hpcsim train", shlex.quote(args.deck), "-o", shlex.quote(args.output)]
                           + [f"--set {shlex.quote(s)}" for s in args.set or ()])
        network = trainer.export(out / "weights.h5", {"command": command, "deck": Path(args.deck).read_text()})
        log(f"wrote {out / 'weights.h5'}: {network.parameters} parameters, {trainer.seconds:.1f} s training")
    return EXIT_STOPPED if stopped else 0
