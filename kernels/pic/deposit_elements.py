"""Per-particle charge and current deposition with linear (cloud-in-cell) shapes, compiled for CPU and GPU.

Positions enter in local cell units, xi_a = x_a / h_a + shift_a (shift_a = ghosts - block offset; xi = 0 on
unused axes). Nodes sit at integer xi; the linear shape gives node m the weight max(0, 1 - |m - xi|).
rho lives on the nodes; J_x at (i+1/2, j, k), J_y at (i, j+1/2, k), J_z at (i, j, k+1/2), like E on the Yee grid.

Esirkepov (2001, Comput. Phys. Commun. 135, 144): with S0, S1 the shapes before and after the move, DS = S1 - S0
and
    F_x = S0_y S0_z + DS_y S0_z / 2 + S0_y DS_z / 2 + DS_y DS_z / 3     (F_y, F_z by permutation)
the current obeys J_x(i+1/2) - J_x(i-1/2) = -q w (h_x / dt) DS_x(i) F_x / V, so the discrete continuity equation
(rho^{n+1} - rho^n) / dt + div J = 0 holds to round-off. A move of less than a cell keeps both shapes inside the
3 nodes from min(floor(xi_old), floor(xi_new)) on (`window`), so each used axis needs a 3-node stencil and each
running sum 2 stores (the third would hold sum DS = 0); most moves stay inside one cell, and then 2 nodes and
1 store suffice, with the weights 1 - t, t of the offsets in the cell (`cell_window`: the cheap path, tested
first; with it the fused 2D step fell from 41 to 36 ns per particle). Along an unused axis (1-D, 2-D) the
window is one node of weight 1 and the current is q w v_a F_a / V there, with the same time-averaged
transverse shape F_a. The `used` flags (inv_h_a > 0) select the dimensionality; the CPU kernel passes them as
constants, one compiled loop per dimensionality, so the compiler drops the unused loops. `accumulate` adds into
the grid: a plain += on the CPU (serial loop), an atomic add on the GPU.
Positions are not wrapped here: particle migration (`hpcsim.parallel.particles`) wraps them at the periodic seam.

Quadratic and cubic shapes (`shape_elements`, pic.shape = 2, 3) take `esirkepov_shaped_move` and
`deposit_rho_shaped_at` in place of `esirkepov_move` and `deposit_rho_at` (`shaped.compile_shaped`): the same
Esirkepov sums (`esirkepov_currents`) over the order + 1 nodes of the shapes when the move keeps the first node
on every axis, else over the order + 2 nodes of `shape_elements.shape_window`, and rho on order + 1 nodes per
used axis. The charge-conservation identity holds for any
pair of shapes whose weights sum to 1, so continuity holds to round-off for every order. A move of less than a
cell reaches (order + 1) / 2 + 1 nodes beyond the block: ghosts 2 for order 1, 3 for orders 2 and 3
(`hpcsim.pic.deck.ghost_for`).
"""
import math

from .shape_elements import shape_weights, shape_window  # noqa: F401  (called by name; compile_shaped binds
#                                                                  the order's)

THIRD = 1.0 / 3.0


def accumulate(grid, i, j, k, v):
    grid[i, j, k] += v
    return 0.0


def linear_weight(node, xi):
    return max(1.0 - abs(node - xi), 0.0)


def transverse(s0a, s1a, s0b, s1b):
    """Time-averaged product of two shapes: S0a S0b + DSa S0b / 2 + S0a DSb / 2 + DSa DSb / 3."""
    da, db = s1a - s0a, s1b - s0b
    return s0a * s0b + 0.5 * da * s0b + 0.5 * s0a * db + da * db * THIRD


def transverse_or_mean(s0a, s1a, s0b, s1b, used_b):
    """`transverse`, or S0a + DSa / 2 when axis b is unused (S0b = S1b = 1: the same number, without the terms
    that vanish)."""
    if used_b:
        return transverse(s0a, s1a, s0b, s1b)
    return s0a + 0.5 * (s1a - s0a)


