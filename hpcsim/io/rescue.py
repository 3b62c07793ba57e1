"""What a run does after a write failed (`faults.OutputError`): keep what is checkpointed, and say so in one line.

The failed write named the path and the reason. The state the run holds in memory is newer than any
checkpoint, so one more checkpoint is tried: in OUTDIR/checkpoints unless the failed write was a checkpoint
there (it may fit where a field dump did not, and a partial dump has been removed), then in the directory
HPCSIM_RESCUE_DIR names, if set (another file system; every rank must be able to write it). A checkpoint
write that fails leaves no partial directory and never touches the complete ones written before it. Failing
that, the newest checkpoint that verifies (SHA-256 manifest) is named, so the line ends with where
`--restart latest` will continue from.
"""
import os
from pathlib import Path

from .checkpoint import find_latest
from .faults import OutputError


def rescue(error, comm, checkpoint, root):
    """The one-line account of `error` (collective): `checkpoint(directory)` (or None: the model has no time
    to continue) writes a checkpoint under `directory` and returns its path; `root` is the run's checkpoint
    directory."""
    parts = [str(error)]
    places = []
    if checkpoint is not None:
        if not error.checkpoint:
            places.append(root)
        if os.environ.get("HPCSIM_RESCUE_DIR"):
            places.append(Path(os.environ["HPCSIM_RESCUE_DIR"]))
    for place in places:
        try:
            path = checkpoint(place)
        except OutputError as second:
            parts.append(f"a checkpoint in {place} failed too ({second.reason})")
            continue
        again = "latest" if place == root else f"{path} -o OUTDIR"
        return "; ".join(parts + [f"the run's state was saved in {path}: continue with --restart {again}"])
    newest = comm.bcast(find_latest(root)[0] if comm.is_root else None)
    parts.append(f"newest verified checkpoint: {newest} (continue with --restart latest)" if newest
                 else f"no verified checkpoint in {root}")
    return "; ".join(parts)
