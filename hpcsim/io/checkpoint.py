"""Checkpoints: everything needed to continue a run bit-for-bit, written so that a crash never loses the last
good one.

Layout of `ROOT/ckpt_%08d/` (the step): `checkpoint.h5` with the global fields (datasets, or on N ranks
virtual datasets over `blocks/r%05d.h5`, one per rank, so any rank count can read any block), the step,
time, rank count, process grid, code version, resolved deck, the solver state (JSON attributes and arrays)
and every rank's own state (its RNG); and `MANIFEST.sha256` (`sha256sum` format) over all of them.

Writing: into `ROOT/.ckpt_%08d.tmp/`, files fsynced, the manifest written last, then the directory renamed,
then the oldest complete checkpoints beyond `keep` and any stale `.tmp` directories removed. A checkpoint
without a manifest is incomplete; one whose files do not match it is corrupt; `find_latest` skips both and
says why. Fault injection for the tests: with HPCSIM_FAULT_KILL_IN_CHECKPOINT=STEP the process SIGKILLs
itself after writing the data of that step's checkpoint and before its manifest.
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

from .openpmd import ascii_attr

MANIFEST = "MANIFEST.sha256"
_NAME = re.compile(r"ckpt_(\d{8})$")


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


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def write_checkpoint(root, step, time, comm, mesh, fields, state, rank_state, deck_text, version, keep):
    """Write the checkpoint of `step` collectively; returns its final path.

    `fields`: name -> this rank's owned numpy block; `state`: global solver state (JSON values or numpy
    arrays); `rank_state`: this rank's JSON-serialisable state (e.g. its RNG)."""
    root = Path(root)
    final, tmp = root / f"ckpt_{step:08d}", root / f".ckpt_{step:08d}.tmp"
    if comm.is_root:
        if tmp.exists():
            shutil.rmtree(tmp)
        (tmp / "blocks").mkdir(parents=True)
    comm.barrier()
    slices = mesh.block_slices()
    if comm.size > 1:
        block = tmp / "blocks" / f"r{comm.rank:05d}.h5"
        with h5py.File(block, "w") as f:
            for name, array in fields.items():
                f.create_dataset(name, data=np.ascontiguousarray(array))
        _fsync(block)
    gathered = comm.gather((slices, json.dumps(rank_state, default=_json_default)))
    if comm.is_root:
        main = tmp / "checkpoint.h5"
        with h5py.File(main, "w") as f:
            f.attrs.update({"step": np.int64(step), "time": np.float64(time), "nranks": np.int64(comm.size),
                            "process_grid": np.array(mesh.topology.dims[: mesh.ndim]),
                            "global_shape": np.array(mesh.global_shape), "version": ascii_attr(version),
                            "hpcsim_deck": ascii_attr(deck_text)})
            group = f.create_group("fields")
            for name, array in fields.items():
                if comm.size == 1:
                    group.create_dataset(name, data=np.ascontiguousarray(array))
                    continue
                layout = h5py.VirtualLayout(shape=tuple(mesh.global_shape), dtype=array.dtype)
                for rank, (block_slices, _) in enumerate(gathered):
                    shape = tuple(s.stop - s.start for s in block_slices)
                    layout[block_slices] = h5py.VirtualSource(f"blocks/r{rank:05d}.h5", name, shape=shape)
                group.create_virtual_dataset(name, layout)
            arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
            plain = {k: v for k, v in state.items() if k not in arrays}
            sgroup = f.create_group("state")
            sgroup.attrs["json"] = json.dumps(plain, default=_json_default)
            for key, value in arrays.items():
                sgroup.create_dataset(key, data=value)
            f.create_dataset("rank_state", data=np.array([s.encode() for _, s in gathered]))
        _fsync(main)
        if os.environ.get("HPCSIM_FAULT_KILL_IN_CHECKPOINT") == str(step):
            os.kill(os.getpid(), signal.SIGKILL)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        lines = [f"{_sha256(p)}  {p.relative_to(tmp).as_posix()}\n" for p in files]
        (tmp / MANIFEST).write_text("".join(lines))
        _fsync(tmp / MANIFEST)
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        _prune(root, keep, final)
    comm.barrier()
    return final


def _prune(root, keep, current):
    complete = sorted((p for p in root.iterdir() if _NAME.match(p.name) and (p / MANIFEST).exists()),
                      key=lambda p: p.name)
    for old in complete[:-keep]:
        shutil.rmtree(old)
    for stale in root.glob(".ckpt_*.tmp"):
        shutil.rmtree(stale)


def verify(path):
    """(True, '') if every file listed in the manifest exists with its checksum, else (False, reason)."""
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.exists():
        return False, "incomplete (no manifest: the run stopped while writing it)"
    entries = [line.split("  ", 1) for line in manifest.read_text().splitlines() if line.strip()]
    if not any(name == "checkpoint.h5" for _, name in entries):
        return False, "manifest does not list checkpoint.h5"
    for digest, name in entries:
        file = path / name
        if not file.is_file():
            return False, f"{name} is missing"
        if _sha256(file) != digest:
            return False, f"checksum mismatch in {name} (corrupted)"
    return True, ""


def find_latest(root):
    """(newest verified checkpoint or None, messages saying which was taken and why newer ones were skipped)."""
    root = Path(root)
    messages = []
    candidates = sorted((p for p in root.glob("ckpt_*") if _NAME.match(p.name)), reverse=True) \
        if root.is_dir() else []
    for path in candidates:
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
    fields: dict          # name -> this rank's owned block (numpy)
    state: dict
    rank_state: dict      # this rank's state if the rank count is unchanged, else None
    deck_text: str
    version: str
    nranks: int
    global_shape: tuple


def read_checkpoint(path, comm, mesh):
    """Read this rank's blocks (by hyperslab of the global datasets: any rank count) and the state."""
    with h5py.File(Path(path) / "checkpoint.h5", "r") as f:
        shape = tuple(int(n) for n in f.attrs["global_shape"])
        if shape != tuple(mesh.global_shape):
            from ..errors import InputError

            raise InputError(f"checkpoint {path} has mesh {list(shape)}, the deck {list(mesh.global_shape)}",
                             "mesh.shape")
        slices = mesh.block_slices()
        fields = {name: dset[slices] for name, dset in f["fields"].items()}
        state = json.loads(f["state"].attrs["json"])
        state.update({k: v[...] for k, v in f["state"].items()})
        nranks = int(f.attrs["nranks"])
        rank_state = json.loads(f["rank_state"][comm.rank].decode()) if nranks == comm.size else None
        return Checkpoint(int(f.attrs["step"]), float(f.attrs["time"]), fields, state, rank_state,
                          f.attrs["hpcsim_deck"].decode(), f.attrs["version"].decode(), nranks, shape)
