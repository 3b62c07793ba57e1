"""openPMD 1.1 mesh output with h5py, file-based iteration encoding: `DIR/data_%08T.h5`.

Each file holds one iteration at `/data/<iteration>/meshes/<record>` with the standard's attributes (root:
openPMD, openPMDextension, basePath, meshesPath, iterationEncoding, iterationFormat, software, date; iteration:
time, dt, timeUnitSI; mesh: geometry, dataOrder, axisLabels, gridSpacing, gridGlobalOffset, gridUnitSI,
unitDimension, timeOffset; component: position (0.5 per axis: cell centres), unitSI). Strings are fixed-length
ASCII. The resolved deck is the root attribute `hpcsim_deck`.

Parallel writes without parallel HDF5: on one rank the datasets are written directly; on N ranks every rank
writes its block to `DIR/blocks/data_%08T_r%05d.h5`, and rank 0 then writes the main file whose datasets are
HDF5 virtual datasets over the blocks (relative paths, resolved against the main file's directory), so every
reader sees the global arrays. (A collective `mpio` write for h5py builds with parallel HDF5 is not
implemented: the PyPI h5py has none to test it with.)
"""
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

OPENPMD_VERSION = "1.1.0"


def ascii_attr(text):
    return np.bytes_(text.encode("ascii", "replace"))


@dataclass
class Record:
    """One scalar mesh record: this rank's owned block, its unit dimension (L, M, T, I, theta, N, J) and unitSI."""

    array: np.ndarray
    unit_dimension: tuple = (0.0,) * 7
    unit_si: float = 1.0


def components(value):
    """{component name or None: Record} for a scalar Record or a dict of components."""
    return value if isinstance(value, dict) else {None: value}


@dataclass
class Layout:
    """Where a rank's block lies in the global arrays."""

    global_shape: tuple
    offset: tuple
    shape: tuple
    spacing: tuple
    origin: tuple
    axis_labels: tuple = field(default=("x", "y", "z"))

    @classmethod
    def of(cls, mesh):
        n = mesh.ndim
        return cls(tuple(mesh.global_shape), tuple(mesh.local_offset[:n]), tuple(mesh.local_shape[:n]),
                   tuple(mesh.spacing), tuple(mesh.origin), tuple(mesh.axis_labels))

    def slices(self):
        return tuple(slice(o, o + s) for o, s in zip(self.offset, self.shape))


