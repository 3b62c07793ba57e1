"""Cost of the PIC step against the particle shape (pic.shape 1, 2, 3), measured side by side in one process:
a 2D3V thermal plasma (64^2 cells, 64 particles per cell, Vay, no forcing) per shape, the three runs interleaved
5 times x 5 steps, best ns per particle-step of each and the ratio to the linear shape. Run with one numba
thread: `NUMBA_NUM_THREADS=1 python benchmarks/pic_shapes_cost.py` (the first run compiles each shape's fused
step: minutes)."""
import time, math, numpy as np
from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian, quiet_start
cells, ppc = 64, 64
pics = {}
for order in (1, 2, 3):
    mesh = Mesh.create(Comm(), (cells, cells), (0.1 * cells, 0.1 * cells), "periodic", ghost=2 if order == 1 else 3)
    x = quiet_start(mesh, ppc)
    u = bi_maxwellian(np.random.default_rng(0), x.shape[1], 1.0, 0.01, 0.01, symmetric=True)
    el = Species("electrons", -1.0, 1.0, x, u, np.arange(x.shape[1]), qw=-1.0 / ppc)
    pics[order] = PIC(mesh, CPUBackend(), [el], background=1.0, shape=order)
    pics[order].step(0.035); pics[order].sort()
n = cells * cells * ppc
best = {o: 1e9 for o in pics}
for rep in range(5):
    for o, pic in pics.items():
        t = time.perf_counter()
        for _ in range(5): pic.step(0.035)
        best[o] = min(best[o], (time.perf_counter() - t) / 5 / n * 1e9)
for o, v in best.items():
    print(f"shape {o}: {v:.1f} ns per particle-step ({v / best[1]:.2f} x linear)")
