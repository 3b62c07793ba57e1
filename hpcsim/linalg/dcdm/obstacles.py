"""The shifted Laplacian with obstacles: solid cells inside the domain, Neumann faces between fluid and solid.

    (A u)_i = alpha u_i - beta sum_a w_a sum_+- m_n (u_n - u_i)    in fluid cells (m_i = 1)
    (A u)_i = u_i                                                   in solid cells (m_i = 0)

with w_a = 1/h_a^2 and the mesh's boundary conditions on the domain faces. A face between two fluid cells carries
the usual flux, a face to a solid cell none (du/dn = 0 there), and solid cells are decoupled identity rows, so A
is symmetric positive definite whenever every fluid region touches a Dirichlet face (or alpha > 0). A right-hand
side that vanishes in solid cells gives a solution that vanishes there. Obstacles are spheres (circles in 2-D)
given in domain coordinates, so the same scene can be meshed at any resolution.
"""
import numpy as np

from ..operators import Operator


def fluid_mask(mesh, spheres):
    """1.0 in fluid cells, 0.0 in cells whose centre lies inside any sphere (centre..., radius) on the owned
    block, as a 3-D numpy array."""
    x = mesh.coordinates()
    mask = np.ones(mesh.local_shape)
    for sphere in spheres:
        centre, radius = sphere[:-1], sphere[-1]
        d2 = sum((x[a] - centre[a]) ** 2 for a in range(mesh.ndim))
        mask[np.broadcast_to(d2 < radius**2, mesh.local_shape)] = 0.0
    return mask


class ObstacleLaplacian(Operator):
    """A u = alpha u - beta Lap u on the fluid cells, identity on solid ones (module docstring); `spheres`
    lists (centre..., radius) in domain coordinates."""

    def __init__(self, mesh, alpha, beta, spheres, backend):
        super().__init__(mesh, backend)
        self.alpha, self.beta, self.spheres = float(alpha), float(beta), [list(s) for s in spheres]
        self.singular = self.alpha == 0.0 and not self.has_dirichlet
        self.dcdm = backend.kernels("linalg.dcdm")
        m = np.zeros(mesh.array_shape)
        m[mesh.interior] = fluid_mask(mesh, spheres)
        mesh.fill_ghosts(m, even=True)          # domain faces are open: mirror the mask through them
        self.fluid = self.xp.asarray(m)

    def _apply_filled(self, u, out):
        return self.dcdm.masked_apply_dot(u, self.fluid, out, self.g, self.n, self.o, self.w, self.alpha, self.beta)

    def apply_dot(self, u, out, reduce=True):
        """out = A u (homogeneous boundary conditions); returns the global u.(A u) (local if not `reduce`)."""
        self.mesh.fill_ghosts(u)
        local = self._apply_filled(u, out)
        return self.mesh.comm.allreduce(local) if reduce else local

    def coarsened(self, mesh):
        """The same scene on a coarser mesh (a multigrid level)."""
        return ObstacleLaplacian(mesh, self.alpha, self.beta, self.spheres, self.backend)
