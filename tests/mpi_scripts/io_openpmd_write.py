"""Write openPMD output of known fields on any rank count: python io_openpmd_write.py OUTDIR.

For each case of io_fields.CASES writes OUTDIR/<case>/data_%08d.h5 for iterations 3 and 7: a scalar record
`f` (the index formula times the iteration, unitSI 2, unitDimension L), a vector record `E` (components x, y, z:
formula + component number, unitDimension of V/m) and a float32 record `g` (the formula as float32).
"""
import sys
from pathlib import Path

import numpy as np
from io_fields import CASES, DECK, block_field

from hpcsim.io import MeshWriter, Record
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
out = Path(sys.argv[1])
for case, (shape, grid) in CASES.items():
    mesh = Mesh.create(comm, shape, [0.5 * (a + 1) for a in range(len(shape))], "periodic",
                       process_grid=grid if comm.size == 2 else None, origin=[-1.0] * len(shape))
    writer = MeshWriter(out / case, mesh, comm, DECK, "0.0-test")
    f = block_field(mesh)
    for iteration in (3, 7):
        records = {"f": Record(iteration * f, (1, 0, 0, 0, 0, 0, 0), 2.0),
                   "E": {c: Record(f + n, (1, 1, -3, -1, 0, 0, 0)) for n, c in enumerate("xyz")},
                   "g": Record(f.astype(np.float32))}
        writer.write(iteration, 0.25 * iteration, 0.25, records)
print(f"rank {comm.rank}: written", flush=True)