def deposit_rho_at(rho, x, p, qw, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2):
    """rho += q w S(x_p) / V on the (up to 8) nodes around particle p (qw already divided by V)."""
    xi0, xi1, xi2 = x[0, p] * inv_h0 + sh0, x[1, p] * inv_h1 + sh1, x[2, p] * inv_h2 + sh2
    b0, b1, b2 = int(math.floor(xi0)), int(math.floor(xi1)), int(math.floor(xi2))
    n0, n1, n2 = (2 if inv_h0 > 0.0 else 1), (2 if inv_h1 > 0.0 else 1), (2 if inv_h2 > 0.0 else 1)
    for a in range(n0):
        wa = linear_weight(b0 + a, xi0)
        for b in range(n1):
            wab = wa * linear_weight(b1 + b, xi1)
            for c in range(n2):
                accumulate(rho, b0 + a, b1 + b, b2 + c, qw * wab * linear_weight(b2 + c, xi2))
    return 0.0


def stays(old, new, used):
    """Whether a move from xi = old to new stays inside one cell (always, on an unused axis)."""
    return not used or math.floor(old) == math.floor(new)


def cell_window(old, new, used):
    """(first node, old shape, new shape) of a move inside the cell from floor(old) on: 2 nodes, with the linear
    weights 1 - t, t of the offsets t = xi - floor(old) (one node of weight 1 on an unused axis)."""
    if not used:
        return 0, (1.0, 0.0, 0.0), (1.0, 0.0, 0.0)
    base = math.floor(old)
    t_old, t_new = old - base, new - base
    return int(base), (1.0 - t_old, t_old, 0.0), (1.0 - t_new, t_new, 0.0)


def window(old, new, used):
    """(first node, old shape, new shape) of a move from xi = old to new (less than a cell) on the 3 nodes from
    min(floor(old), floor(new)) on; (0, (1, 0, 0), (1, 0, 0)) on an unused axis."""
    if not used:
        return 0, (1.0, 0.0, 0.0), (1.0, 0.0, 0.0)
    base = min(math.floor(old), math.floor(new))
    return (int(base), (linear_weight(base, old), linear_weight(base + 1.0, old), linear_weight(base + 2.0, old)),
            (linear_weight(base, new), linear_weight(base + 1.0, new), linear_weight(base + 2.0, new)))


def esirkepov_currents(jx, jy, jz, b0, b1, b2, s00, s10, s01, s11, s02, s12, v0, v1, v2, qw, cx, cy, cz,
                       used0, used1, used2, width):
    """J += the Esirkepov current of shapes s0 -> s1 on `width` nodes from (b0, b1, b2) along each used axis
    (linear shape: 2 when the move stays inside one cell on every axis, else 3; order n: n + 1 or n + 2)."""
    n0, n1, n2 = (width if used0 else 1), (width if used1 else 1), (width if used2 else 1)
    for b in range(n1):                      # J_x: running sum along axis 0
        for c in range(n2):
            f = transverse_or_mean(s01[b], s11[b], s02[c], s12[c], used2)
            if used0:
                acc = 0.0
                for a in range(width - 1):
                    acc -= cx * (s10[a] - s00[a]) * f
                    accumulate(jx, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jx, b0, b1 + b, b2 + c, qw * v0 * f)
    for a in range(n0):                      # J_y: running sum along axis 1
        for c in range(n2):
            f = transverse_or_mean(s00[a], s10[a], s02[c], s12[c], used2)
            if used1:
                acc = 0.0
                for b in range(width - 1):
                    acc -= cy * (s11[b] - s01[b]) * f
                    accumulate(jy, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jy, b0 + a, b1, b2 + c, qw * v1 * f)
    for a in range(n0):                      # J_z: running sum along axis 2
        for b in range(n1):
            f = transverse_or_mean(s00[a], s10[a], s01[b], s11[b], used1)
            if used2:
                acc = 0.0
                for c in range(width - 1):
                    acc -= cz * (s12[c] - s02[c]) * f
                    accumulate(jz, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jz, b0 + a, b1 + b, b2, qw * v2 * f)
    return 0.0


