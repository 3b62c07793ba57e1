"""MG-preconditioned CG on odd and uneven sizes, any rank count; rank 0 prints one line per case:
'case NAME ITERATIONS CHECKSUM LEVELS' (LEVELS: the hierarchy's global shapes, rank counts and bottom)."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.multigrid import Multigrid
from hpcsim.linalg.operators import ShiftedLaplacian, VariableCoefficient
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

CASES = [  # name, shape, boundaries, coarse operators, agglomerate_below, variable coefficient
    ("odd3d", (33, 31, 29), "dirichlet", "rediscretise", 2048, False),
    ("deep3d", (36, 27, 25), ["dirichlet", "periodic", "neumann"], "rediscretise", 16, False),
    ("plane2d", (63, 58), ["periodic", "dirichlet"], "rediscretise", 16, False),
    ("galerkin3d", (19, 21, 17), ["neumann", "dirichlet", "periodic"], "galerkin", 16, True),
]

comm = Comm()
for name, shape, bc, coarse, below, variable in CASES:
    mesh = Mesh.create(comm, shape, [1.0] * len(shape), bc)
    index = mesh.global_index()
    i, j, k = (index + (0,) * 3)[:3]
    if variable:
        x, y, z = mesh.coordinates()
        op = VariableCoefficient(mesh, 0.0, 1.0, 1.0 + 0.5 * np.sin(3.0 * x + 2.0 * y) * np.cos(2.0 * z),
                                 CPUBackend())
    else:
        op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    b, x = mesh.zeros(), mesh.zeros()
    b[mesh.interior] = np.sin(0.3 * i + 0.7 * j + 1.1 * k) + 0.1 * np.cos(2.0 * i * j + k)
    mg = Multigrid(op, coarse=coarse, agglomerate_below=below, direct_max=64)
    result = CG(op, rtol=1e-8, preconditioner=mg).solve(b, x)
    checksum = comm.allreduce(float(np.sum(x[mesh.interior] * np.cos(0.1 * i + 0.2 * j + 0.3 * k))))
    if comm.is_root:
        print(f"case {name} {result.iterations} {checksum!r} " + "|".join(mg.describe()).replace(" ", ""), flush=True)
