"""Checkpoints: bit-exact round trips across rank counts and process grids, the SHA-256 manifest, corrupted and
incomplete checkpoints detected and skipped with a reason, leftover .tmp directories, keep-K pruning."""
import hashlib
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import run_mpi
from hpcsim.errors import InputError
from hpcsim.io import find_latest, read_checkpoint, verify, write_checkpoint
from hpcsim.io.checkpoint import MANIFEST
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

SCRIPTS = Path(__file__).resolve().parents[1] / "mpi_scripts"
sys.path.insert(0, str(SCRIPTS))
from io_fields import random_global  # noqa: E402

SHAPE = (9, 7)


def mesh1():
    return Mesh.create(Comm(), SHAPE, (1.0, 1.0), "periodic")


def write_one(root, step, keep=3, mesh=None):
    """A 1-rank checkpoint with the fields and state io_checkpoint.py expects."""
    mesh = mesh or mesh1()
    fields = {"u": random_global(SHAPE, 1), "v": random_global(SHAPE, 2)}
    state = {"dt": 0.1 + 0.2, "counts": [1, 2, 3], "history": random_global((5,), 3), "n": np.int64(4)}
    rng = np.random.default_rng(11)
    return write_checkpoint(root, step, 0.5 * step, Comm(), mesh, fields, state,
                            {"rng": rng.bit_generator.state}, "deck text", "1.2.3", keep)


def test_round_trip_across_rank_counts(tmp_path):
    """1 rank writes -> 2 ranks read; 2 ranks write (grid [1, 2]) -> 2 ranks and 1 rank read; all bit-exact."""
    write_one(tmp_path / "one", 10)
    proc = run_mpi(2, [SCRIPTS / "io_checkpoint.py", tmp_path / "one", tmp_path / "two"], timeout=120)
    assert "rank 0: ok" in proc.stdout and "rank 1: ok" in proc.stdout    # lines of the two ranks may interleave
    path, messages = find_latest(tmp_path / "two")
    assert path.name == "ckpt_00000020" and messages == ["restarting from ckpt_00000020"]
    ck = read_checkpoint(path, Comm(), mesh1())
    assert (ck.step, ck.time, ck.nranks, ck.process_grid) == (20, 2.0, 2, (1, 2))
    assert ck.rank_state is None and ck.version == "0.0-test" and ck.deck_text == "deck"
    np.testing.assert_array_equal(ck.fields["u"], random_global(SHAPE, 1))
    np.testing.assert_array_equal(ck.fields["v"], random_global(SHAPE, 2))
    assert ck.state["dt"] == 0.1 + 0.2 and ck.state["counts"] == [1, 2, 3]
    with h5py.File(path / "checkpoint.h5", "r") as f:
        assert f["fields/u"].is_virtual
    assert sorted(p.name for p in (path / "blocks").iterdir()) == ["r00000.h5", "r00001.h5"]


def test_same_rank_count_restores_rank_state_exactly(tmp_path):
    path = write_one(tmp_path, 4)
    ck = read_checkpoint(path, Comm(), mesh1())
    rng = np.random.default_rng()
    rng.bit_generator.state = ck.rank_state["rng"]
    np.testing.assert_array_equal(rng.random(4), np.random.default_rng(11).random(4))
    assert ck.state["n"] == 4 and isinstance(ck.state["history"], np.ndarray)
    assert ck.deck_text == "deck text" and ck.version == "1.2.3" and ck.nranks == 1


def test_manifest_lists_every_file_with_its_sha256(tmp_path):
    path = write_one(tmp_path, 1)
    lines = (path / MANIFEST).read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ")
        listed[name] = digest
    files = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(listed) == files and "checkpoint.h5" in files
    for name, digest in listed.items():
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest
    assert verify(path) == (True, "")


def test_corrupted_checkpoint_is_detected_and_skipped(tmp_path):
    write_one(tmp_path, 1)
    newest = write_one(tmp_path, 2)
    data = bytearray((newest / "checkpoint.h5").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (newest / "checkpoint.h5").write_bytes(bytes(data))
    ok, why = verify(newest)
    assert not ok and "checksum mismatch" in why and "checkpoint.h5" in why
    path, messages = find_latest(tmp_path)
    assert path.name == "ckpt_00000001"
    assert messages == [f"skipping ckpt_00000002: {why}", "restarting from ckpt_00000001"]


def test_missing_block_file_is_detected(tmp_path):
    run_mpi(2, [SCRIPTS / "io_checkpoint.py", write_one(tmp_path / "one", 1).parent, tmp_path / "two"],
            timeout=120)
    path = tmp_path / "two" / "ckpt_00000020"
    (path / "blocks" / "r00001.h5").unlink()
    assert verify(path) == (False, "blocks/r00001.h5 is missing")


def test_unreadable_checkpoint_with_matching_manifest_is_skipped(tmp_path):
    write_one(tmp_path, 1)
    bad = tmp_path / "ckpt_00000003"
    bad.mkdir()
    (bad / "checkpoint.h5").write_bytes(b"not an HDF5 file")
    digest = hashlib.sha256(b"not an HDF5 file").hexdigest()
    (bad / MANIFEST).write_text(f"{digest}  checkpoint.h5\n")
    ok, why = verify(bad)
    assert not ok and why.startswith("unreadable checkpoint.h5")
    path, messages = find_latest(tmp_path)
    assert path.name == "ckpt_00000001" and messages[0].startswith("skipping ckpt_00000003: unreadable")


def test_incomplete_and_tmp_checkpoints_are_skipped_then_cleaned(tmp_path):
    write_one(tmp_path, 1)
    no_manifest = write_one(tmp_path, 2)
    (no_manifest / MANIFEST).unlink()
    (tmp_path / ".ckpt_00000003.tmp" / "blocks").mkdir(parents=True)      # a killed write
    path, messages = find_latest(tmp_path)
    assert path.name == "ckpt_00000001"
    assert messages == ["ignoring .ckpt_00000003.tmp (a checkpoint write that never finished)",
                        "skipping ckpt_00000002: incomplete (no manifest: the run stopped while writing it)",
                        "restarting from ckpt_00000001"]
    write_one(tmp_path, 4)
    assert not (tmp_path / ".ckpt_00000003.tmp").exists()
    assert find_latest(tmp_path)[0].name == "ckpt_00000004"


def test_keep_prunes_the_oldest_complete_checkpoints(tmp_path):
    for step in (5, 10, 15, 20):
        write_one(tmp_path, step, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt_00000015", "ckpt_00000020"]
    with pytest.raises(ValueError, match="keep"):
        write_one(tmp_path, 25, keep=0)


def test_nothing_to_restart_from(tmp_path):
    assert find_latest(tmp_path / "absent") == (None, [f"no checkpoint directory {tmp_path / 'absent'}"])
    (tmp_path / "ckpt_00000001").mkdir()
    path, messages = find_latest(tmp_path)
    assert path is None and messages[0].startswith("skipping ckpt_00000001: incomplete")


def test_mesh_shape_mismatch_is_an_input_error(tmp_path):
    path = write_one(tmp_path, 1)
    with pytest.raises(InputError, match="mesh"):
        read_checkpoint(path, Comm(), Mesh.create(Comm(), (9, 8), (1.0, 1.0), "periodic"))
