"""The numba cache of the kernels lives in a directory named by a hash of every kernel source, so an edit of a
per-element function (inlined into kernels of other modules) never runs stale cached machine code."""
import os
import subprocess
import sys

from conftest import ROOT

PROBE = "import hpcsim.kernels, numba; print(numba.config.CACHE_DIR)"


def cache_dir(env):
    clean = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env={**clean, **env},
                         check=True)
    return out.stdout.strip()


def test_cache_directory_is_named_by_the_kernel_sources(tmp_path):
    path = cache_dir({"XDG_CACHE_HOME": str(tmp_path)})
    assert path.startswith(str(tmp_path / "hpcsim" / "numba-")) and os.path.isdir(path)
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == path            # stable while the sources are


def test_user_setting_and_unwritable_home_are_respected(tmp_path):
    assert cache_dir({"NUMBA_CACHE_DIR": str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path)}) == \
        str(tmp_path / "mine")
    blocked = tmp_path / "file"
    blocked.write_text("")                                                  # not a directory: cannot be used
    assert cache_dir({"XDG_CACHE_HOME": str(blocked)}) == ""                # numba's default locators


def test_an_edit_of_any_kernel_source_changes_the_hash(tmp_path):
    import shutil

    from hpcsim.kernels import source_digest

    copy = tmp_path / "kernels"
    shutil.copytree(ROOT / "kernels", copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert source_digest(copy) == source_digest()
    element = copy / "pic" / "pic_elements.py"
    element.write_text(element.read_text().replace("h = 0.5 * qm_dt", "h = qm_dt * 0.5"))
    assert source_digest(copy) != source_digest()
