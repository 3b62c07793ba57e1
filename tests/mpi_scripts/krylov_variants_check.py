"""CG and its variants (CG1, pipelined, flexible) on any rank count, without and with Jacobi; prints one line
'NAME PRECONDITIONER ITERATIONS RESIDUAL CHECKSUM' per solve on rank 0."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.krylov import CG1, FlexibleCG, PipelinedCG
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.linalg.preconditioners import make_preconditioner
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
mesh = Mesh.create(comm, (24, 16, 12), [1.0, 0.75, 0.5], ["dirichlet", "periodic", ["neumann", "dirichlet"]])
op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
i, j, k = mesh.global_index()
b = mesh.zeros()
b[mesh.interior] = np.sin(0.3 * i + 0.7 * j + 1.1 * k) + 0.1 * np.cos(2.0 * i * j + k)
weights = np.cos(0.1 * i + 0.2 * j + 0.3 * k)
solvers = {"CG": CG, "CG1": CG1, "PipelinedCG": lambda *a: PipelinedCG(*a, replace_every=10),
           "FlexibleCG": lambda *a: FlexibleCG(*a, directions=2)}
for preconditioner in ("none", "jacobi"):
    for name, solver in solvers.items():
        x = mesh.zeros()
        result = solver(op, 1e-10, 1000, make_preconditioner(preconditioner, op)).solve(b.copy(), x)
        checksum = comm.allreduce(float(np.sum(mesh.owned(x) * weights)))
        if comm.is_root:
            print(f"{name} {preconditioner} {result.iterations} {result.residual!r} {checksum!r}")
