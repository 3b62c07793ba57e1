"""Initial and source profiles any family can offer in its deck section: amplitude, Laplacian eigenmode numbers,
gaussian centre and width, and per-face boundary values, with their checks; `gaussian` evaluates the profile on
a rank's owned cells."""
import math

import numpy as np

from .deck.schema import Key
from .errors import InputError


def profile_keys(what):
    """The keys that shape a field (`what`: "source" or "initial condition"): amplitude, eigenmode numbers,
    gaussian centre and width, and the face values."""
    return [
        Key("amplitude", "float", 1.0, f"Amplitude of the {what}."),
        Key("modes", "ints", None, "Mode number per axis of the Laplacian eigenfunction (default 1).", minimum=1,
            length=(1, 3)),
        Key("center", "floats", None, f"Centre of the gaussian {what} (default: domain centre).", length=(1, 3)),
        Key("width", "float", 0.1, f"Standard deviation of the gaussian {what}.", minimum=0.0,
            exclusive_minimum=True),
        Key("bc_value", "any", None, "Per axis [low, high] Dirichlet value or outward normal derivative "
            "(Neumann) on the faces (default 0)."),
    ]


def check_profile(deck, section):
    """Resolve modes, center and bc_value of a section built with `profile_keys`."""
    p, ndim = deck[section], len(deck["mesh"]["shape"])
    p["modes"] = check_vector(p.get("modes"), deck, f"{section}.modes", [1, 1, 1])
    if len(p["modes"]) != ndim:
        raise InputError(f"needs one mode number per axis ({ndim}), got {len(p['modes'])}", f"{section}.modes")
    p["center"] = check_vector(p.get("center"), deck, f"{section}.center", [0.5 * L for L in deck["mesh"]["length"]])
    p["bc_value"] = check_face_values(p.get("bc_value"), deck, f"{section}.bc_value")


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