def write_root_attributes(f, deck_text, version, basename="data"):
    f.attrs["openPMD"] = ascii_attr(OPENPMD_VERSION)
    f.attrs["openPMDextension"] = np.uint32(0)
    f.attrs["basePath"] = ascii_attr("/data/%T/")
    f.attrs["meshesPath"] = ascii_attr("meshes/")
    f.attrs["iterationEncoding"] = ascii_attr("fileBased")
    f.attrs["iterationFormat"] = ascii_attr(f"{basename}_%08T.h5")
    f.attrs["software"] = ascii_attr("hpcsim")
    f.attrs["softwareVersion"] = ascii_attr(version)
    f.attrs["date"] = ascii_attr(datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"))
    f.attrs["hpcsim_deck"] = ascii_attr(deck_text)


def write_mesh_attributes(group, layout, unit_dimension):
    group.attrs["geometry"] = ascii_attr("cartesian")
    group.attrs["dataOrder"] = ascii_attr("C")
    group.attrs["axisLabels"] = np.array([ascii_attr(a) for a in layout.axis_labels])
    group.attrs["gridSpacing"] = np.array(layout.spacing, dtype=np.float64)
    group.attrs["gridGlobalOffset"] = np.array(layout.origin, dtype=np.float64)
    group.attrs["gridUnitSI"] = np.float64(1.0)
    group.attrs["unitDimension"] = np.array(unit_dimension, dtype=np.float64)
    group.attrs["timeOffset"] = np.float32(0.0)


def write_component_attributes(dset, ndim, unit_si):
    dset.attrs["position"] = np.full(ndim, 0.5, dtype=np.float64)
    dset.attrs["unitSI"] = np.float64(unit_si)


def write_blocks(path, arrays):
    """A per-rank file with one dataset per (record, component) path."""
    with h5py.File(path, "w") as f:
        for name, array in arrays.items():
            f.create_dataset(name, data=np.ascontiguousarray(array))


def write_global_file(path, iteration_attrs, records, layouts, block_files, deck_text, version, data_path):
    """The main file: every (record, component) as a dataset (one rank) or a virtual dataset over the blocks.

    `records` maps record name -> {component (None for a scalar record): (unit_dimension, unit_si, dtype,
    data)}; `layouts[r]` and `block_files[r]` describe rank r's block (`block_files` None: write `data`)."""
    path = Path(path)
    ndim = len(layouts[0].global_shape)

    def dataset(parent, dname, inner, dtype, data):
        if block_files is None:
            return parent.create_dataset(dname, data=data)
        vl = h5py.VirtualLayout(shape=layouts[0].global_shape, dtype=dtype)
        for lay, bf in zip(layouts, block_files):
            vl[lay.slices()] = h5py.VirtualSource(Path(bf).relative_to(path.parent).as_posix(), inner,
                                                  shape=lay.shape)
        return parent.create_virtual_dataset(dname, vl, fillvalue=np.nan)

    with h5py.File(path, "w") as f:
        write_root_attributes(f, deck_text, version)
        it = f.require_group(data_path)
        for key, value in iteration_attrs.items():
            it.attrs[key] = value
        meshes = it.require_group("meshes")
        for name, comps in records.items():
            if None in comps:
                unit_dimension, unit_si, dtype, data = comps[None]
                dset = dataset(meshes, name, name, dtype, data)
                write_mesh_attributes(dset, layouts[0], unit_dimension)
                write_component_attributes(dset, ndim, unit_si)
                continue
            group = meshes.require_group(name)
            write_mesh_attributes(group, layouts[0], next(iter(comps.values()))[0])
            for comp, (_, unit_si, dtype, data) in comps.items():
                write_component_attributes(dataset(group, comp, f"{name}/{comp}", dtype, data), ndim, unit_si)


class MeshWriter:
    """Writes openPMD mesh iterations of one run (plus XDMF sidecars) into `directory`."""

    def __init__(self, directory, mesh, comm, deck_text, software_version, basename="data"):
        self.dir, self.mesh, self.comm = Path(directory), mesh, comm
        self.deck_text, self.version, self.basename = deck_text, software_version, basename
        self.layout = Layout.of(mesh)

    def filename(self, iteration):
        return self.dir / f"{self.basename}_{iteration:08d}.h5"

    def write(self, iteration, time, dt, records):
        """Write `records` (name -> Record or {component: Record}) as iteration `iteration` at `time`."""
        comm, path = self.comm, self.filename(iteration)
        attrs = {"time": np.float64(time), "dt": np.float64(dt), "timeUnitSI": np.float64(1.0)}
        flat = {name: {c: rec for c, rec in components(v).items()} for name, v in records.items()}
        if comm.size == 1:
            meta = {n: {c: (r.unit_dimension, r.unit_si, r.array.dtype, r.array) for c, r in comps.items()}
                    for n, comps in flat.items()}
            write_global_file(path, attrs, meta, [self.layout], None, self.deck_text, self.version,
                              f"/data/{iteration}")
        else:
            blocks = self.dir / "blocks"
            if comm.is_root:
                blocks.mkdir(parents=True, exist_ok=True)
            comm.barrier()
            mine = blocks / f"{self.basename}_{iteration:08d}_r{comm.rank:05d}.h5"
            write_blocks(mine, {(n if c is None else f"{n}/{c}"): r.array for n, comps in flat.items()
                                for c, r in comps.items()})
            layouts = comm.gather(self.layout)
            comm.barrier()
            if comm.is_root:
                meta = {n: {c: (r.unit_dimension, r.unit_si, r.array.dtype, None) for c, r in comps.items()}
                        for n, comps in flat.items()}
                files = [blocks / f"{self.basename}_{iteration:08d}_r{r:05d}.h5" for r in range(comm.size)]
                write_global_file(path, attrs, meta, layouts, files, self.deck_text, self.version,
                                  f"/data/{iteration}")
        if comm.is_root:
            from .xdmf import write_xdmf

            write_xdmf(self.dir, self.basename, iteration, time, flat, self.layout)
        comm.barrier()
        return path
