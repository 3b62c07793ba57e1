"""Checkpoints: everything needed to continue a run bit-for-bit, written so that a crash never loses the last
good one, and readable on any rank count or process grid.

Layout of `ROOT/ckpt_%08d/` (the step):
  checkpoint.h5      /fields/<name>: global arrays of shape mesh.global_shape (on N ranks virtual datasets over
                     blocks/r%05d.h5, through `openpmd.write_global`); /state: the global solver state, JSON
                     values in the attribute `json`, numpy arrays as datasets; /rank_state: one JSON string per
                     writing rank (fixed-length bytes, e.g. its RNG state); root attributes step (int64), time
                     (float64), nranks, process_grid, global_shape, version, hpcsim_deck.
                     /particles/<name>: variable-length per-rank arrays (PIC particles) concatenated in rank
                     order along the last axis, /particle_counts/<name> the count of each rank.
  blocks/r%05d.h5    rank r's owned blocks and particles (N > 1 ranks without parallel HDF5 only)
  MANIFEST.sha256    `sha256sum` format ("<hex digest>  <relative path>"), every other file, written last

Writing: into `ROOT/.ckpt_%08d.tmp/` (leftover `.tmp` directories of killed runs are removed first), block
files fsynced by their ranks, then rank 0 fsyncs the main file, writes and fsyncs the manifest, renames the
directory, fsyncs ROOT and removes the oldest complete checkpoints beyond `keep`. A checkpoint without a
manifest is incomplete; one whose files do not match it is corrupt; `find_latest` skips both and says why.
A write that fails on any rank (a full disk) is agreed by every rank (`faults.collective`), its `.tmp`
directory removed and `OutputError` raised everywhere: nothing is renamed or rotated, so the complete
checkpoints before it stay as they were.
Fault injection for the tests: with HPCSIM_FAULT_KILL_IN_CHECKPOINT=STEP rank 0 SIGKILLs itself after writing
the data of that step's checkpoint and before its manifest.
"""
import hashlib
import json
import os
import re
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from ..errors import InputError
from .faults import OutputError, collective
from .openpmd import ascii_attr, write_global

MAIN = "checkpoint.h5"
MANIFEST = "MANIFEST.sha256"
_NAME = re.compile(r"ckpt_(\d{8})$")
_TMP = ".ckpt_*.tmp"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _json(value):
    def default(v):
        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(f"checkpoint state must be JSON-serialisable or numpy arrays, got {type(v).__name__}")

    return json.dumps(value, default=default)


def _complete(root):
    """Complete (manifest present) checkpoint directories under `root`, oldest first."""
    return sorted(p for p in root.iterdir() if _NAME.match(p.name) and (p / MANIFEST).is_file())


def write_checkpoint(root, step, time, comm, mesh, fields, state, rank_state, deck_text, version, keep,
                     particles=None) -> Path:
    """Write the checkpoint of `step` collectively and return its final path (on every rank).

    A write that fails on any rank (`OSError`: a full disk, say) raises `faults.OutputError` (with
    `checkpoint=True`) on every rank after removing the partial `.tmp` directory; the complete checkpoints
    written before are left as they were.

    `fields`: name -> this rank's owned numpy block (shape `mesh.local_shape[:ndim]`); `state`: global solver
    state, identical on every rank (JSON-serialisable values or numpy arrays); `rank_state`: this rank's
    JSON-serialisable state; `keep` (>= 1): how many complete checkpoints to keep; `particles`: name -> this
    rank's variable-length array (particles on the last axis), stored as /particles/<name>, the concatenation
    over the ranks in rank order, with the per-rank counts in /particle_counts/<name>.
    """
    particles = {k: np.ascontiguousarray(v) for k, v in (particles or {}).items()}
    counts = comm.allgather({k: v.shape[-1] for k, v in particles.items()})
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    root = Path(root)
    final, tmp = root / f"ckpt_{step:08d}", root / f".ckpt_{step:08d}.tmp"
    try:
        with collective(comm, tmp, checkpoint=True):
            if comm.is_root:
                root.mkdir(parents=True, exist_ok=True)
                for stale in root.glob(_TMP):
                    shutil.rmtree(stale)
                (tmp / "blocks").mkdir(parents=True)
        _write_data(tmp, step, time, comm, mesh, fields, state, rank_state, deck_text, version, particles, counts)
        with collective(comm, tmp, checkpoint=True):
            if comm.is_root:
                _seal(tmp, final, root, keep, step)
    except OutputError as exc:      # the previous checkpoints are untouched: only a complete one replaces them
        if comm.is_root:
            shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(exc.path, exc.reason, checkpoint=True) from None
    return final


def _write_data(tmp, step, time, comm, mesh, fields, state, rank_state, deck_text, version, particles, counts):
    """checkpoint.h5 and the block files in `tmp`, block files fsynced by their ranks (collective)."""
    rank_states = comm.allgather(_json(rank_state))
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    plain = _json({k: v for k, v in state.items() if k not in arrays})

    def annotate(f):
        f.attrs.update({"step": np.int64(step), "time": np.float64(time), "nranks": np.int64(comm.size),
                        "process_grid": np.array(mesh.topology.dims[: mesh.ndim], dtype=np.int64),
                        "global_shape": np.array(mesh.global_shape, dtype=np.int64),
                        "version": ascii_attr(version), "hpcsim_deck": ascii_attr(deck_text)})
        group = f.create_group("state")
        group.attrs["json"] = ascii_attr(plain)
        for key, value in arrays.items():
            group.create_dataset(key, data=value)
        f.create_dataset("rank_state", data=np.array([s.encode() for s in rank_states]))
        for name in particles:
            f.create_dataset(f"particle_counts/{name}", data=np.array([c[name] for c in counts], dtype=np.int64))

    block = tmp / "blocks" / f"r{comm.rank:05d}.h5"
    write_global(tmp / MAIN, block, comm, mesh, {f"fields/{k}": np.ascontiguousarray(v) for k, v in fields.items()},
                 annotate, {f"particles/{k}": v for k, v in particles.items()})
    with collective(comm, block, checkpoint=True):
        if block.exists():
            _fsync(block)


