"""I/O failures during a run: one line naming the path, and the same decision on every rank.

An `OSError` (a full disk, a read-only or vanished directory, a quota, a lock) raised by one rank's write must
not leave the other ranks waiting in the next collective, nor end the job in a traceback. Writes therefore run
inside `collective(comm, path)`: each rank catches its own `OSError`, the ranks exchange what happened (one
small `allgather`), and every rank raises the same `OutputError` whose message is `PATH: REASON`. The CLI
prints it as `hpcsim: error: PATH: REASON` (after trying to leave a verified checkpoint, see `rescue`).
"""
import re
from contextlib import contextmanager

from ..errors import OutputError

_HDF5_REASON = re.compile(r"error message = '([^']*)'")
_HDF5_NAME = re.compile(r"name = '([^']*)'")

__all__ = ["OutputError", "collective", "reason_of"]


def reason_of(exc, path):
    """(path, reason) of an `OSError` on one line: the file name it carries (or HDF5's `name = '...'`, else
    `path`) and HDF5's `error message = '...'` (else strerror, else the message)."""
    text = str(exc)
    name = exc.filename or (m.group(1) if (m := _HDF5_NAME.search(text)) else None) or path
    found = _HDF5_REASON.search(text)
    reason = found.group(1) if found else (exc.strerror or text)
    return str(name), " ".join(str(reason).split())


@contextmanager
def collective(comm, path, checkpoint=False):
    """Run the block on every rank of `comm`; if it raised `OSError` on any rank, raise `OutputError` (the
    lowest failing rank's) on every rank. `path` names what is written, for errors that carry no file name."""
    failure = None
    try:
        yield
    except OSError as exc:
        failure = reason_of(exc, path)
    failures = [failure] if comm.size == 1 else comm.allgather(failure)
    first = next((f for f in failures if f is not None), None)
    if first is not None:
        raise OutputError(*first, checkpoint=checkpoint)
