"""XDMF sidecars so that ParaView and VisIt open the openPMD field files directly.

`DIR/data_%08d.xmf` describes one iteration: a 2DCoRectMesh/3DCoRectMesh given by its nodes (cells + 1 per
axis, ORIGIN_DXDY(DZ) geometry) with one cell-centred scalar Attribute per record component, pointing at the
dataset `data_%08d.h5:/data/<n>/meshes/<record>[/<component>]` (virtual datasets read as global arrays). XDMF
lists dimensions, origin and spacing slowest axis first, i.e. in the datasets' C order (x, y, z here), and calls
the fastest axis X: ParaView therefore shows hpcsim's z (3-D) or y (2-D) along its X axis and x along its Z (3-D)
or Y (2-D) axis; distances and values are right. A 1-D mesh is written as 2-D with a single cell across.

`DIR/series.xmf` is a temporal collection that XIncludes the grid of every per-iteration sidecar present in the
directory (so it also covers the output of a run before its restart); rank 0 rewrites it after every write.
"""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

XINCLUDE = "http://www.w3.org/2001/XInclude"


def _numbers(values):
    return " ".join(repr(float(v)) for v in values)


_NUMBER_TYPES = {"f": "Float", "i": "Int", "u": "UInt"}


def _document(grids):
    root = ET.Element("Xdmf", Version="3.0")
    domain = ET.SubElement(root, "Domain")
    domain.extend(grids)
    return ET.ElementTree(root)


def _write(tree, path):
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def iteration_grid(h5name, iteration, time, mesh, datasets):
    """The <Grid> of one iteration; `datasets` lists (attribute name, dataset path in `h5name`, numpy dtype)."""
    cells, spacing, origin = list(mesh.global_shape), list(mesh.spacing), list(mesh.origin)
    if len(cells) == 1:
        cells, spacing, origin = [1] + cells, [spacing[0]] + spacing, [0.0] + origin
    grid = ET.Element("Grid", Name=f"iteration_{iteration}", GridType="Uniform")
    ET.SubElement(grid, "Time", Value=repr(float(time)))
    ET.SubElement(grid, "Topology", TopologyType=f"{len(cells)}DCoRectMesh",
                  Dimensions=" ".join(str(n + 1) for n in cells))
    geometry = ET.SubElement(grid, "Geometry", GeometryType="ORIGIN_DXDYDZ" if len(cells) == 3 else "ORIGIN_DXDY")
    for values in (origin, spacing):
        item = ET.SubElement(geometry, "DataItem", Format="XML", NumberType="Float", Precision="8",
                             Dimensions=str(len(cells)))
        item.text = _numbers(values)
    for name, path, dtype in datasets:
        attribute = ET.SubElement(grid, "Attribute", Name=name, AttributeType="Scalar", Center="Cell")
        item = ET.SubElement(attribute, "DataItem", Format="HDF", NumberType=_NUMBER_TYPES[dtype.kind],
                             Precision=str(dtype.itemsize), Dimensions=" ".join(map(str, mesh.global_shape)))
        item.text = f"{h5name}:{path}"
    return grid


def write_iteration(directory, h5name, iteration, time, mesh, datasets):
    """Write `DIR/<h5 stem>.xmf` for one openPMD file; returns its path."""
    path = Path(directory) / (Path(h5name).stem + ".xmf")
    _write(_document([iteration_grid(h5name, iteration, time, mesh, datasets)]), path)
    return path


def write_series(directory, basename="data"):
    """Rewrite `DIR/series.xmf` over every `DIR/<basename>_<n>.xmf`, in iteration order; returns its path."""
    directory = Path(directory)
    pattern = re.compile(rf"{re.escape(basename)}_(\d+)\.xmf$")
    sidecars = sorted((int(m.group(1)), p.name) for p in directory.glob(f"{basename}_*.xmf")
                      if (m := pattern.match(p.name)))
    ET.register_namespace("xi", XINCLUDE)
    collection = ET.Element("Grid", Name="series", GridType="Collection", CollectionType="Temporal")
    for _, name in sidecars:
        ET.SubElement(collection, f"{{{XINCLUDE}}}include", href=name, xpointer="xpointer(//Xdmf/Domain/Grid)")
    path = directory / "series.xmf"
    _write(_document([collection]), path)
    return path
