"""I/O failures during a run: one line naming the path, and the same decision on every rank.

An `OSError` (a full disk, a read-only or vanished directory, a quota, a lock) raised by one rank's write must
not leave the other ranks waiting in the next collective, nor end the job in a traceback. Writes therefore run
inside `collective(comm, path)`: each rank catches its own `OSError`, the ranks exchange what happened (one
small `allgather`), and every rank raises the same `OutputError` whose message is `PATH: REASON`. The CLI
prints it as `hpcsim: error: PATH: REASON` (after trying to leave a verified checkpoint, see `rescue`).

After such a failure, HDF5 handles still referenced by the failed write (its frames live on in the exception)
fail once more when Python releases them: closing flushes to the same full or vanished file system, and h5py
reports "Can't decrement id ref count (file write failed)" from `ObjectID.__dealloc__` through
`sys.unraisablehook`, which would print a traceback after the one-line error. The failure has been reported,
so from then on those release errors of h5py objects are dropped; every other unraisable error still reaches
the previous hook.
"""
import re
import sys
from contextlib import contextmanager

from ..errors import OutputError

_HDF5_REASON = re.compile(r"error message = '([^']*)'")
_HDF5_NAME = re.compile(r"name = '([^']*)'")
_HDF5_WRITE_FAILED = "file write failed"      # h5py's RuntimeError when an object it releases cannot be flushed

__all__ = ["OutputError", "collective", "reason_of", "quiet_hdf5_release"]


def _is_hdf5_release(unraisable):
    """Whether an unraisable error comes from releasing an h5py object (Cython names the object as a string,
    e.g. 'h5py._objects.ObjectID.__dealloc__')."""
    where = unraisable.object if isinstance(unraisable.object, str) else type(unraisable.object).__module__
    return str(where).startswith("h5py")


def quiet_hdf5_release():
    """From now on, drop the errors h5py raises while releasing its objects (see the module docstring); other
    unraisable errors go to the hook installed before. Idempotent."""
    previous = sys.unraisablehook
    if getattr(previous, "quiet_hdf5_release", False):
        return

    def hook(unraisable):
        if not _is_hdf5_release(unraisable):
            previous(unraisable)

    hook.quiet_hdf5_release = True
    sys.unraisablehook = hook


def reason_of(exc, path):
    """(path, reason) of an `OSError` (or h5py's failed-write RuntimeError) on one line: the file name it carries
    (or HDF5's `name = '...'`, else `path`) and HDF5's `error message = '...'` (else strerror, else the
    message)."""
    text = str(exc)
    name = getattr(exc, "filename", None) or (m.group(1) if (m := _HDF5_NAME.search(text)) else None) or path
    found = _HDF5_REASON.search(text)
    reason = found.group(1) if found else (getattr(exc, "strerror", None) or text)
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
    except RuntimeError as exc:
        if _HDF5_WRITE_FAILED not in str(exc):
            raise
        failure = reason_of(exc, path)            # h5py releasing an object it could not flush: the OSError's twin
    failures = [failure] if comm.size == 1 else comm.allgather(failure)
    first = next((f for f in failures if f is not None), None)
    if first is not None:
        quiet_hdf5_release()
        raise OutputError(*first, checkpoint=checkpoint)
