"""20 steps of a thermal 2D3V plasma on any rank count, from the same global particle set; rank 0 saves the
global E and B fields and the global particle count to OUT.npz. Usage: python pic_ranks_check.py OUT.npz [SHAPE]
(SHAPE: the particle shape order, default 1)."""
import sys

import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.deck import ghost_for
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian, quiet_start

comm = Comm()
order = int(sys.argv[2]) if len(sys.argv) > 2 else 1
shape, cell, ppc = (16, 12), 0.1, 16
mesh = Mesh.create(comm, shape, [n * cell for n in shape], "periodic", ghost=ghost_for(order))
whole = Mesh.create(comm.self_comm(), shape, [n * cell for n in shape], "periodic", ghost=ghost_for(order))
x = quiet_start(whole, ppc)                             # the global lattice, the same on every rank count
u = bi_maxwellian(np.random.default_rng(7), x.shape[1], 1.0, 0.01, 0.02, b_hat=(0, 0, 1))
ids = np.arange(x.shape[1])
mine = np.ones(x.shape[1], dtype=bool)
for a in range(2):
    lo = mesh.local_offset[a] * cell
    mine &= (x[a] >= lo) & (x[a] < lo + mesh.local_shape[a] * cell)
electrons = Species("electrons", -1.0, 1.0, x[:, mine].copy(), u[:, mine].copy(), ids[mine], qw=-1.0 / ppc)
pic = PIC(mesh, CPUBackend(), [electrons], background=1.0, shape=order)
pic.fields.b[2][...] = 0.1                             # a background field along z
for _ in range(20):
    pic.step(0.04)
fields = {}
for name, comps in (("E", pic.fields.e), ("B", pic.fields.b)):
    for c, grid in zip("xyz", comps):
        glob = np.zeros(shape)
        glob[mesh.block_slices()] = mesh.owned(grid)
        fields[f"{name}{c}"] = comm.allreduce(glob)
count = comm.allreduce(electrons.x.shape[1])
all_ids = np.sort(np.concatenate(comm.allgather(electrons.ids)))
gauss = pic.gauss_error()
if comm.is_root:
    np.savez(sys.argv[1], count=count, ids=all_ids, gauss=gauss, **fields)
