"""Initial densities n_0 on the owned cells of a mesh (3-D block shape), independent of the rank count.

  modes      n_bar + A prod_a cos(k_a x_a), k_a = pi m_a / L_a (no-flux axes) or 2 pi m_a / L_a (periodic axes):
             a Neumann / periodic Laplacian eigenfunction with eigenvalue mu = |k|^2 (of the discrete Laplacian
             too, with mu_h = sum_a 4 / h_a^2 sin^2(k_a h_a / 2))
  gaussians  n_bar + A sum_i exp(-|x - x_i|^2 / (2 width^2))
  random     n_bar (1 + A U(-1, 1)), U drawn over the global mesh from Philox keyed by the seed
  file       a global array read from an HDF5 dataset
"""
import math

import numpy as np


def wavenumbers(mesh, modes):
    """k_a per used axis of the `modes` initial density."""
    return [(2.0 if mesh.periodic[a] else 1.0) * math.pi * modes[a] / mesh.length[a] for a in range(mesh.ndim)]


def eigenvalue(mesh, modes, discrete=True):
    """mu = |k|^2 of the mode, or the eigenvalue of the discrete Laplacian's negative (`discrete`)."""
    k = wavenumbers(mesh, modes)
    if not discrete:
        return sum(v * v for v in k)
    return sum(4.0 / h**2 * math.sin(v * h / 2.0) ** 2 for v, h in zip(k, mesh.spacing))


def mode_shape(mesh, modes):
    """prod_a cos(k_a (x_a - origin_a)) on the owned cells."""
    coords, out = mesh.coordinates(), np.ones(mesh.local_shape)
    for a, k in enumerate(wavenumbers(mesh, modes)):
        out = out * np.cos(k * (coords[a] - mesh.origin[a]))
    return out


def initial_density(mesh, p, seed):
    """n_0 of the [chemotaxis] table `p` on the owned cells."""
    kind, n_bar, amplitude = p["initial"], p["n_bar"], p["amplitude"]
    if kind == "modes":
        return n_bar + amplitude * mode_shape(mesh, p["modes"])
    if kind == "gaussians":
        coords = mesh.coordinates()
        bumps = sum(np.exp(-sum((coords[a] - c[a]) ** 2 for a in range(mesh.ndim)) / (2.0 * p["width"] ** 2))
                    for c in p["centers"])
        return n_bar + amplitude * bumps * np.ones(mesh.local_shape)
    if kind == "random":
        draw = np.random.Generator(np.random.Philox(key=seed)).uniform(-1.0, 1.0, mesh.global_shape)
        return n_bar * (1.0 + amplitude * _owned(mesh, draw))
    import h5py

    with h5py.File(p["file"], "r") as f:
        return _owned(mesh, f[p["dataset"]][...]).astype(np.float64)


def _owned(mesh, global_array):
    return np.asarray(global_array[mesh.block_slices()]).reshape(mesh.local_shape)
