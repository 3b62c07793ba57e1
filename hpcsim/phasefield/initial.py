"""Initial solute fields (owned block, 3-D numpy array) of the phase-field family.

  bm1           PFHub benchmark 1: c = c0 + eps [cos(0.105 x) cos(0.11 y) + (cos(0.13 x) cos(0.087 y))^2
                + cos(0.025 x - 0.15 y) cos(0.07 x - 0.02 y)] at the cell centres (c0 = 0.5, eps = 0.01)
  uniform       c = c0
  profile       a numpy expression of x, y, z
  precipitates  beta particles of radii R_i at centres x_i in an alpha matrix, each with the double well's
                equilibrium interface c = c_a + (c_b - c_a) (1 - tanh((|x - x_i| - R_i) / (2 l))) / 2,
                l = sqrt(kappa / (2 A)) / (c_b - c_a), at the local c_a(T), c_b(T) (nearest image on periodic
                axes; the largest of the particles' profiles where they overlap)
  random        c = c0 + amplitude (2 U - 1), U uniform from one generator seeded by run.seed over the global
                mesh, so the field does not depend on the rank count
"""
import math

import numpy as np

from .temperature import evaluate

KINDS = ("bm1", "uniform", "profile", "precipitates", "random")


def bm1(x, y, c0, eps):
    return c0 + eps * (np.cos(0.105 * x) * np.cos(0.11 * y) + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
                       + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y))


def interface_length(thermo):
    """l of the equilibrium double-well interface (module docstring)."""
    ca, cb = thermo.compositions(thermo.t_ref)
    return math.sqrt(thermo.kappa / (2.0 * thermo.a)) / (cb - ca)


def precipitates(mesh, temp, thermo, centres, radii):
    """The particle field (module docstring) for the owned block with temperature block `temp`."""
    x = mesh.coordinates()
    ell = interface_length(thermo)
    inside = np.zeros(mesh.local_shape)
    for centre, radius in zip(centres, radii):
        r2 = np.zeros(mesh.local_shape)
        for a in range(mesh.ndim):
            d = x[a] - centre[a]
            if mesh.periodic[a]:
                d = d - mesh.length[a] * np.round(d / mesh.length[a])
            r2 = r2 + d * d
        inside = np.maximum(inside, 0.5 * (1.0 - np.tanh((np.sqrt(r2) - radius) / (2.0 * ell))))
    ca, cb = thermo.compositions(temp)
    return ca + (cb - ca) * inside


def initial_field(p, mesh, temp, thermo, seed):
    """This rank's owned block of c for the [phasefield] table `p`."""
    kind, x = p["initial"], mesh.coordinates()
    if kind == "bm1":
        c = bm1(x[0], x[1], p["c0"], p["epsilon"])
    elif kind == "uniform":
        c = p["c0"]
    elif kind == "profile":
        c = evaluate(p["expression"], x, "phasefield.expression")
    elif kind == "precipitates":
        c = precipitates(mesh, temp, thermo, p["centres"], p["radii"])
    else:
        noise = np.random.default_rng(seed).random(mesh.global_shape)[mesh.block_slices()]
        c = p["c0"] + p["amplitude"] * (2.0 * noise.reshape(mesh.local_shape) - 1.0)
    return np.ascontiguousarray(np.broadcast_to(np.asarray(c, dtype=float), mesh.local_shape))
