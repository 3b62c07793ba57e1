"""Readers for hpcsim output directories: the scalar time series and openPMD meshes as global arrays.

Only numpy and h5py: this runs on a laptop against files copied off the cluster. Output directory layout:
OUTDIR/deck.toml, OUTDIR/diags/scalars.h5 (1-D datasets `step`, `time` and one per diagnostic),
OUTDIR/fields/data_%08d.h5 (openPMD 1.1, one iteration per file), OUTDIR/checkpoints/. Meshes written by
several ranks are HDF5 virtual datasets over the per-rank files in `fields/blocks/`: reading them gives the
global array whatever the rank count, as long as `blocks/` travels with `fields/` (checked, with a clear error).
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


def scalars_file(path):
    """OUTDIR/diags/scalars.h5 for an output directory, or `path` itself if it is a file."""
    path = _outdir(path)
    return path if path.is_file() else path / "diags" / "scalars.h5"


def read_scalars(path):
    """{name: 1-D array} from OUTDIR/diags/scalars.h5 (or that file itself), `step` and `time` included.

    Only the 1-D datasets are scalar time series: 2-D ones (the PIC mode spectra `spectrum_E`, `spectrum_B`) are
    left out here and read by `postprocess.pic.read_spectrum`. The file is opened without HDF5 file locking, so a
    running simulation may keep appending to it."""
    file = scalars_file(path)
    if not file.is_file():
        raise ReadError(f"{file}: no scalar diagnostics")
    try:
        with h5py.File(file, "r", locking=False) as f:
            return {name: f[name][...] for name in f if f[name].ndim == 1}
    except OSError as exc:
        raise ReadError(f"{file}: unreadable ({exc}); if the run is appending to it, try again") from exc


def list_iterations(path):
    """Sorted iteration numbers of OUTDIR/fields/data_*.h5."""
    fields = _outdir(path) / "fields"
    return sorted(int(m.group(1)) for p in fields.glob("data_*.h5") if (m := _ITER.search(p.name)))


def uniform_interval(path, times):
    """The interval between dump times that are evenly spaced (to 1e-6 of it), for time transforms; a ReadError
    naming `path` otherwise."""
    steps = np.diff(times)
    interval = float(steps.mean())
    if interval <= 0 or np.ptp(steps) > 1e-6 * interval:
        raise ReadError(f"{path}: field dumps are not evenly spaced in time "
                        f"(intervals {steps.min():.6g} .. {steps.max():.6g})")
    return interval


def mesh_file(path, iteration=None):
    """(OUTDIR/fields/data_%08d.h5, iteration) for `iteration` (default: the last)."""
    iterations = list_iterations(path)
    if not iterations:
        raise ReadError(f"{path}: no field output in fields/")
    it = iterations[-1] if iteration is None else iteration
    if it not in iterations:
        raise ReadError(f"{path}: no iteration {it} (have {iterations[0]} .. {iterations[-1]})")
    return Path(path) / "fields" / f"data_{it:08d}.h5", it


def _meshes(f, it):
    return f[f"data/{it}/{f.attrs['meshesPath'].decode()}"]


def list_meshes(path, iteration=None):
    """Record names at `iteration` (default: the last); vector components as 'name/component'."""
    file, it = mesh_file(path, iteration)
    with h5py.File(file, "r") as f:
        out = []
        for name, obj in _meshes(f, it).items():
            out += [name] if isinstance(obj, h5py.Dataset) else [f"{name}/{c}" for c in obj]
        return out


def _check_sources(file, dset):
    """Raise if a virtual dataset's block files are missing (they would read as fill values)."""
    if not dset.is_virtual:
        return
    missing = sorted({m.file_name for m in dset.virtual_sources() if not (file.parent / m.file_name).is_file()})
    if missing:
        raise ReadError(f"{file}: {dset.name} is stitched from per-rank block files that are missing "
                        f"({', '.join(missing)}): copy fields/blocks/ along with fields/")


