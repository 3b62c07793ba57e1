"""Run under mpiexec -n 1 and -n 2 by test_solver.py: Lanczos Ritz values and DCDM / FCG+DCDM solves with the
shipped 2-D models (box, box with the shared network, obstacles, obstacles with the masked shared network, 32 x
32: the 4-level networks, and the shared ones with their 4 levels there, need blocks of 16 cells per rank), one
line per case: name, iterations, true residual, ||x||, the lowest Ritz values."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.config import make_solver
from hpcsim.linalg.dcdm.lanczos import lanczos, start_vector
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

comm = Comm()
mesh = Mesh.create(comm, (32, 32), (1.0, 1.0), "dirichlet", process_grid=[comm.size, 1])
cases = [("box", ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()), "box2d"),
         ("shared", ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()), "box2d_shared"),
         ("obstacles", ObstacleLaplacian(mesh, 0.0, 1.0, [[0.35, 0.4, 0.15], [0.7, 0.65, 0.12]], CPUBackend()),
          "obstacles2d"),
         ("masked", ObstacleLaplacian(mesh, 0.0, 1.0, [[0.35, 0.4, 0.15], [0.7, 0.65, 0.12]], CPUBackend()),
          "obstacles2d_masked")]
for name, op, model in cases:
    fluid = np.asarray(op.fluid[mesh.interior]) if hasattr(op, "fluid") else None
    theta, _ = lanczos(op, 20, seed=0, support=fluid)
    b = mesh.zeros()
    b[mesh.interior] = start_vector(mesh, 9, fluid)
    for method, pc in (("dcdm", "none"), ("fcg", "dcdm")):
        x = mesh.zeros()
        table = {"method": method, "preconditioner": pc, "dcdm_weights": model, "dcdm_inference": "kernels",
                 "rtol": 1e-8}
        result = make_solver(op, table).solve(b, x)
        xx = comm.allreduce(float(np.sum(x[mesh.interior] ** 2)))
        if comm.is_root:
            print(f"{name}-{method} {result.iterations} {result.residual:.6e} {xx ** 0.5:.15e} "
                  f"{theta[0]:.15e} {theta[1]:.15e}", flush=True)
