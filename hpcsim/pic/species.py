"""A particle species in structure-of-arrays layout (normalised units: charge in e, mass in m_e).

x[3, N] positions (unused axes 0), u[3, N] momenta u = gamma v at half-integer times, ids[N] unique integers,
and the fields gathered at the particles e[3, N], b[3, N]. Each macro-particle carries the density
`density / particles_per_cell` of its species, so `qw` = q w / V = q density / particles_per_cell.
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from .sampling import RankStreams


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

    def kinetic_energy(self, cell_volume):
        """sum_p (gamma_p - 1) m w_p, with w_p V^-1 = qw / q (energy in n_0 m_e c^2 d_e^ndim); gamma - 1 as
        u^2 / (1 + gamma), free of cancellation for cold particles. Works on numpy and CuPy arrays."""
        u2 = (self.u * self.u).sum(axis=0)
        return float((u2 / (1.0 + (1.0 + u2) ** 0.5)).sum()) * self.mass * (self.qw / self.charge) * cell_volume


def cell_positions(mesh, ppc, sampler=None, quiet=False):
    """(x[3, N], ids[N]) of `ppc` particles in every owned cell (cells in C order, then particles): uniform
    random offsets in the cell from `sampler` (`sampling.CounterStreams` or `RankStreams`), or with `quiet`
    the lattice ((k_a + 1/2) / m per axis, ppc = m^ndim). ids = global cell index * ppc + k: unique, and the
    same on any rank count."""
    nd = mesh.ndim
    index = np.indices(mesh.local_shape[:nd]).reshape(nd, -1)
    cells = index.shape[1]
    cell = [np.repeat(index[a] + mesh.local_offset[a], ppc) for a in range(nd)]
    ids = (np.ravel_multi_index(cell, mesh.global_shape[:nd]) * ppc + np.tile(np.arange(ppc), cells)).astype(np.int64)
    if quiet:
        per_axis = round(ppc ** (1.0 / nd))
        if per_axis**nd != ppc:
            raise ValueError(f"quiet start needs particles per cell = m^{nd}, got {ppc}")
        lattice = (np.indices((per_axis,) * nd).reshape(nd, -1) + 0.5) / per_axis
        offset = [np.tile(lattice[a], cells) for a in range(nd)]
    else:
        offset = sampler.offsets(ids, nd)
    x = np.zeros((3, cells * ppc))
    for a in range(nd):
        x[a] = mesh.origin[a] + (cell[a] + offset[a]) * mesh.spacing[a]
    return x, ids


def quiet_start(mesh, particles_per_cell):
    """Positions on a regular lattice inside this rank's block (`cell_positions` with `quiet`): the same
    lattice on every rank count."""
    return cell_positions(mesh, particles_per_cell, quiet=True)[0]


def bi_maxwellian(rng, count, mass, theta_par, theta_perp, b_hat=(1.0, 0.0, 0.0), drift=(0.0, 0.0, 0.0),
                  symmetric=False):
    """Momenta u[3, count] of a drifting bi-Maxwellian drawn from the numpy Generator `rng` (see
    `maxwellian_momenta`). With `symmetric`, the second half of the particles mirrors the first (u -> -u before
    the drift), which zeroes the sampled mean momentum and lowers the noise of the initial current."""
    g = RankStreams(rng).normals(range(count), 1, symmetric)
    return maxwellian_momenta(g, mass, theta_par, theta_perp, b_hat, drift)


def maxwellian_momenta(g, mass, theta_par, theta_perp, b_hat=(1.0, 0.0, 0.0), drift=(0.0, 0.0, 0.0)):
    """Momenta u[3, N] of a drifting bi-Maxwellian from standard normals g[3, N]: thermal spreads
    sqrt(theta_par / m) along the unit vector b_hat and sqrt(theta_perp / m) across it (non-relativistic
    sampling, for theta << m), plus `drift` (a u = gamma v)."""
    b, p1, p2 = perpendicular_basis(b_hat)
    u = (np.sqrt(theta_par / mass) * g[0] * b[:, None] + np.sqrt(theta_perp / mass) * (g[1] * p1[:, None]
                                                                                          + g[2] * p2[:, None]))
    return u + np.asarray(drift, dtype=float)[:, None]


def perpendicular_basis(b_hat):
    """Unit vectors (b, p1, p2), right-handed, with b along b_hat."""
    b = np.asarray(b_hat, dtype=float)
    b = b / np.linalg.norm(b)
    trial = np.array([0.0, 0.0, 1.0]) if abs(b[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    p1 = np.cross(b, trial)
    p1 /= np.linalg.norm(p1)
    return b, p1, np.cross(b, p1)


def quantile_bi_maxwellian(mass, theta_par, theta_perp, n_par, n_radii=2, b_hat=(1.0, 0.0, 0.0)):
    """Deterministic momenta u[3, n_par, 4 n_radii] of a bi-Maxwellian (a quiet start in velocity): u_par at the
    n_par normal quantiles, |u_perp| at the n_radii quantiles of the 2-D Maxwellian (Rayleigh), each at 4
    directions at right angles (angles spread by the golden ratio), second moments rescaled to theta/m
    exactly. For every u_par the perpendicular set sums to zero, so particles that stream together carry no
    net transverse current: the loaded plasma has no magnetic noise (what a Weibel or whistler linear phase
    needs to be seen over many e-folds)."""
    b, p1, p2 = perpendicular_basis(b_hat)
    u_par = ndtri((np.arange(n_par) + 0.5) / n_par)
    u_par *= math.sqrt(theta_par / mass / np.mean(u_par**2)) if theta_par > 0 else 0.0
    radius = np.sqrt(-2.0 * np.log(1.0 - (np.arange(n_radii) + 0.5) / n_radii))
    radius *= math.sqrt(2.0 * theta_perp / mass / np.mean(radius**2))
    angle = 2.0 * math.pi * ((np.arange(n_radii) * 0.5 * (math.sqrt(5.0) - 1.0)) % 1.0)
    a = np.stack([radius * np.cos(angle), radius * np.sin(angle)])
    a = np.concatenate([a, np.stack([-a[1], a[0]]), -a, np.stack([a[1], -a[0]])], axis=1)
    return (u_par[None, :, None] * b[:, None, None] + a[0][None, None, :] * p1[:, None, None]
            + a[1][None, None, :] * p2[:, None, None])
