"""Run under mpiexec -n 1 and -n 2 by test_network.py: the kernel forward pass of a random 3-level network on a
16 x 11 grid split along x (each block 8 x 11, the odd y axis unsplit) prints the sum of squares of its output;
then a 2-level network on 12 x 8 split along x (blocks of 6, not multiples of 4) prints "accepted" or
"refused". The same for the shared network (levels "auto"): 3 levels on 32 x 11 (blocks of 16 x 11), then 4
levels on 24 x 24 (blocks of 12, not multiples of 16); last the sum of squares of the shared network with the mask
pyramid on 32 x 11 with a disc's fluid mask (the disc across the two blocks)."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.dcdm.forward import Forward
from hpcsim.linalg.dcdm.network import Network
from hpcsim.linalg.dcdm.obstacles import fluid_mask
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm


def random_network(levels, seed=3, masked=False):
    inputs = 2 if masked else 1
    rng = np.random.default_rng(seed)
    weights = {name: (rng.standard_normal(w).astype(np.float32) * 0.3,
                      rng.standard_normal(b).astype(np.float32) * (levels != "auto"))     # shared: no biases
               for name, (w, b) in Network.shapes(2, 4, inputs, levels, masked).items()}
    return Network(2, 4, inputs, weights, {}, levels, masked)


def sum_of_squares(network, shape):
    mesh = Mesh.create(comm, shape, (1.0, 1.0), "dirichlet", process_grid=[comm.size, 1])
    forward = Forward(network, mesh, CPUBackend())
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    o = mesh.local_offset
    forward.input[0][mesh.interior] = x[o[0]:o[0] + mesh.local_shape[0], o[1]:o[1] + mesh.local_shape[1], None]
    if network.masked:
        fluid = fluid_mask(mesh, [[0.5, 0.4, 0.3]])
        forward.input[0][mesh.interior] *= fluid
        forward.input[1][mesh.interior] = fluid
    y = mesh.owned(forward.run()[0]).astype(np.float64)
    return comm.allreduce(float(np.sum(y ** 2)))


def verdict(network, shape, multiple):
    mesh = Mesh.create(comm, shape, (1.0, 1.0), "dirichlet", process_grid=[comm.size, 1])
    try:
        Forward(network, mesh, CPUBackend())
        return "accepted"
    except ValueError as exc:
        assert f"multiple of {multiple}" in str(exc), exc
        return "refused"


comm = Comm()
line = [f"{sum_of_squares(random_network(3), (16, 11)):.9e}", verdict(random_network(2), (12, 8), 4),
        f"{sum_of_squares(random_network('auto'), (32, 11)):.9e}", verdict(random_network("auto"), (24, 24), 16),
        f"{sum_of_squares(random_network('auto', masked=True), (32, 11)):.9e}"]
if comm.is_root:
    print(" ".join(line), flush=True)