def esirkepov_move(jx, jy, jz, o0, o1, o2, e0, e1, e2, v0, v1, v2, qw, cx, cy, cz, used0, used1, used2):
    """J += the Esirkepov current of a particle moving from local cell coordinates o to e; v its velocity (for
    the unused axes), qw = q w / V, c_a = qw h_a / dt."""
    if stays(o0, e0, used0) and stays(o1, e1, used1) and stays(o2, e2, used2):
        b0, s00, s10 = cell_window(o0, e0, used0)
        b1, s01, s11 = cell_window(o1, e1, used1)
        b2, s02, s12 = cell_window(o2, e2, used2)
        esirkepov_currents(jx, jy, jz, b0, b1, b2, s00, s10, s01, s11, s02, s12, v0, v1, v2, qw, cx, cy, cz,
                           used0, used1, used2, 2)
    else:
        b0, s00, s10 = window(o0, e0, used0)
        b1, s01, s11 = window(o1, e1, used1)
        b2, s02, s12 = window(o2, e2, used2)
        esirkepov_currents(jx, jy, jz, b0, b1, b2, s00, s10, s01, s11, s02, s12, v0, v1, v2, qw, cx, cy, cz,
                           used0, used1, used2, 3)
    return 0.0


def esirkepov_at(jx, jy, jz, x_old, x_new, u, p, qw, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2, cx, cy, cz,
                 used0, used1, used2):
    """J += the Esirkepov current of particle p moving from x_old to x_new (qw = q w / V, c_a = qw h_a / dt,
    used_a: inv_h_a > 0)."""
    ginv = 1.0 / math.sqrt(1.0 + u[0, p] * u[0, p] + u[1, p] * u[1, p] + u[2, p] * u[2, p])
    esirkepov_move(jx, jy, jz, x_old[0, p] * inv_h0 + sh0, x_old[1, p] * inv_h1 + sh1, x_old[2, p] * inv_h2 + sh2,
                   x_new[0, p] * inv_h0 + sh0, x_new[1, p] * inv_h1 + sh1, x_new[2, p] * inv_h2 + sh2,
                   u[0, p] * ginv, u[1, p] * ginv, u[2, p] * ginv, qw, cx, cy, cz, used0, used1, used2)
    return 0.0


def deposit_rho_shaped_at(rho, x, p, qw, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2):
    """rho += q w S(x_p) / V with the shape bound by `shaped.compile_shaped` (order + 1 nodes per used
    axis)."""
    used0, used1, used2 = inv_h0 > 0.0, inv_h1 > 0.0, inv_h2 > 0.0
    i0, w0 = shape_weights(x[0, p] * inv_h0 + sh0, used0)
    i1, w1 = shape_weights(x[1, p] * inv_h1 + sh1, used1)
    i2, w2 = shape_weights(x[2, p] * inv_h2 + sh2, used2)
    n0, n1, n2 = (len(w0) if used0 else 1), (len(w1) if used1 else 1), (len(w2) if used2 else 1)
    for a in range(n0):
        wa = qw * w0[a]
        for b in range(n1):
            wab = wa * w1[b]
            for c in range(n2):
                accumulate(rho, i0 + a, i1 + b, i2 + c, wab * w2[c])
    return 0.0


def esirkepov_shaped_move(jx, jy, jz, o0, o1, o2, e0, e1, e2, v0, v1, v2, qw, cx, cy, cz, used0, used1, used2):
    """`esirkepov_move` with the shape bound by `shaped.compile_shaped`: on the order + 1 nodes of the
    shape when the move keeps the first node on every axis (most moves), else on the order + 2 nodes of the
    move's window (`shape_window`)."""
    m00, s00 = shape_weights(o0, used0)
    m10, s10 = shape_weights(e0, used0)
    m01, s01 = shape_weights(o1, used1)
    m11, s11 = shape_weights(e1, used1)
    m02, s02 = shape_weights(o2, used2)
    m12, s12 = shape_weights(e2, used2)
    if m00 == m10 and m01 == m11 and m02 == m12:
        esirkepov_currents(jx, jy, jz, m00, m01, m02, s00, s10, s01, s11, s02, s12, v0, v1, v2, qw, cx, cy, cz,
                           used0, used1, used2, len(s00))
    else:
        b0, w00, w10 = shape_window(o0, e0, used0)
        b1, w01, w11 = shape_window(o1, e1, used1)
        b2, w02, w12 = shape_window(o2, e2, used2)
        esirkepov_currents(jx, jy, jz, b0, b1, b2, w00, w10, w01, w11, w02, w12, v0, v1, v2, qw, cx, cy, cz,
                           used0, used1, used2, len(w00))
    return 0.0
