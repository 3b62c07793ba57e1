"""XDMF sidecars so that ParaView and VisIt open the openPMD field files directly.

Per iteration `DIR/data_%08T.xmf` (a 3DCoRectMesh/2DCoRectMesh of cell data whose attributes point at the
HDF5 datasets), and `DIR/series.xmf`, a temporal collection that XIncludes every per-iteration sidecar in the
directory, rewritten after every dump (so it also covers the dumps of a run before its restart). XDMF lists dimensions slowest first, which is the datasets' C order. The mesh is given by its
nodes (cells + 1 per axis) so the datasets are cell-centred; 1-D meshes are written as 2-D with one cell.
"""
from pathlib import Path


def _grid(basename, iteration, time, records, layout):
    cells = list(layout.global_shape)
    spacing, origin = list(layout.spacing), list(layout.origin)
    if len(cells) == 1:
        cells, spacing, origin = cells + [1], spacing + [spacing[0]], origin + [0.0]
    nodes = " ".join(str(n + 1) for n in cells)
    topo = "3DCoRectMesh" if len(cells) == 3 else "2DCoRectMesh"
    geo = "ORIGIN_DXDYDZ" if len(cells) == 3 else "ORIGIN_DXDY"
    dims = " ".join(map(str, cells))
    fname = f"{basename}_{iteration:08d}.h5"
    lines = [f'<Grid Name="iteration {iteration}" GridType="Uniform">', f'  <Time Value="{time!r}"/>',
             f'  <Topology TopologyType="{topo}" Dimensions="{nodes}"/>', f'  <Geometry GeometryType="{geo}">',
             f'    <DataItem Format="XML" Dimensions="{len(cells)}">{" ".join(map(repr, origin))}</DataItem>',
             f'    <DataItem Format="XML" Dimensions="{len(cells)}">{" ".join(map(repr, spacing))}</DataItem>',
             '  </Geometry>']
    for name, comps in records.items():
        for comp in comps:
            label = name if comp is None else f"{name}_{comp}"
            inner = f"/data/{iteration}/meshes/{name}" + ("" if comp is None else f"/{comp}")
            lines += [f'  <Attribute Name="{label}" AttributeType="Scalar" Center="Cell">',
                      f'    <DataItem Format="HDF" NumberType="Float" Precision="8" Dimensions="{dims}">'
                      f'{fname}:{inner}</DataItem>', '  </Attribute>']
    return lines + ["</Grid>"]


def _document(body):
    return "\n".join(['<?xml version="1.0" ?>', '<Xdmf Version="3.0">', "<Domain>", *body, "</Domain>",
                      "</Xdmf>", ""])


def write_xdmf(directory, basename, iteration, time, records, layout):
    """Write the sidecar of `iteration` and rewrite the temporal collection over all sidecars present."""
    directory = Path(directory)
    grid = _grid(basename, iteration, time, records, layout)
    (directory / f"{basename}_{iteration:08d}.xmf").write_text(_document(grid))
    series = ['<Grid Name="series" GridType="Collection" CollectionType="Temporal">']
    for sidecar in sorted(directory.glob(f"{basename}_*.xmf")):
        series.append(f'  <xi:include href="{sidecar.name}" xpointer="xpointer(//Xdmf/Domain/Grid)"/>')
    text = _document(series + ["</Grid>"]).replace('<Xdmf Version="3.0">',
                                                   '<Xdmf Version="3.0" xmlns:xi="http://www.w3.org/2001/XInclude">')
    (directory / "series.xmf").write_text(text)
