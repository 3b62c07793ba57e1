"""Initial state of a PIC run from its deck: species loading, background field, and Gauss's law for E.

Every owned cell receives `particles_per_cell` macro-particles of each species, at random positions in the cell
(uniform, from a counter-based generator keyed by the seed and the particle id, so that any rank count loads
the same plasma: `sampling`) or on a lattice (quiet start), with ids unique and the same on any rank count
(`species.cell_positions`). Each macro-particle
carries the density `n_s / particles_per_cell`, so `qw = q n_s / particles_per_cell` (charge density per
particle, as the deposition wants it).

Random positions leave a charge density that E = 0 does not satisfy; with `initial_poisson` the initial field
is E = -grad(phi) with -Lap(phi) = rho, solved by multigrid-preconditioned CG on the periodic node lattice: the
staggered difference E_a(i + 1/2) = -(phi(i + 1) - phi(i)) / h_a makes the backward-difference div E equal to
the 7-point -Lap(phi) exactly, so gauss_error starts at the solver tolerance. The mean of rho (a uniform net
charge, which no periodic field can carry; round-off when the plasma is neutralised) is removed and reported.
"""
import math

import numpy as np

from ..errors import NumericalError
from ..linalg.config import make_solver
from ..linalg.operators import ShiftedLaplacian
from .deck import QUANTILE_GROUP, species_mass, species_temperatures
from .juttner import juttner_momenta
from .sampling import CounterStreams, RankStreams
from .species import Species, cell_positions, maxwellian_momenta, quantile_bi_maxwellian

POISSON_RTOL = 1e-13


def quantile_loading(mesh, ppc, sampler, at_centre, mass, t_par, t_perp, b_hat):
    """(x, ids, u) with the deterministic momentum set of `quantile_bi_maxwellian` in every cell: groups of
    QUANTILE_GROUP particles (one parallel quantile, perpendicular momenta summing to zero) share a position,
    random in the cell or, with `at_centre`, the cell centre."""
    x, ids = cell_positions(mesh, ppc, sampler, quiet=False)
    cells, groups = x.shape[1] // ppc, ppc // QUANTILE_GROUP
    x = x.reshape(3, cells, groups, QUANTILE_GROUP)
    x[...] = x[..., :1]
    if at_centre:
        for a in range(mesh.ndim):
            h = mesh.spacing[a]
            x[a] = mesh.origin[a] + (np.floor((x[a] - mesh.origin[a]) / h) + 0.5) * h
    n_radii = QUANTILE_GROUP // 4
    u = quantile_bi_maxwellian(mass, t_par, t_perp, groups, n_radii, b_hat).reshape(3, ppc)
    return x.reshape(3, -1), ids, np.tile(u, (1, cells))


def seed_field(pic, amplitude, mode):
    """B_y, B_z += amplitude * cos(k x) at their staggered positions x_(i+1/2), k = 2 pi mode / L_x."""
    mesh = pic.mesh
    k = 2.0 * math.pi * mode / mesh.length[0]
    i = np.arange(mesh.local_offset[0], mesh.local_offset[0] + mesh.local_shape[0])
    profile = np.cos(k * (i + 0.5) * mesh.spacing[0]).reshape((-1,) + (1,) * 2)
    for a in (1, 2):
        if amplitude[a]:
            pic.fields.b[a][mesh.interior] += pic.fields.xp.asarray(amplitude[a] * profile)


def load_species(deck, mesh, rng, b_hat, xp=np):
    """The `Species` of the deck on this rank's block, random numbers from `sampling.CounterStreams` keyed by
    (run.seed, species number), or with pic.loading_rng = "per_rank" from the rank's generator `rng`."""
    p = deck["pic"]
    out = []
    for number, s in enumerate(deck["species"]):
        sampler = CounterStreams(deck["run"]["seed"], number) if p["loading_rng"] == "counter" else RankStreams(rng)
        mass, ppc = species_mass(s, p), s["particles_per_cell"]
        t_par, t_perp = species_temperatures(s, p, "species")
        if s["momentum_loading"] == "quantiles":
            x, ids, u = quantile_loading(mesh, ppc, sampler, s["quiet_start"], mass, t_par, t_perp, b_hat)
            u += np.asarray(s["drift"], dtype=float)[:, None]
        else:
            x, ids = cell_positions(mesh, ppc, sampler, s["quiet_start"])
            g = sampler.normals(ids, ppc, s["mirror_momenta"])
            if s["momentum_distribution"] == "juttner":
                u = juttner_momenta(g, mass, t_par)
            else:
                u = maxwellian_momenta(g, mass, t_par, t_perp, b_hat, s["drift"])
        if s["velocity_perturbation"]:
            k = 2.0 * math.pi * s["perturbation_mode"] / mesh.length[0]
            u[0] += s["velocity_perturbation"] * np.sin(k * (x[0] - mesh.origin[0]))
        out.append(Species(s["name"], s["charge"], mass, xp.asarray(x), xp.asarray(u), xp.asarray(ids),
                           qw=s["charge"] * s["density"] / ppc))
    return out


def solve_initial_field(pic, backend):
    """E = -grad(phi), -Lap(phi) = rho (see the module docstring); returns the solver's result."""
    mesh, xp = pic.mesh, backend.xp
    op = ShiftedLaplacian(mesh, 0.0, 1.0, backend)
    solver = make_solver(op, {"method": "cg", "preconditioner": "multigrid", "rtol": POISSON_RTOL,
                              "max_iterations": 1000})
    rho, phi = mesh.zeros(xp), mesh.zeros(xp)
    rho[mesh.interior] = pic.charge_density()
    # a periodic box holds no uniform net charge: its mean (round-off when neutralised) is removed first
    net = mesh.comm.allreduce(float(xp.sum(rho[mesh.interior]))) / mesh.global_cells
    rho[mesh.interior] -= net
    try:
        result = solver.solve(rho, phi)
    except NumericalError as exc:
        raise NumericalError(f"pic.initial_poisson: the initial Gauss's-law solve failed: {exc}") from None
    result.net_charge_density = net
    mesh.fill_ghosts(phi)
    for a in range(mesh.ndim):
        ahead = list(mesh.interior)
        ahead[a] = slice(mesh.ghosts[a] + 1, mesh.ghosts[a] + 1 + mesh.local_shape[a])
        pic.fields.e[a][mesh.interior] = -(phi[tuple(ahead)] - phi[mesh.interior]) / mesh.spacing[a]
    return result
