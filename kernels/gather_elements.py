"""Per-particle field gather with linear shapes matching the Yee staggering (compiled for CPU and GPU).

xi_a = x_a / h_a + shift_a as for the deposition. A component staggered by half a cell along axis a (E_x along
x; B_x along y and z; see `yee_elements`) is interpolated at xi_a - 1/2 on that axis. Unused axes (flags
`used_a` false: inv_h_a = 0) have one node and weight 1; the CPU kernel passes the flags as constants, one
compiled loop per dimensionality.
"""
import math


def interpolate(grid, xi0, xi1, xi2, used0, used1, used2):
    """Linear interpolation of `grid` at local cell coordinates (xi0, xi1, xi2)."""
    i0 = int(math.floor(xi0)) if used0 else 0
    i1 = int(math.floor(xi1)) if used1 else 0
    i2 = int(math.floor(xi2)) if used2 else 0
    f0 = xi0 - i0 if used0 else 0.0
    f1 = xi1 - i1 if used1 else 0.0
    f2 = xi2 - i2 if used2 else 0.0
    n0, n1, n2 = (2 if used0 else 1), (2 if used1 else 1), (2 if used2 else 1)
    s = 0.0
    for a in range(n0):
        wa = f0 if a == 1 else 1.0 - f0
        for b in range(n1):
            wab = wa * (f1 if b == 1 else 1.0 - f1)
            for c in range(n2):
                s += wab * (f2 if c == 1 else 1.0 - f2) * grid[i0 + a, i1 + b, i2 + c]
    return s


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
