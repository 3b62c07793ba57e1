"""Training right-hand sides from Ritz vectors, and their HDF5 file.

With Ritz pairs (theta_i, y_i), i = 1..m ascending, each sample is

    b = sum_i c_i y_i / ||sum_i c_i y_i||,   c_i ~ N(0, 1) * (w_low if i <= m/2 else 1)

so that the low end of the spectrum, where CG is slow and a good direction matters most, dominates (the paper's
bias; w_low = 9). The file holds `rhs` (samples, global shape) in float32, the Ritz values, and the operator's
description (attributes), so a model can be traced to what it saw.
"""
import h5py
import numpy as np


def right_hand_sides(vectors, count, seed, low_weight):
    """(count, owned block) unnormalised samples from Ritz vectors (k, owned block) in ascending order of the
    Ritz values; the coefficients depend only on the seed, so every rank draws the same."""
    k = vectors.shape[0]
    weights = np.where(np.arange(k) < (k + 1) // 2, low_weight, 1.0)
    c = np.random.default_rng(seed).standard_normal((count, k)) * weights
    return np.tensordot(c, vectors, axes=1)


def normalise(samples, comm):
    """Each sample divided by its global 2-norm."""
    sq = comm.allreduce(np.array([float(np.vdot(s, s)) for s in samples]))
    return samples / np.sqrt(sq).reshape((-1,) + (1,) * (samples.ndim - 1))


def gather_global(mesh, blocks):
    """(count, global shape) on rank 0 from every rank's (count, owned block); None elsewhere."""
    parts = mesh.comm.gather((mesh.block_slices(), blocks))
    if parts is None:
        return None
    out = np.zeros((blocks.shape[0],) + tuple(mesh.global_shape), blocks.dtype)
    for slices, b in parts:
        out[(slice(None),) + slices] = b.reshape((b.shape[0],) + b.shape[1:1 + mesh.ndim])
    return out


def write(path, rhs, ritz_values, description):
    """Write the samples (count, global shape), Ritz values and the operator description (a flat dict)."""
    with h5py.File(path, "w") as f:
        f.create_dataset("rhs", data=rhs.astype(np.float32))
        f.create_dataset("ritz_values", data=ritz_values)
        for key, value in description.items():
            f.attrs[key] = np.bytes_(value) if isinstance(value, str) else value


def _attributes(f):
    """An open data file's operator description: strings decoded, numpy scalars as Python ones, shape as ints."""
    desc = {k: (v.decode() if isinstance(v, bytes) else v.item() if isinstance(v, np.generic) else v)
            for k, v in f.attrs.items()}
    if "shape" in desc:
        desc["shape"] = [int(n) for n in desc["shape"]]
    return desc


def description(path):
    """The operator description stored with a data file, or None if it is unreadable."""
    try:
        with h5py.File(path, "r") as f:
            return _attributes(f)
    except OSError:
        return None


def read(path):
    """(rhs (count, global shape) float32, Ritz values, description)."""
    with h5py.File(path, "r") as f:
        return f["rhs"][...], f["ritz_values"][...], _attributes(f)
