"""Write openPMD output from a known formula of the global indices, on any rank count.

Usage: python io_write.py OUTDIR. Writes OUTDIR/{1d,2d,3d}/data_00000007.h5 with a scalar record `f` and a
vector record `E` (components x, y, z) where f = 1 + i + 1000 j + 1e6 k and E_c = c + f.
"""
import sys
from pathlib import Path

from hpcsim.io import MeshWriter, Record
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
out = Path(sys.argv[1])
for shape, bc in (((13,), "periodic"), ((9, 7), ["dirichlet", "periodic"]), ((6, 5, 7), "neumann")):
    mesh = Mesh.create(comm, shape, [0.5 * (a + 1) for a in range(len(shape))], bc)
    i, j, k = mesh.global_index()
    f = (1.0 + i + 1000.0 * j + 1e6 * k).reshape(mesh.local_shape[: mesh.ndim])
    records = {"f": Record(f, (1, 0, 0, 0, 0, 0, 0), 2.0),
               "E": {c: Record(f + n, (1, 1, -3, -1, 0, 0, 0)) for n, c in enumerate("xyz")}}
    directory = out / f"{len(shape)}d"
    if comm.is_root:
        directory.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    MeshWriter(directory, mesh, comm, "# deck text\n[poisson]\n", "0.0-test").write(7, 0.25, 0.05, records)
if comm.is_root:
    print("written")
