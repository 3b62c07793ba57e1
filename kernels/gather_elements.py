"""Per-particle field gather with linear shapes matching the Yee staggering (compiled for CPU and GPU).

xi_a = x_a / h_a + shift_a as for the deposition. A component staggered by half a cell along axis a (E_x along
x; B_x along y and z; see `yee_elements`) is interpolated at xi_a - 1/2 on that axis. Unused axes have one
node and weight 1.
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


def gather_at(ex, ey, ez, bx, by, bz, e, b, x, p, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2):
    """e[:, p], b[:, p] = E and B interpolated at particle p."""
    u0, u1, u2 = inv_h0 > 0.0, inv_h1 > 0.0, inv_h2 > 0.0
    xi0, xi1, xi2 = x[0, p] * inv_h0 + sh0, x[1, p] * inv_h1 + sh1, x[2, p] * inv_h2 + sh2
    e[0, p] = interpolate(ex, xi0 - 0.5, xi1, xi2, u0, u1, u2)
    e[1, p] = interpolate(ey, xi0, xi1 - 0.5, xi2, u0, u1, u2)
    e[2, p] = interpolate(ez, xi0, xi1, xi2 - 0.5, u0, u1, u2)
    b[0, p] = interpolate(bx, xi0, xi1 - 0.5, xi2 - 0.5, u0, u1, u2)
    b[1, p] = interpolate(by, xi0 - 0.5, xi1, xi2 - 0.5, u0, u1, u2)
    b[2, p] = interpolate(bz, xi0 - 0.5, xi1 - 0.5, xi2, u0, u1, u2)
    return 0.0
