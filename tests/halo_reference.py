"""Reference ghost filling on a global array, independent of the distributed implementation."""
import numpy as np


def global_field(shape):
    """A field with distinct, index-derived values: f = 1 + i + 100 j + 10000 k (+ a non-integer part)."""
    idx = np.indices(shape + (1,) * (3 - len(shape)), dtype=float)
    return 1.0 + idx[0] + 100.0 * idx[1] + 10000.0 * idx[2] + 0.25 * np.sin(idx[0] + 2 * idx[1] + 3 * idx[2])


def padded_reference(f, ndim, g, boundaries, face_values, spacing):
    """Pad a 3-D global array by g ghosts on the used axes, axis by axis, as the mesh promises to."""
    out = f
    for a in range(ndim):
        pad = [(0, 0)] * 3
        pad[a] = (g, g)
        if boundaries[a][0] == "periodic":
            out = np.pad(out, pad, mode="wrap")
            continue
        out = np.pad(out, pad, mode="constant", constant_values=np.nan)
        n = out.shape[a] - 2 * g
        for side in (0, 1):
            kind, v = boundaries[a][side], face_values[a][side]
            for layer in range(g):
                ghost = g - 1 - layer if side == 0 else n + g + layer
                mirror = g + layer if side == 0 else n + g - 1 - layer
                gi, mi = [slice(None)] * 3, [slice(None)] * 3
                gi[a], mi[a] = ghost, mirror
                if kind == "dirichlet":
                    out[tuple(gi)] = 2 * v - out[tuple(mi)]
                else:
                    out[tuple(gi)] = out[tuple(mi)] + v * (2 * layer + 1) * spacing[a]
    return out
