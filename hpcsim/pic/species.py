"""A particle species in structure-of-arrays layout (normalised units: charge in e, mass in m_e).

x[3, N] positions (unused axes 0), u[3, N] momenta u = gamma v at half-integer times, ids[N] unique integers,
and the fields gathered at the particles e[3, N], b[3, N]. Each macro-particle carries the density
`density / particles_per_cell` of its species, so `qw` = q w / V = q density / particles_per_cell.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Species:
    name: str
    charge: float
    mass: float
    x: np.ndarray
    u: np.ndarray
    ids: np.ndarray
    qw: float
    e: np.ndarray = field(init=False)
    b: np.ndarray = field(init=False)

    def __post_init__(self):
        self.e = np.zeros_like(self.x)
        self.b = np.zeros_like(self.x)

    @property
    def qm(self):
        return self.charge / self.mass

    def kinetic_energy(self):
        """sum_p (gamma - 1) m w / V  times the cell volume gives the energy; here per unit qw/q weight."""
        gamma = np.sqrt(1.0 + np.sum(self.u * self.u, axis=0))
        return float(np.sum(gamma - 1.0)) * self.mass * abs(self.qw / self.charge)


def quiet_start(mesh, particles_per_cell):
    """Positions on a regular lattice inside this rank's block: particles_per_cell^(1/ndim) per axis and cell
    (particles_per_cell must be a perfect power), the same on every rank count."""
    nd = mesh.ndim
    per_axis = round(particles_per_cell ** (1.0 / nd))
    if per_axis**nd != particles_per_cell:
        raise ValueError(f"quiet start needs particles per cell = m^{nd}, got {particles_per_cell}")
    axes = []
    for a in range(nd):
        cells = np.arange(mesh.local_offset[a], mesh.local_offset[a] + mesh.local_shape[a])
        sub = (np.arange(per_axis) + 0.5) / per_axis
        axes.append(((cells[:, None] + sub[None, :]).ravel()) * mesh.spacing[a] + mesh.origin[a])
    grid = np.meshgrid(*axes, indexing="ij")
    x = np.zeros((3, grid[0].size))
    for a in range(nd):
        x[a] = grid[a].ravel()
    return x
