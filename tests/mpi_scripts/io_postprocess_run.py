"""An output directory as a run leaves it, written on any rank count: python io_postprocess_run.py OUTDIR.

OUTDIR/deck.toml, OUTDIR/fields/ (2-D mesh of io_fields.CASES['2d']: scalar `f` = (1 + iteration) * formula with
unitSI 2, vector `E` with E_c = formula + component number; iterations 0, 5, 10) and OUTDIR/diags/scalars.h5
(steps 0..10: `energy` = exp(-step), `mass` = 1 from step 5 on).
"""
import math
import sys
from pathlib import Path

from io_fields import CASES, DECK, block_field

from hpcsim.io import MeshWriter, Record, ScalarLog
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
out = Path(sys.argv[1])
shape, grid = CASES["2d"]
mesh = Mesh.create(comm, shape, (2.0, 1.0), "periodic", process_grid=grid if comm.size == 2 else None)
if comm.is_root:
    out.mkdir(parents=True, exist_ok=True)
    (out / "deck.toml").write_text(DECK, encoding="utf-8")
writer = MeshWriter(out / "fields", mesh, comm, DECK, "0.0-test")
log = ScalarLog(out / "diags" / "scalars.h5", comm, DECK)
f = block_field(mesh)
for step in range(11):
    log.append(step, 0.1 * step, {"energy": math.exp(-step), **({"mass": 1.0} if step >= 5 else {})})
    if step % 5 == 0:
        writer.write(step, 0.1 * step, 0.1, {"f": Record((1 + step) * f, unit_si=2.0),
                                             "E": {c: Record(f + n) for n, c in enumerate("xyz")}})
print(f"rank {comm.rank}: written", flush=True)
