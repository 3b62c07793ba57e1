"""Compute kernels of hpcsim (installed as `hpcsim.kernels`), one folder per family (`linalg/`, `pic/`,
`phasefield/`, `chemotaxis/`): per-element functions in `*_elements.py`, compiled for numba CPU (`*_cpu.py`) and
numba.cuda (`*_gpu.py`) by `twice.compile_for`, or per-cell loops declared once in `*_loops.py` and generated for
both by `loops`. The shared machinery sits here: `twice`, `loops`, `gpu_grid` (launch geometry and block
reductions) and `stencil` (the finite-difference bodies every family's loops use). `Backend.kernels("pic.yee")`
imports `hpcsim.kernels.pic.yee_cpu` or `yee_gpu`.

Numba's on-disk cache (`cache=True`) keys a compiled kernel on its own source file only, not on the
per-element functions it inlines from other modules, so an edit of a `*_elements.py` alone would leave the
cached machine code of its callers stale. Unless NUMBA_CACHE_DIR is set, the cache therefore lives in a
directory named by a hash of every kernel source ($XDG_CACHE_HOME or ~/.cache, /hpcsim/numba-<hash>): any edit
starts a fresh cache. Where that directory cannot be written numba's default (next to the sources) is kept.
"""
import hashlib
import os
from pathlib import Path


def source_digest(directory=Path(__file__).parent):
    """Hash of the relative paths and contents of every kernel source under `directory`."""
    root = Path(directory)
    sources = sorted(root.rglob("*.py"))
    return hashlib.sha256(b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes()
                                   for p in sources)).hexdigest()[:16]


def _cache_dir():
    digest = source_digest()
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = home / "hpcsim" / f"numba-{digest}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return None
    return path


if not os.environ.get("NUMBA_CACHE_DIR"):
    _path = _cache_dir()
    if _path is not None:
        from numba import config as _config

        _config.CACHE_DIR = str(_path)
