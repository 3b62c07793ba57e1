"""`OUTDIR/diags/scalars.h5`: the scalar diagnostics as a time series, appended while the run goes on.

One resizable 1-D float64 dataset per diagnostic plus `step` (int64) and `time`, all of the same length. The
file is opened, appended and closed on every call (rank 0 only), so it can be read at any time during the
run. A diagnostic that first appears later is padded with NaN for the earlier rows. A restarted run keeps the
file and drops the rows after its restart step, so the series continues without duplicates.
"""
from pathlib import Path

import h5py
import numpy as np

from .openpmd import ascii_attr


class ScalarLog:
    def __init__(self, path, comm, deck_text, restart_step=None):
        self.path, self.active = Path(path), comm.is_root
        if not self.active:
            return
        if restart_step is not None and self.path.exists():
            with h5py.File(self.path, "a") as f:
                keep = int(np.searchsorted(f["step"][...], restart_step, side="right"))
                for name in f:
                    f[name].resize((keep,))
                f.attrs["hpcsim_deck"] = ascii_attr(deck_text)
            return
        with h5py.File(self.path, "w") as f:
            f.attrs["hpcsim_deck"] = ascii_attr(deck_text)
            f.create_dataset("step", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(1024,))
            f.create_dataset("time", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(1024,))

    def append(self, step, time, values):
        """Append one row: `values` maps diagnostic name -> float."""
        if not self.active:
            return
        with h5py.File(self.path, "a") as f:
            rows = f["step"].shape[0]
            row = {"step": step, "time": time, **values}
            for name in set(f) | set(row):
                if name not in f:
                    f.create_dataset(name, data=np.full(rows, np.nan), maxshape=(None,), chunks=(1024,))
                dset = f[name]
                dset.resize((rows + 1,))
                dset[rows] = row.get(name, np.nan)
