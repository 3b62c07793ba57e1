"""Decomposition, halo exchange and reductions on 1, 2 and 4 ranks."""
import subprocess
import sys
from pathlib import Path

import pytest

from hpcsim.errors import InputError
from hpcsim.parallel import block_range, choose_process_grid

SCRIPTS = Path(__file__).resolve().parents[1] / "mpi_scripts"


def test_block_range_tiles_uneven_sizes():
    for n in (1, 7, 13, 64):
        for p in range(1, min(n, 6) + 1):
            ranges = [block_range(n, p, c) for c in range(p)]
            assert ranges[0][0] == 0 and sum(size for _, size in ranges) == n
            assert all(a[0] + a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
            assert max(s for _, s in ranges) - min(s for _, s in ranges) <= 1


def test_process_grid_choice_and_errors():
    assert choose_process_grid((64, 64, 64), 8) == (2, 2, 2)
    assert choose_process_grid((256, 16), 4) == (4, 1)          # the long axis is cut first
    assert choose_process_grid((64, 64), 4, [1, 0]) == (1, 4)
    with pytest.raises(InputError, match="does not divide"):
        choose_process_grid((64, 64), 4, [3, 0])
    with pytest.raises(InputError, match="has 4 blocks but the run has 8"):
        choose_process_grid((64, 64), 8, [2, 2])
    with pytest.raises(InputError, match="fewer than"):
        choose_process_grid((4,), 8)
    with pytest.raises(InputError, match="fewer than the 2"):
        choose_process_grid((6, 6), 4, [4, 1], min_cells=2)


def test_halo_exchange_one_rank():
    out = subprocess.run([sys.executable, SCRIPTS / "halo_check.py"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("halo ok")


@pytest.mark.parametrize("nprocs", [2, 4])
def test_halo_exchange_mpi(mpirun, nprocs):
    out = mpirun(nprocs, [SCRIPTS / "halo_check.py"], timeout=240)
    assert "halo ok" in out.stdout


def test_reductions_and_blocks_mpi(mpirun):
    assert "reductions ok" in mpirun(2, [SCRIPTS / "reductions_check.py"]).stdout
    assert "reductions ok" in mpirun(3, [SCRIPTS / "reductions_check.py"]).stdout


def test_more_ranks_than_cores_under_mpich_gets_the_yield_hint(monkeypatch):
    import hpcsim.parallel as parallel
    from hpcsim.cli import _busy_wait_hint

    monkeypatch.delenv("MPIR_CVAR_ENABLE_HEAVY_YIELD", raising=False)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.setattr(parallel, "mpi_vendor", lambda: "MPICH 4.2.0")
    assert "MPIR_CVAR_ENABLE_HEAVY_YIELD=1" in _busy_wait_hint(4)
    assert _busy_wait_hint(2) == ""                                    # ranks fit the cores
    monkeypatch.setattr(parallel, "mpi_vendor", lambda: "Open MPI 4.1.5")
    assert _busy_wait_hint(4) == ""                                    # Open MPI yields by itself
    monkeypatch.setattr(parallel, "mpi_vendor", lambda: "MPICH 4.2.0")
    monkeypatch.setenv("MPIR_CVAR_ENABLE_HEAVY_YIELD", "1")
    assert _busy_wait_hint(4) == ""                                    # already set
