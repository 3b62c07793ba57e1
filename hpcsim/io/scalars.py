"""`OUTDIR/diags/scalars.h5`: the scalar diagnostics as a time series, appended while the run goes on.

Layout: one resizable 1-D float64 dataset per diagnostic plus `step` (int64) and `time` (float64, the run's
time unit), all of the same length, one row per `append`; root attribute `hpcsim_deck` holds the resolved deck.
The file is opened, appended and closed on every call (rank 0 only), with HDF5 file locking off (`OPEN`):
readers may hold it open at any time during the run (`h5py.File(path, 'r')`, as users do) and never block or
kill the writer. Measured with h5py 3.16 / HDF5 2.0: with locking on, an append while a reader holds the file
fails with `BlockingIOError: unable to lock file`; with `locking=False` it succeeds and a reader that reopens
(or re-reads the dataset's shape) sees the new row. Only rank 0 ever writes the file, so the lock protects
nothing here; a reader that opens it in the middle of an append may see a torn row count and should retry. A diagnostic that first appears later is NaN in the earlier rows, and one missing from a call is NaN in
that row. A restarted run (`restart_step` given) keeps the file and drops the rows with step > restart_step, so
the series continues without duplicates.
"""
from pathlib import Path

import h5py
import numpy as np

from .faults import collective
from .openpmd import ascii_attr

RESERVED = ("step", "time")
_CHUNK = (1024,)
OPEN = {"locking": False}     # see the module docstring: readers must never block the writer


class ScalarLog:
    """Appends rows of scalar diagnostics to one HDF5 file. Every rank calls every method (rank 0 writes; a
    failed write raises the same `faults.OutputError` on every rank)."""

    def __init__(self, path, comm, deck_text, restart_step=None):
        self.path, self.comm = Path(path), comm
        with collective(comm, self.path):
            if comm.is_root:
                self._start(deck_text, restart_step)

    def _start(self, deck_text, restart_step):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if restart_step is not None and self.path.exists():
            with h5py.File(self.path, "a", **OPEN) as f:
                steps = f["step"][...]
                keep = int(np.argmax(steps > restart_step)) if (steps > restart_step).any() else steps.size
                for name in f:
                    f[name].resize((keep, *f[name].shape[1:]))
                f.attrs["hpcsim_deck"] = ascii_attr(deck_text)
            return
        with h5py.File(self.path, "w", **OPEN) as f:
            f.attrs["hpcsim_deck"] = ascii_attr(deck_text)
            f.create_dataset("step", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=_CHUNK)
            f.create_dataset("time", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=_CHUNK)

    def append(self, step, time, values):
        """Append one row: `values` maps diagnostic name -> float, or -> 1-D array (a 2-D dataset of one row
        per step, e.g. a spectrum; its length is fixed by the first row) (names other than 'step' and 'time')."""
        clash = [name for name in values if name in RESERVED]
        if clash:
            raise ValueError(f"scalar diagnostics may not be called {clash}: those columns are reserved")
        with collective(self.comm, self.path):
            if self.comm.is_root:
                self._append({"step": step, "time": time, **values})

    def _append(self, row):
        with h5py.File(self.path, "a", **OPEN) as f:
            rows = f["step"].shape[0]
            for name, value in row.items():
                if name not in f:
                    width = np.shape(value)
                    f.create_dataset(name, data=np.full((rows, *width), np.nan), maxshape=(None, *width),
                                     chunks=(_CHUNK[0] // max(1, int(np.prod(width))) or 1, *width))
            for name, dset in f.items():
                dset.resize((rows + 1, *dset.shape[1:]))
                dset[rows] = row.get(name, np.nan)

    def set_attributes(self, attributes):
        """Attach attributes to diagnostics already in the file: {name: {attribute: value}}."""
        with collective(self.comm, self.path):
            if self.comm.is_root:
                with h5py.File(self.path, "a", **OPEN) as f:
                    for name, attrs in attributes.items():
                        if name in f:
                            f[name].attrs.update(attrs)
