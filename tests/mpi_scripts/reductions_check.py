"""Global reductions and the Cartesian topology on any number of ranks; prints 'reductions ok' on rank 0."""
import numpy as np

from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
r, p = comm.rank, comm.size
assert comm.allreduce(r + 1) == p * (p + 1) // 2
assert comm.allreduce(float(r), "max") == p - 1
assert comm.allreduce(float(r), "min") == 0
v = comm.allreduce(np.array([r, 2.0 * r, -r]))
assert np.array_equal(v, np.array([1, 2, -1]) * p * (p - 1) / 2)
assert comm.any(r == p - 1) and not comm.any(False)

# The blocks of every rank tile the global mesh exactly once.
mesh = Mesh.create(comm, (11, 7, 5), (1.0, 1.0, 1.0), ["periodic", "dirichlet", "neumann"])
owner = np.zeros((11, 7, 5), dtype=np.int64)
owner[tuple(slice(o, o + n) for o, n in zip(mesh.local_offset, mesh.local_shape))] = 1
assert np.array_equal(comm.allreduce(owner), np.ones_like(owner)), "blocks overlap or leave holes"
i, j, k = mesh.global_index()
assert i.ravel()[0] == mesh.local_offset[0] and k.ravel()[-1] == mesh.local_offset[2] + mesh.local_shape[2] - 1
if comm.is_root:
    print("reductions ok")
