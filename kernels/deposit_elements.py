"""Per-particle charge and current deposition with linear (cloud-in-cell) shapes, compiled for CPU and GPU.

Positions enter in local cell units, xi_a = x_a / h_a + shift_a (shift_a = ghosts - block offset; xi = 0 on
unused axes). Nodes sit at integer xi; the linear shape gives node m the weight max(0, 1 - |m - xi|).
rho lives on the nodes; J_x at (i+1/2, j, k), J_y at (i, j+1/2, k), J_z at (i, j, k+1/2), like E on the Yee grid.

Esirkepov (2001, Comput. Phys. Commun. 135, 144): with S0, S1 the shapes before and after the move on a
4-node stencil per axis starting at floor(xi_old) - 1 (moves of less than a cell), DS = S1 - S0 and
    F_x = S0_y S0_z + DS_y S0_z / 2 + S0_y DS_z / 2 + DS_y DS_z / 3     (F_y, F_z by permutation)
the current obeys J_x(i+1/2) - J_x(i-1/2) = -q w (h_x / dt) DS_x(i) F_x / V, so the discrete continuity equation
(rho^{n+1} - rho^n) / dt + div J = 0 holds to round-off. Along an unused axis (1-D, 2-D) the current is
q w v_a F_a / V at the nodes, with the same time-averaged transverse shape F_a.
`accumulate` adds into the grid: a plain += on the CPU (serial loop), an atomic add on the GPU. Positions are
not wrapped here: particle migration (`hpcsim.parallel.particles`) wraps them at the periodic seam.
"""
import math


def accumulate(grid, i, j, k, v):
    grid[i, j, k] += v
    return 0.0


def linear_weight(node, xi):
    d = abs(node - xi)
    return 1.0 - d if d < 1.0 else 0.0


def transverse(s0a, s1a, s0b, s1b):
    """Time-averaged product of two shapes: S0a S0b + DSa S0b / 2 + S0a DSb / 2 + DSa DSb / 3."""
    da, db = s1a - s0a, s1b - s0b
    return s0a * s0b + 0.5 * da * s0b + 0.5 * s0a * db + da * db / 3.0


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


def stencil(base, xi, used):
    """Linear-shape weights of position xi on the 4 nodes base .. base + 3 (1, 0, 0, 0 on an unused axis)."""
    if not used:
        return 1.0, 0.0, 0.0, 0.0
    return (linear_weight(base, xi), linear_weight(base + 1, xi), linear_weight(base + 2, xi),
            linear_weight(base + 3, xi))


def esirkepov_at(jx, jy, jz, x_old, x_new, u, p, qw, dt, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2, h0, h1, h2):
    """J += the Esirkepov current of particle p moving from x_old to x_new during dt (qw = q w / V)."""
    o0, o1, o2 = x_old[0, p] * inv_h0 + sh0, x_old[1, p] * inv_h1 + sh1, x_old[2, p] * inv_h2 + sh2
    e0, e1, e2 = x_new[0, p] * inv_h0 + sh0, x_new[1, p] * inv_h1 + sh1, x_new[2, p] * inv_h2 + sh2
    used0, used1, used2 = inv_h0 > 0.0, inv_h1 > 0.0, inv_h2 > 0.0
    b0 = int(math.floor(o0)) - 1 if used0 else 0
    b1 = int(math.floor(o1)) - 1 if used1 else 0
    b2 = int(math.floor(o2)) - 1 if used2 else 0
    n0, n1, n2 = (4 if used0 else 1), (4 if used1 else 1), (4 if used2 else 1)
    s00, s10 = stencil(b0, o0, used0), stencil(b0, e0, used0)
    s01, s11 = stencil(b1, o1, used1), stencil(b1, e1, used1)
    s02, s12 = stencil(b2, o2, used2), stencil(b2, e2, used2)
    ginv = 1.0 / math.sqrt(1.0 + u[0, p] ** 2 + u[1, p] ** 2 + u[2, p] ** 2)
    cx, cy, cz = qw * h0 / dt, qw * h1 / dt, qw * h2 / dt
    for b in range(n1):                      # J_x: running sum along axis 0
        for c in range(n2):
            f = transverse(s01[b], s11[b], s02[c], s12[c])
            if used0:
                acc = 0.0
                for a in range(3):
                    acc -= cx * (s10[a] - s00[a]) * f
                    accumulate(jx, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jx, b0, b1 + b, b2 + c, qw * u[0, p] * ginv * f)
    for a in range(n0):                      # J_y: running sum along axis 1
        for c in range(n2):
            f = transverse(s00[a], s10[a], s02[c], s12[c])
            if used1:
                acc = 0.0
                for b in range(3):
                    acc -= cy * (s11[b] - s01[b]) * f
                    accumulate(jy, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jy, b0 + a, b1, b2 + c, qw * u[1, p] * ginv * f)
    for a in range(n0):                      # J_z: running sum along axis 2
        for b in range(n1):
            f = transverse(s00[a], s10[a], s01[b], s11[b])
            if used2:
                acc = 0.0
                for c in range(3):
                    acc -= cz * (s12[c] - s02[c]) * f
                    accumulate(jz, b0 + a, b1 + b, b2 + c, acc)
            else:
                accumulate(jz, b0 + a, b1 + b, b2, qw * u[2, p] * ginv * f)
    return 0.0
