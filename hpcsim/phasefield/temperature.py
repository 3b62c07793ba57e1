"""The imposed temperature field T(x), constant in time (in the family's temperature unit).

  uniform     T = T0
  linear      T = T0 + G . (x - x0), G per axis in temperature units per length unit, x0 the domain origin
  expression  a numpy expression of the cell-centre coordinates x, y, z (e.g. "1 + 0.1 * sin(2 * pi * x)")
  file        an HDF5 dataset "FILE:DATASET" holding the global array of cell values (the mesh's shape)
"""
import h5py
import numpy as np

from ..errors import InputError

KINDS = ("uniform", "linear", "expression", "file")


def evaluate(expression, coordinates, key):
    """A numpy expression of x, y, z (broadcastable cell-centre arrays) as an array; bad input -> InputError."""
    names = {name: getattr(np, name) for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs",
                                                  "pi", "where", "minimum", "maximum", "cosh", "sinh")}
    names.update(zip("xyz", coordinates))
    try:
        return np.asarray(eval(expression, {"__builtins__": {}}, names), dtype=float)
    except Exception as exc:   # any error of a user expression is bad input
        raise InputError(f"cannot evaluate {expression!r}: {exc}", key) from None


def read_global(spec, shape, key):
    """The global array of an HDF5 'FILE:DATASET' of the given shape."""
    path, _, name = spec.rpartition(":")
    if not path or not name:
        raise InputError(f"give FILE:DATASET, got {spec!r}", key)
    try:
        with h5py.File(path, "r") as f:
            data = np.asarray(f[name][...], dtype=float)
    except (OSError, KeyError) as exc:
        raise InputError(f"cannot read {spec!r}: {exc}", key) from None
    if data.shape != tuple(shape):
        raise InputError(f"dataset has shape {list(data.shape)}, the mesh {list(shape)}", key)
    return data


def temperature_field(p, mesh):
    """This rank's owned block (3-D numpy array) of T for the [phasefield] table `p` (already scaled)."""
    x = mesh.coordinates()
    kind = p["temperature"]
    if kind == "uniform":
        t = np.full(mesh.local_shape, p["T0"])
    elif kind == "linear":
        t = p["T0"] + sum(g * (x[a] - mesh.origin[a]) for a, g in enumerate(p["gradient"]))
    elif kind == "expression":
        t = evaluate(p["temperature_expression"], x, "phasefield.temperature_expression")
    else:
        whole = read_global(p["temperature_file"], mesh.global_shape, "phasefield.temperature_file")
        t = whole[mesh.block_slices()].reshape(mesh.local_shape)
    return np.ascontiguousarray(np.broadcast_to(np.asarray(t, dtype=float), mesh.local_shape))
