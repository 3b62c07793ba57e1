"""What a run does after a write failed (`faults.OutputError`): keep what is checkpointed, and say so in one line.

The failed write named the path and the reason. If it was not a checkpoint, the state the run holds in memory
is newer than any checkpoint, so one more checkpoint is tried (it may fit where a field dump did not, and a
partial dump has been removed); a checkpoint write that fails leaves no partial directory and never touches the
complete ones written before it. Then the newest checkpoint that verifies (SHA-256 manifest) is named, so the
line ends with where `--restart latest` will continue from.
"""
from .checkpoint import find_latest
from .faults import OutputError


def rescue(error, comm, checkpoint, root):
    """The one-line account of `error` (collective): `checkpoint()` (or None: the model has no time to
    continue) writes a checkpoint and returns its path; `root` is the checkpoint directory."""
    parts = [str(error)]
    if checkpoint is not None and not error.checkpoint:
        try:
            return f"{error}; the run's state was saved in {checkpoint()}: continue with --restart latest"
        except OutputError as second:
            parts.append(f"a checkpoint after it failed too ({second})")
    newest = comm.bcast(find_latest(root)[0] if comm.is_root else None)
    parts.append(f"newest verified checkpoint: {newest} (continue with --restart latest)" if newest
                 else f"no verified checkpoint in {root}")
    return "; ".join(parts)
