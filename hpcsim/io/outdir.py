"""The output directory: checked before any rank works, and the record of the deck that ran in it.

`check_outdir` finds the nearest existing ancestor of OUTDIR and proves it writable by creating and removing
a probe directory there (so a directory under a file, under /proc, on a read-only mount or without permission
fails with one line naming the path, and nothing stays behind). `record_deck` writes the resolved deck as
OUTDIR/deck.toml; a restart never replaces the deck.toml of the run it continues, it adds
deck.restart_STEP.toml beside it.
"""
import os
import tempfile
from pathlib import Path

from ..errors import InputError


def nearest_existing(path):
    """The path itself or its nearest ancestor that exists (a file or a directory)."""
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path):
        path = path.parent
    return path


def check_outdir(outdir, key):
    """Raise InputError(key) unless `outdir` exists as a writable directory or can be created as one."""
    outdir = Path(outdir)
    base = nearest_existing(outdir)
    if not base.is_dir():
        what = f"{outdir} is a file" if base == Path(os.path.abspath(outdir)) else \
            f"cannot create {outdir}: {base} is a file, not a directory"
        raise InputError(what, key)
    if os.statvfs(base).f_flag & os.ST_RDONLY:
        raise InputError(f"cannot write in {base}: read-only file system", key)
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".hpcsim-probe-", dir=base))
    except OSError as exc:
        raise InputError(f"cannot write in {base}: {exc.strerror or exc}", key) from None


def record_deck(outdir, text, restart_step=None):
    """Write the resolved deck: OUTDIR/deck.toml, or beside an existing one deck.restart_%08d.toml (a
    restart from that step), so that the record of the earlier run is kept. Returns the path."""
    path = Path(outdir) / "deck.toml"
    if restart_step is not None and path.exists():
        path = path.with_name(f"deck.restart_{restart_step:08d}.toml")
    path.write_text(text, encoding="utf-8")
    return path
