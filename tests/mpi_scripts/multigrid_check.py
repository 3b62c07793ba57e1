"""MG-preconditioned CG on any rank count; prints 'mgcg ITERATIONS CHECKSUM HIERARCHY' on rank 0."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.multigrid import Multigrid
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
mesh = Mesh.create(comm, (32, 32, 16), [1.0, 1.0, 0.5], ["dirichlet", "periodic", "neumann"])
op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
i, j, k = mesh.global_index()
b, x = mesh.zeros(), mesh.zeros()
b[mesh.interior] = np.sin(0.3 * i + 0.7 * j + 1.1 * k) + 0.1 * np.cos(2.0 * i * j + k)
mg = Multigrid(op)
result = CG(op, rtol=1e-10, preconditioner=mg).solve(b, x)
checksum = comm.allreduce(float(np.sum(mesh.owned(x) * np.cos(0.1 * i + 0.2 * j + 0.3 * k))))
if comm.is_root:
    print(f"mgcg {result.iterations} {checksum!r} " + " | ".join(mg.describe()).replace(" ", "_"))
