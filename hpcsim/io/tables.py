"""Small per-run tables (e.g. a solver's residual history) as HDF5 files of 1-D datasets, written by rank 0."""
from pathlib import Path

import h5py
import numpy as np

from .openpmd import ascii_attr


def write_table(path, columns, deck_text, attributes=None):
    """Write `columns` (name -> 1-D array) to `path`, replacing it atomically (a reader holding the old file
    keeps it); the deck is stored as `hpcsim_deck` (UTF-8 bytes, see `ascii_attr`)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["hpcsim_deck"] = ascii_attr(deck_text)
        for key, value in (attributes or {}).items():
            f.attrs[key] = value
        for name, values in columns.items():
            f.create_dataset(name, data=np.asarray(values))
    tmp.replace(path)
