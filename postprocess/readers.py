"""Readers for hpcsim output directories: the scalar time series and openPMD meshes as global arrays.

Only numpy and h5py: this runs on a laptop against files copied off the cluster. Meshes written by several
ranks are HDF5 virtual datasets over per-rank block files; reading them gives the global array as long as the
`fields/blocks/` folder travels with `fields/`.
"""
import re
from pathlib import Path

import h5py
import numpy as np

_ITER = re.compile(r"data_(\d+)\.h5$")


class ReadError(Exception):
    """A missing or unreadable output directory, file or record (the CLI exits 2 with its message)."""


def _outdir(path):
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such output directory")
    return path


def read_scalars(path):
    """{name: 1-D array} from OUTDIR/diags/scalars.h5 (or that file itself); includes `step` and `time`."""
    path = _outdir(path)
    file = path if path.is_file() else path / "diags" / "scalars.h5"
    if not file.is_file():
        raise ReadError(f"{file}: no scalar diagnostics")
    with h5py.File(file, "r") as f:
        return {name: f[name][...] for name in f}


def list_iterations(path):
    """Sorted iteration numbers of OUTDIR/fields/data_*.h5."""
    fields = _outdir(path) / "fields"
    return sorted(int(m.group(1)) for p in fields.glob("data_*.h5") if (m := _ITER.search(p.name)))


def list_meshes(path, iteration=None):
    """Record names (components as 'name/comp') at `iteration` (default: the last)."""
    file, it = _mesh_file(path, iteration)
    with h5py.File(file, "r") as f:
        meshes = f[f"data/{it}/meshes"]
        out = []
        for name, obj in meshes.items():
            out += [name] if isinstance(obj, h5py.Dataset) else [f"{name}/{c}" for c in obj]
        return out


def _mesh_file(path, iteration):
    iterations = list_iterations(path)
    if not iterations:
        raise ReadError(f"{path}: no field output in fields/")
    it = iterations[-1] if iteration is None else iteration
    if it not in iterations:
        raise ReadError(f"{path}: no iteration {it} (have {iterations[0]} .. {iterations[-1]})")
    return Path(path) / "fields" / f"data_{it:08d}.h5", it


def read_mesh(path, name, iteration=None, component=None):
    """(global array in physical units, metadata) of mesh record `name` at `iteration` (default: last).

    Metadata: iteration, time (s), spacing, offset (grid origin), axis_labels, unitSI, unitDimension."""
    file, it = _mesh_file(path, iteration)
    with h5py.File(file, "r") as f:
        meshes = f[f"data/{it}/meshes"]
        if name not in meshes:
            raise ReadError(f"{file}: no mesh '{name}' (have {', '.join(meshes)})")
        record = meshes[name]
        if isinstance(record, h5py.Group):
            if component not in record:
                raise ReadError(f"mesh '{name}' has components {', '.join(record)}; choose one")
            data, attrs_mesh = record[component], record.attrs
        else:
            data, attrs_mesh = record, record.attrs
        array = data[...] * float(data.attrs["unitSI"])
        if np.isnan(array).any():
            raise ReadError(f"{file}: '{name}' has unwritten cells: is fields/blocks/ missing?")
        it_attrs = f[f"data/{it}"].attrs
        meta = {"iteration": it, "time": float(it_attrs["time"]) * float(it_attrs["timeUnitSI"]),
                "spacing": np.asarray(attrs_mesh["gridSpacing"]) * float(attrs_mesh["gridUnitSI"]),
                "offset": np.asarray(attrs_mesh["gridGlobalOffset"]) * float(attrs_mesh["gridUnitSI"]),
                "axis_labels": [a.decode() for a in attrs_mesh["axisLabels"]],
                "unitSI": float(data.attrs["unitSI"]), "unitDimension": np.asarray(attrs_mesh["unitDimension"])}
        return array, meta


def read_deck(path):
    """The resolved deck text a run wrote (OUTDIR/deck.toml)."""
    file = _outdir(path) / "deck.toml"
    if not file.is_file():
        raise ReadError(f"{file}: missing")
    return file.read_text()