def read_mesh(path, name, iteration=None, component=None):
    """(global array in SI units, metadata) of mesh record `name` ('rho', or 'E' with `component`, or 'E/x').

    `iteration` defaults to the last. Metadata: iteration, time (s), spacing and offset (grid origin) per axis
    (m), axis_labels, position (cell-relative), unitSI (already applied to the array), unitDimension, and
    gridUnitSI and timeUnitSI (m and s per code unit: spacing / gridUnitSI and time / timeUnitSI are in code units).
    """
    if component is None and "/" in name:
        name, component = name.split("/", 1)
    file, it = mesh_file(path, iteration)
    with h5py.File(file, "r") as f:
        meshes = _meshes(f, it)
        if name not in meshes:
            raise ReadError(f"{file}: no mesh '{name}' (have {', '.join(meshes)})")
        record = meshes[name]
        if isinstance(record, h5py.Group):
            if component is None or component not in record:
                raise ReadError(f"mesh '{name}' has components {', '.join(record)}; choose one")
            data = record[component]
        elif component is not None:
            raise ReadError(f"mesh '{name}' is a scalar record: it has no component '{component}'")
        else:
            data = record
        _check_sources(file, data)
        unit_si = float(data.attrs["unitSI"])
        array = data[...] * unit_si
        mesh_attrs, it_attrs = record.attrs, f[f"data/{it}"].attrs
        grid_unit = float(mesh_attrs["gridUnitSI"])
        meta = {"iteration": it, "time": float(it_attrs["time"]) * float(it_attrs["timeUnitSI"]),
                "spacing": np.asarray(mesh_attrs["gridSpacing"]) * grid_unit,
                "offset": np.asarray(mesh_attrs["gridGlobalOffset"]) * grid_unit,
                "axis_labels": [a.decode() for a in mesh_attrs["axisLabels"]],
                "position": np.asarray(data.attrs["position"]),
                "unitSI": unit_si, "unitDimension": np.asarray(mesh_attrs["unitDimension"]),
                "gridUnitSI": grid_unit, "timeUnitSI": float(it_attrs["timeUnitSI"])}
        return array, meta


def _component(file, obj):
    """A particle record component as a 1-D array: its dataset, or an openPMD constant record component (a group
    with attributes `value` and `shape`) expanded to that shape."""
    if isinstance(obj, h5py.Dataset):
        _check_sources(file, obj)
        return obj[...]
    return np.full(tuple(int(n) for n in obj.attrs["shape"]), obj.attrs["value"])


def _species(f, file, it, species):
    """The openPMD group of `species` at iteration `it`, or ReadError naming what there is."""
    path = f.attrs.get("particlesPath")
    group = f[f"data/{it}"].get(path.decode()) if path is not None else None
    if group is None:
        raise ReadError(f"{file}: no particle output at iteration {it}")
    if species not in group:
        raise ReadError(f"{file}: no species '{species}' (have {', '.join(group)})")
    return group[species]


def read_particles(path, species, iteration=None):
    """{quantity: 1-D array} of particle species `species` at `iteration` (default: the last), in the units stored
    (unitSI is not applied; for hpcsim these are the code units: positions in grid units (c/omega_pe for PIC),
    momenta in m_e c, charge in e, mass in m_e):
      x, y, z       position + positionOffset, for the components the file holds;
      px, py, pz    momentum of one real particle, p = m u;
      ux, uy, uz    p / mass = gamma v (units of c when p is in m_e c and the mass in m_e);
      weighting     real particles per macro-particle;  id;  charge, mass (constant records expanded);
    and `iteration` (int) and `time` (code units, float)."""
    file, it = mesh_file(path, iteration)
    with h5py.File(file, "r") as f:
        group = _species(f, file, it, species)
        out = {"iteration": it, "time": float(f[f"data/{it}"].attrs["time"])}
        for c, comp in group["position"].items():
            offset = group.get(f"positionOffset/{c}")
            out[c] = _component(file, comp) + (0.0 if offset is None else _component(file, offset))
        for name in ("weighting", "id", "charge", "mass"):
            out[name] = _component(file, group[name])
        for c, comp in group["momentum"].items():
            out[f"p{c}"] = _component(file, comp)
            out[f"u{c}"] = out[f"p{c}"] / out["mass"]
        return out


def read_deck(path):
    """The resolved deck text a run wrote (OUTDIR/deck.toml)."""
    file = _outdir(path) / "deck.toml"
    if not file.is_file():
        raise ReadError(f"{file}: missing")
    return file.read_text(encoding="utf-8")
