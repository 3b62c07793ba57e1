"""Esirkepov current deposition with linear, quadratic and cubic shapes: the discrete continuity equation
(rho^{n+1} - rho^n)/dt + div J = 0 holds to round-off in 1-D, 2-D and 3-D (across the periodic wrap and,
on 2 ranks, across block edges, with the ghost width of the shape), and the total current equals the sum of
q w v."""
from pathlib import Path

import numpy as np
import pytest

from hpcsim.kernels.pic import deposit_cpu
from hpcsim.mesh import Mesh
from hpcsim.pic.deck import ghost_for
from hpcsim.parallel import Comm


def scenario(shape, n_particles=300, seed=4, comm=None, order=1, kernels=deposit_cpu, reach=0.45):
    """Random particles of this rank's block, moved by less than `reach` cells (the Courant limit keeps moves
    below one cell); returns the continuity residual and the integrals of J and of q w v."""
    comm = comm or Comm()
    length = [1.0 + 0.5 * a for a in range(len(shape))]
    mesh = Mesh.create(comm, shape, length, "periodic", ghost=ghost_for(order))
    nd, h = mesh.ndim, mesh.spacing
    rng = np.random.default_rng([seed, comm.rank])
    lo = np.array([mesh.local_offset[a] * h[a] for a in range(nd)])
    hi = lo + np.array([mesh.local_shape[a] * h[a] for a in range(nd)])
    x_old = np.zeros((3, n_particles))
    x_old[:nd] = rng.uniform(lo[:, None], hi[:, None], (nd, n_particles))
    u = rng.uniform(-3.0, 3.0, (3, n_particles))
    gamma = np.sqrt(1 + np.sum(u * u, axis=0))
    dt = reach * min(h)
    x_new = x_old + dt * u / gamma
    x_new[nd:] = 0.0
    inv_h = tuple(1.0 / h[a] if a < nd else 0.0 for a in range(3))
    shift = tuple(mesh.ghosts[a] - mesh.local_offset[a] for a in range(3))
    hh = tuple(h) + (1.0,) * (3 - nd)
    qw = -0.7 / mesh.cell_volume
    rho0, rho1 = mesh.zeros(), mesh.zeros()
    j = tuple(mesh.zeros() for _ in range(3))
    kernels.deposit_rho(rho0, x_old, qw, inv_h, shift, order)
    kernels.deposit_rho(rho1, x_new, qw, inv_h, shift, order)
    kernels.deposit_current(j, x_old, x_new, u, qw, dt, inv_h, shift, hh, order)
    for grid in (rho0, rho1, *j):
        mesh.sum_ghosts(grid)
        mesh.fill_ghosts(grid)
    div = np.zeros(mesh.local_shape)
    for a in range(nd):
        back = [slice(g, g + n) for g, n in zip(mesh.ghosts, mesh.local_shape)]
        back[a] = slice(mesh.ghosts[a] - 1, mesh.ghosts[a] + mesh.local_shape[a] - 1)
        div += (j[a][mesh.interior] - j[a][tuple(back)]) / h[a]
    residual = (rho1[mesh.interior] - rho0[mesh.interior]) / dt + div
    scale = np.max(np.abs(rho0[mesh.interior])) / dt
    total_j = [comm.allreduce(float(j[a][mesh.interior].sum())) * mesh.cell_volume for a in range(3)]
    velocity = u / gamma
    velocity[:nd] = (x_new[:nd] - x_old[:nd]) / dt
    total_v = [comm.allreduce(float(np.sum(qw * mesh.cell_volume * velocity[a]))) for a in range(3)]
    return comm.allreduce(float(np.max(np.abs(residual))), "max") / scale, total_j, total_v


@pytest.mark.parametrize("shape", [(16,), (12, 10), (8, 7, 6)])
def test_continuity_to_round_off(shape):
    residual, total_j, total_v = scenario(shape)
    assert residual < 1e-12
    np.testing.assert_allclose(total_j, total_v, rtol=1e-12)


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("shape", [(16,), (12, 10), (8, 7, 6)])
def test_continuity_higher_order_shapes(shape, order):
    """Moves up to 0.99 of a cell (u up to 3: v up to 0.98 c) reach the edge of the order + 2 node window and
    the third ghost layer."""
    residual, total_j, total_v = scenario(shape, order=order, reach=1.0)
    assert residual < 1e-12
    np.testing.assert_allclose(total_j, total_v, rtol=1e-12)


def test_continuity_across_ranks(mpirun, tmp_path):
    script = tmp_path / "dep2.py"
    script.write_text("import sys; sys.path.insert(0, %r)\n" % str(Path(__file__).parent) +
                      "import numpy as np\nfrom test_deposit import scenario\nfrom hpcsim.parallel import Comm\n"
                      "for shape in [(16,), (12, 10), (8, 7, 6)]:\n"
                      "  for order in (1, 2, 3):\n"
                      "    r, tj, tv = scenario(shape, comm=Comm(), order=order, reach=1.0 if order > 1 else 0.45)\n"
                      "    assert r < 1e-12, r\n    np.testing.assert_allclose(tj, tv, rtol=1e-12)\n"
                      "print('ok')\n")
    assert "ok" in mpirun(2, [script]).stdout
