"""Per-particle field gather with linear shapes matching the Yee staggering (compiled for CPU and GPU).

xi_a = x_a / h_a + shift_a as for the deposition. A component staggered by half a cell along axis a (E_x along
x; B_x along y and z; see `yee_elements`) is interpolated at xi_a - 1/2 on that axis. Unused axes (flags
`used_a` false: inv_h_a = 0) have one node and weight 1; the CPU kernel passes the flags as constants, one
compiled loop per dimensionality. `fetch` reads one node; the CPU kernels replace it by a read with unsigned
indices (no test-and-wrap of negative indices: xi >= ghosts >= 1 keeps every index at or above 0).

Quadratic and cubic shapes (pic.shape = 2, 3) gather through `interpolate_shaped` in place of `interpolate`
(`shaped.compile_shaped`): the same shape as the deposit (`shape_elements`), on the order + 1 nodes per used
axis, at the same staggered coordinates.
"""
import math

from .shape_elements import shape_weights  # noqa: F401  (called by name; compile_shaped binds the order's)


def fetch(grid, i, j, k):
    return grid[i, j, k]


def line(grid, i0, i1, i2, f2, used2):
    """grid at (i0, i1) interpolated along axis 2 between nodes i2 and i2 + 1 (the node itself when unused)."""
    v = fetch(grid, i0, i1, i2)
    if used2:
        v = (1.0 - f2) * v + f2 * fetch(grid, i0, i1, i2 + 1)
    return v


def plane(grid, i0, i1, i2, f1, f2, used1, used2):
    """grid at i0 interpolated in the plane of axes 1 and 2."""
    v = line(grid, i0, i1, i2, f2, used2)
    if used1:
        v = (1.0 - f1) * v + f1 * line(grid, i0, i1 + 1, i2, f2, used2)
    return v


def interpolate(grid, xi0, xi1, xi2, used0, used1, used2):
    """Linear interpolation of `grid` at local cell coordinates (xi0, xi1, xi2), axis by axis (2, then 1, then
    0: 7 multiply-adds in 3-D, 3 in 2-D, instead of a weight per node)."""
    i0 = int(math.floor(xi0)) if used0 else 0
    i1 = int(math.floor(xi1)) if used1 else 0
    i2 = int(math.floor(xi2)) if used2 else 0
    f0 = xi0 - i0 if used0 else 0.0
    f1 = xi1 - i1 if used1 else 0.0
    f2 = xi2 - i2 if used2 else 0.0
    v = plane(grid, i0, i1, i2, f1, f2, used1, used2)
    if used0:
        v = (1.0 - f0) * v + f0 * plane(grid, i0 + 1, i1, i2, f1, f2, used1, used2)
    return v


def fields_at(ex, ey, ez, bx, by, bz, xi0, xi1, xi2, used0, used1, used2):
    """(E_x, E_y, E_z, B_x, B_y, B_z) interpolated at local cell coordinates (xi0, xi1, xi2)."""
    return (interpolate(ex, xi0 - 0.5, xi1, xi2, used0, used1, used2),
            interpolate(ey, xi0, xi1 - 0.5, xi2, used0, used1, used2),
            interpolate(ez, xi0, xi1, xi2 - 0.5, used0, used1, used2),
            interpolate(bx, xi0, xi1 - 0.5, xi2 - 0.5, used0, used1, used2),
            interpolate(by, xi0 - 0.5, xi1, xi2 - 0.5, used0, used1, used2),
            interpolate(bz, xi0 - 0.5, xi1 - 0.5, xi2, used0, used1, used2))


def gather_at(ex, ey, ez, bx, by, bz, e, b, x, p, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2, used0, used1, used2):
    """e[:, p], b[:, p] = E and B interpolated at particle p (used_a: inv_h_a > 0)."""
    e[0, p], e[1, p], e[2, p], b[0, p], b[1, p], b[2, p] = fields_at(
        ex, ey, ez, bx, by, bz, x[0, p] * inv_h0 + sh0, x[1, p] * inv_h1 + sh1, x[2, p] * inv_h2 + sh2,
        used0, used1, used2)
    return 0.0


def interpolate_shaped(grid, xi0, xi1, xi2, used0, used1, used2):
    """`grid` interpolated at (xi0, xi1, xi2) with the shape bound by `shaped.compile_shaped` on
    order + 1 nodes per used axis, innermost axis first."""
    i0, w0 = shape_weights(xi0, used0)
    i1, w1 = shape_weights(xi1, used1)
    i2, w2 = shape_weights(xi2, used2)
    n0, n1, n2 = (len(w0) if used0 else 1), (len(w1) if used1 else 1), (len(w2) if used2 else 1)
    v = 0.0
    for a in range(n0):
        va = 0.0
        for b in range(n1):
            vb = 0.0
            for c in range(n2):
                vb += w2[c] * fetch(grid, i0 + a, i1 + b, i2 + c)
            va += w1[b] * vb
        v += w0[a] * va
    return v
