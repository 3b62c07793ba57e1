"""Deck keys and checks shared by the linear-solver family's problems (poisson, diffusion)."""
import math

import numpy as np

from ..errors import InputError


def check_face_values(values, deck, key):
    """bc_value: one [low, high] pair of finite numbers per axis; zero on periodic axes."""
    mesh = deck["mesh"]
    ndim = len(mesh["shape"])
    if values is None:
        return [[0.0, 0.0] for _ in range(ndim)]
    if not isinstance(values, list) or len(values) != ndim:
        raise InputError(f"needs one [low, high] pair per axis ({ndim})", key)
    out = []
    for a, pair in enumerate(values):
        ok = isinstance(pair, list) and len(pair) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pair)
        if not ok:
            raise InputError(f"axis {a}: needs a [low, high] pair of finite numbers, got {pair!r}", key)
        if mesh["bc"][a][0] == "periodic" and any(pair):
            raise InputError(f"axis {a} is periodic: its face values must be 0", key)
        out.append([float(v) for v in pair])
    return out


def check_vector(values, deck, key, default):
    ndim = len(deck["mesh"]["shape"])
    values = default[:ndim] if values is None else values
    if len(values) != ndim:
        raise InputError(f"needs {ndim} entries (one per axis), got {len(values)}", key)
    return values


def gaussian(mesh, center, width):
    """exp(-|x - c|^2 / (2 w^2)) on the owned cells (3-D block shape)."""
    coords = mesh.coordinates()
    r2 = sum((coords[a] - center[a]) ** 2 for a in range(mesh.ndim))
    return np.exp(-r2 / (2.0 * width**2)) * np.ones(mesh.local_shape)
