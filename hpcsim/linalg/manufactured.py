"""Manufactured eigenfunctions of the Laplacian that satisfy the mesh's homogeneous boundary conditions.

Per axis, with mode number m >= 1 and length L (x measured from the domain origin):
  dirichlet-dirichlet  sin(k x),        k = pi m / L
  neumann-neumann      cos(k x),        k = pi m / L
  dirichlet-neumann    sin(k x),        k = pi (m - 1/2) / L
  neumann-dirichlet    cos(k x),        k = pi (m - 1/2) / L
  periodic             sin(k x) + cos(k x),  k = 2 pi m / L
phi = prod_a phi_a(x_a) satisfies -Lap phi = K^2 phi with K^2 = sum_a k_a^2. On the cell-centred grid with
reflected ghosts these are also exact eigenvectors of the discrete Laplacian, with eigenvalue
Lambda_h = sum_a (4 / h_a^2) sin^2(k_a h_a / 2) = K^2 + O(h^2): this makes the discrete solutions of the
Poisson and diffusion problems known in closed form, and their error exactly second order.
"""
import math

import numpy as np


def axis_mode(faces, m, L):
    """(k, phi(x)) for one axis."""
    lo, hi = faces
    if lo == "periodic":
        k = 2.0 * math.pi * m / L
        return k, lambda x: np.sin(k * x) + np.cos(k * x)
    k = math.pi * (m if lo == hi else m - 0.5) / L
    return (k, lambda x: np.sin(k * x)) if lo == "dirichlet" else (k, lambda x: np.cos(k * x))


class Eigenmode:
    def __init__(self, mesh, modes):
        self.mesh = mesh
        self.axes = [axis_mode(mesh.boundaries[a], modes[a], mesh.length[a]) for a in range(mesh.ndim)]
        self.k2 = sum(k * k for k, _ in self.axes)
        self.k2_discrete = sum(4.0 / h**2 * math.sin(k * h / 2.0) ** 2
                               for (k, _), h in zip(self.axes, mesh.spacing))

    def values(self):
        """phi on the owned cells, as a broadcast 3-D numpy array of the block's shape."""
        coords = self.mesh.coordinates()
        out = np.ones(self.mesh.local_shape)
        for a, (_, phi) in enumerate(self.axes):
            out = out * phi(coords[a] - self.mesh.origin[a])
        return out
