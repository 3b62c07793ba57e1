"""Every solver x preconditioner on 1-D/2-D/3-D manufactured problems with every boundary combination (all of
them in 1-D and 2-D, a spread of them in 3-D): the computed solution equals the closed-form discrete solution
phi K^2 / Lambda_h (so its error is the discretisation's, second order) to the solver tolerance."""
import itertools

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.linalg.config import SOLVER, make_solver
from hpcsim.linalg.manufactured import Eigenmode
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

COMM = Comm()
KINDS = [("periodic", "periodic"), ("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann"),
         ("neumann", "dirichlet")]
# the learned method and preconditioner need a network trained for the operator: tests/dcdm
METHODS = [m for m in SOLVER.by_name["method"].choices if m != "dcdm"]
PRECONDITIONERS = [p for p in SOLVER.by_name["preconditioner"].choices if p != "dcdm"]
COMBOS = ([(b,) for b in KINDS] + list(itertools.product(KINDS, repeat=2))
          + list(itertools.product(KINDS, repeat=3))[::13])
SHAPES = {1: (40,), 2: (24, 20), 3: (12, 10, 8)}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("preconditioner", PRECONDITIONERS)
def test_manufactured_solution_every_boundary_combination(method, preconditioner):
    rtol = 1e-10
    settings = {"method": method, "preconditioner": preconditioner, "rtol": rtol, "max_iterations": 5000,
                "mg_sweeps": 2, "mg_smoother": "chebyshev", "chebyshev_steps": 4}
    for bcs in COMBOS:
        ndim = len(bcs)
        mesh = Mesh.create(COMM, SHAPES[ndim], [1.0 + 0.2 * a for a in range(ndim)], [list(b) for b in bcs])
        alpha = 0.0 if all(b[0] == "periodic" for b in bcs) else 0.5 * (len(bcs) % 2)
        op = ShiftedLaplacian(mesh, alpha, 1.0, CPUBackend())
        mode = Eigenmode(mesh, [1, 2, 1][:ndim])
        phi = mode.values()
        b = mesh.zeros()
        b[mesh.interior] = (alpha + mode.k2) * phi
        u = mesh.zeros()
        result = make_solver(op, settings).solve(b, u)
        assert result.converged and result.residual <= rtol, (bcs, result.residual)
        exact_discrete = phi * (alpha + mode.k2) / (alpha + mode.k2_discrete)
        # ||u - u_h|| <= ||A^-1|| ||r|| = rtol ||b|| / lambda_min(A); lambda_min >= alpha + lowest eigenvalue
        err = np.max(np.abs(u[mesh.interior] - exact_discrete))
        assert err <= 1e3 * rtol * np.max(np.abs(exact_discrete)), (bcs, err)
