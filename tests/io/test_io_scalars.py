"""The scalar time series: appends readable while running, NaN padding, restart truncation, rank-0 only."""
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from hpcsim.io import ScalarLog
from hpcsim.parallel import Comm


def columns(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][...] for name in f}, f.attrs["hpcsim_deck"].decode()


def test_appends_are_readable_and_typed(tmp_path):
    path = tmp_path / "diags" / "scalars.h5"
    log = ScalarLog(path, Comm(), "deck = 1\n")
    log.append(0, 0.0, {"energy": 1.5})
    cols, deck = columns(path)                 # the file is closed between appends
    assert deck == "deck = 1\n" and list(cols["energy"]) == [1.5]
    log.append(10, 0.1, {"energy": 1.25})
    cols, _ = columns(path)
    assert cols["step"].dtype == np.int64 and cols["time"].dtype == np.float64
    assert cols["energy"].dtype == np.float64
    assert list(cols["step"]) == [0, 10] and list(cols["time"]) == [0.0, 0.1]


def test_late_and_missing_names_are_nan(tmp_path):
    path = tmp_path / "scalars.h5"
    log = ScalarLog(path, Comm(), "deck")
    log.append(0, 0.0, {"a": 1.0})
    log.append(1, 0.5, {"a": 2.0, "b": 3.0})
    log.append(2, 1.0, {"b": 4.0})
    cols, _ = columns(path)
    assert set(cols) == {"step", "time", "a", "b"}
    np.testing.assert_array_equal(cols["a"], [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(cols["b"], [np.nan, 3.0, 4.0])


def test_restart_truncates_later_rows_and_continues(tmp_path):
    path = tmp_path / "scalars.h5"
    log = ScalarLog(path, Comm(), "old deck")
    for step in range(0, 50, 10):
        log.append(step, step / 100, {"a": float(step)})
    restarted = ScalarLog(path, Comm(), "new deck", restart_step=20)
    cols, deck = columns(path)
    assert list(cols["step"]) == [0, 10, 20] and len(cols["a"]) == 3 and deck == "new deck"
    restarted.append(30, 0.3, {"a": -30.0, "c": 1.0})
    cols, _ = columns(path)
    assert list(cols["step"]) == [0, 10, 20, 30]
    assert list(cols["a"]) == [0.0, 10.0, 20.0, -30.0]
    np.testing.assert_array_equal(cols["c"], [np.nan, np.nan, np.nan, 1.0])


def test_restart_without_a_file_starts_one_and_a_fresh_run_replaces_it(tmp_path):
    path = tmp_path / "scalars.h5"
    ScalarLog(path, Comm(), "deck", restart_step=100).append(110, 1.1, {"a": 1.0})
    assert list(columns(path)[0]["step"]) == [110]
    ScalarLog(path, Comm(), "deck").append(0, 0.0, {"b": 2.0})
    cols, _ = columns(path)
    assert list(cols["step"]) == [0] and "a" not in cols


def test_reserved_names_are_refused(tmp_path):
    log = ScalarLog(tmp_path / "scalars.h5", Comm(), "deck")
    with pytest.raises(ValueError, match="reserved"):
        log.append(0, 0.0, {"time": 3.0})


def test_other_ranks_write_nothing(tmp_path):
    log = ScalarLog(tmp_path / "scalars.h5", SimpleNamespace(is_root=False, size=1), "deck", restart_step=3)
    log.append(0, 0.0, {"a": 1.0})
    assert not (tmp_path / "scalars.h5").exists()
