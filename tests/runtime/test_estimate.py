"""The memory and disk estimate: what it counts, and when a run is refused or warned about."""
import shutil

import pytest

from hpcsim import estimate as est
from hpcsim.deck.loader import resolve
from hpcsim.errors import InputError

PIC = {"pic": {}, "species": [{"name": "e", "charge": -1.0, "mass": 1.0, "particles_per_cell": 10,
                                "temperature": 0.01}],
       "mesh": {"shape": [64, 32], "spacing": [0.1, 0.1]}, "run": {"dt": 0.05, "steps": 100},
       "output": {"diag_every": 10, "fields_every": 50, "checkpoint_keep": 2}}


def test_estimate_counts_blocks_particles_and_output():
    deck = resolve(PIC)
    one, four = est.estimate(deck, (1, 1)), est.estimate(deck, (2, 2))
    cells, ghost, particles = 64 * 32, deck.spec.ghost, 10 * 64 * 32
    grid = 8 * deck.spec.footprint.grid_arrays
    assert one.rank_bytes == est.BASE_BYTES + grid * (64 + 2 * ghost) * (32 + 2 * ghost) \
        + est.PARTICLE_BYTES * particles
    assert four.rank_bytes == est.BASE_BYTES + grid * (32 + 2 * ghost) * (16 + 2 * ghost) \
        + est.PARTICLE_BYTES * particles // 4
    assert four.total_bytes > one.total_bytes        # more ghosts and four interpreters
    checkpoint = 8 * 6 * cells + 56 * particles
    dump = 8 * 10 * cells + 64 * particles
    assert one.checkpoint_bytes == checkpoint
    assert one.disk_bytes == 3 * checkpoint + (2 + 100 // 50) * dump + est.SCALAR_ROW_BYTES * (100 // 10 + 2)
    assert one.dominant == "species.particles_per_cell"


@pytest.mark.parametrize("fraction,outcome", [(0.5, "fits"), (0.9, "warning"), (1.1, "refused")])
def test_memory_against_the_node(tmp_path, monkeypatch, fraction, outcome):
    e = est.Estimate(rank_bytes=1 << 30, total_bytes=4 << 30, disk_bytes=1, checkpoint_bytes=1, dominant="mesh.shape")
    monkeypatch.setattr(est, "node_memory", lambda: int(4 * (1 << 30) / fraction))
    if outcome == "refused":
        with pytest.raises(InputError, match=r"mesh.shape: the run needs about 4 GiB for 4 rank\(s\) on this node"):
            est.check_fits(e, 4, tmp_path / "out")
    else:
        warnings = est.check_fits(e, 4, tmp_path / "out")
        assert [w.startswith("memory: ") for w in warnings] == ([True] if outcome == "warning" else [])


@pytest.mark.parametrize("fraction,outcome", [(0.5, "fits"), (0.9, "warning"), (1.1, "refused")])
def test_disk_against_the_free_space(tmp_path, monkeypatch, fraction, outcome):
    e = est.Estimate(rank_bytes=1, total_bytes=1, disk_bytes=1 << 30, checkpoint_bytes=1, dominant="mesh.shape")
    free = int((1 << 30) / fraction)
    monkeypatch.setattr(est.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(free, 0, free))
    if outcome == "refused":
        with pytest.raises(InputError, match="output.dir: the run writes about 1 GiB of output"):
            est.check_fits(e, 1, tmp_path / "new" / "out")
    else:
        assert [w.startswith("disk: ") for w in est.check_fits(e, 1, tmp_path)] == ([True] if outcome == "warning"
                                                                                        else [])


def test_node_memory_is_positive_and_at_most_physical():
    import os
    assert 0 < est.node_memory() <= os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
