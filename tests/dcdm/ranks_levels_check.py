"""Run under mpiexec -n 1 and -n 2 by test_network.py: the kernel forward pass of a random 3-level network on a
16 x 11 grid split along x (each block 8 x 11, the odd y axis unsplit) prints the sum of squares of its output;
then a 2-level network on 12 x 8 split along x (blocks of 6, not multiples of 4) prints "accepted" or
"refused"."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.dcdm.forward import Forward
from hpcsim.linalg.dcdm.network import Network
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm


def random_network(levels, seed=3):
    rng = np.random.default_rng(seed)
    weights = {name: (rng.standard_normal(w).astype(np.float32) * 0.3, rng.standard_normal(b).astype(np.float32))
               for name, (w, b) in Network.shapes(2, 4, 1, levels).items()}
    return Network(2, 4, 1, weights, {}, levels)


comm = Comm()
mesh = Mesh.create(comm, (16, 11), (1.0, 1.0), "dirichlet", process_grid=[comm.size, 1])
forward = Forward(random_network(3), mesh, CPUBackend())
x = np.random.default_rng(5).standard_normal((16, 11)).astype(np.float32)
o = mesh.local_offset
forward.input[0][mesh.interior] = x[o[0]:o[0] + mesh.local_shape[0], o[1]:o[1] + mesh.local_shape[1], None]
y = mesh.owned(forward.run()[0]).astype(np.float64)
total = comm.allreduce(float(np.sum(y ** 2)))
mesh = Mesh.create(comm, (12, 8), (1.0, 1.0), "dirichlet", process_grid=[comm.size, 1])
try:
    Forward(random_network(2), mesh, CPUBackend())
    verdict = "accepted"
except ValueError as exc:
    assert "multiple of 4" in str(exc), exc
    verdict = "refused"
if comm.is_root:
    print(f"{total:.9e} {verdict}", flush=True)