def _seal(tmp, final, root, keep, step):
    """Rank 0: fsync the main file, write the manifest, rename `tmp` to `final`, drop checkpoints beyond `keep`."""
    _fsync(tmp / MAIN)
    if os.environ.get("HPCSIM_FAULT_KILL_IN_CHECKPOINT") == str(step):
        os.kill(os.getpid(), signal.SIGKILL)
    files = sorted(p for p in tmp.rglob("*") if p.is_file())
    (tmp / MANIFEST).write_text("".join(f"{_sha256(p)}  {p.relative_to(tmp).as_posix()}\n" for p in files))
    _fsync(tmp / MANIFEST)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    _fsync(root)
    for old in _complete(root)[:-keep]:
        shutil.rmtree(old)


def verify(path):
    """(True, '') if the manifest lists checkpoint.h5, every listed file matches its SHA-256 and checkpoint.h5
    opens; else (False, reason)."""
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.is_file():
        return False, "incomplete (no manifest: the run stopped while writing it)"
    try:
        entries = [line.split("  ", 1) for line in manifest.read_text().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        return False, f"unreadable manifest ({exc})"
    if any(len(e) != 2 or len(e[0]) != 64 for e in entries):
        return False, "malformed manifest"
    if not any(name == MAIN for _, name in entries):
        return False, f"manifest does not list {MAIN}"
    for digest, name in entries:
        file = path / name
        if not file.is_file():
            return False, f"{name} is missing"
        if _sha256(file) != digest:
            return False, f"checksum mismatch in {name} (corrupted)"
    try:
        with h5py.File(path / MAIN, "r") as f:
            int(f.attrs["step"])
    except (OSError, KeyError) as exc:
        return False, f"unreadable {MAIN} ({exc})"
    return True, ""


def find_latest(root):
    """(newest checkpoint under `root` that verifies, or None; messages).

    The messages say which checkpoint was taken and why each newer one was skipped; `.tmp` directories (writes
    that never finished) are ignored with a message."""
    root = Path(root)
    if not root.is_dir():
        return None, [f"no checkpoint directory {root}"]
    messages = [f"ignoring {p.name} (a checkpoint write that never finished)" for p in sorted(root.glob(_TMP))]
    for path in sorted((p for p in root.iterdir() if _NAME.match(p.name)), reverse=True):
        ok, why = verify(path)
        if ok:
            messages.append(f"restarting from {path.name}")
            return path, messages
        messages.append(f"skipping {path.name}: {why}")
    return None, messages


@dataclass
class Checkpoint:
    step: int
    time: float
    fields: dict          # name -> this rank's owned block (numpy, shape mesh.local_shape[:ndim])
    state: dict           # JSON values and numpy arrays, as written
    particles: dict       # name -> this rank's particles (same rank count) or all of them (another rank count)
    rank_state: dict      # this rank's state if the rank count is unchanged, else None
    deck_text: str
    version: str
    nranks: int           # rank count that wrote it
    process_grid: tuple   # process grid that wrote it
    global_shape: tuple


def read_checkpoint(path, comm, mesh) -> Checkpoint:
    """Read this rank's blocks by hyperslab of the global datasets (any rank count or process grid) and the
    state. Call `verify` (or `find_latest`) first: this reads, it does not check checksums."""
    with h5py.File(Path(path) / MAIN, "r") as f:
        shape = tuple(int(n) for n in f.attrs["global_shape"])
        if shape != tuple(mesh.global_shape):
            raise InputError(f"checkpoint {path} has mesh {list(shape)}, the deck {list(mesh.global_shape)}",
                             "mesh.shape")
        slices = mesh.block_slices()
        fields = {name: dset[slices] for name, dset in f["fields"].items()}
        state = json.loads(f["state"].attrs["json"])
        state.update({k: v[...] for k, v in f["state"].items()})
        nranks = int(f.attrs["nranks"])
        rank_state = json.loads(f["rank_state"][comm.rank].decode()) if nranks == comm.size else None
        names = []
        if "particle_counts" in f:
            f["particle_counts"].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        particles = {}
        for name in names:
            counts, dset = f[f"particle_counts/{name}"][...], f[f"particles/{name}"]
            if nranks == comm.size:
                start = int(np.sum(counts[: comm.rank]))
                particles[name] = dset[..., start:start + int(counts[comm.rank])]
            else:
                particles[name] = dset[...]
        return Checkpoint(int(f.attrs["step"]), float(f.attrs["time"]), fields, state, particles, rank_state,
                          f.attrs["hpcsim_deck"].decode(), f.attrs["version"].decode(), nranks,
                          tuple(int(p) for p in f.attrs["process_grid"]), shape)
