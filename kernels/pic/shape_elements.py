"""Quadratic (order 2) and cubic (order 3) B-spline particle shapes, per element, compiled for CPU and GPU with the
deposit and gather bodies (`deposit_elements`, `gather_elements`). Order 1 (linear, cloud-in-cell) keeps its own,
older code paths (`deposit_elements.linear_weight`, `gather_elements.interpolate`).

With d = |m - xi| the distance of node m from the particle (local cell units), the order-n B-spline is
    n = 2:  3/4 - d^2                      (d < 1/2),    (3/2 - d)^2 / 2          (1/2 <= d < 3/2)
    n = 3:  2/3 - d^2 + d^3 / 2            (d < 1),      (2 - d)^3 / 6            (1 <= d < 2)
and 0 beyond: n + 1 nodes from floor(xi - (n - 1) / 2) carry a particle. The per-order functions return that
first node and the n + 1 weights in closed form, branch-free:
    n = 2:  c = floor(xi + 1/2), d = xi - c:  (c - 1; (1/2 - d)^2 / 2, 3/4 - d^2, (1/2 + d)^2 / 2)
    n = 3:  m = floor(xi), t = xi - m, s = 1 - t:  (m - 1; s^3 / 6, 2/3 - t^2 + t^3 / 2, 2/3 - s^2 + s^3 / 2,
            t^3 / 6)
They sum to 1 to round-off. A move of less than a cell changes the first node by at most one, so the old and new
shapes fit the n + 2 nodes from the smaller first node (`shape_window`, the Esirkepov window).

The bodies call the order's function by one name, `shape_weights`; `shaped.compile_shaped` binds it to the order
(`WEIGHTS`), so that every tuple has a compile-time length and every loop over it a constant trip count (the
compiler unrolls them). The first version looked the order up at run time in a generic weight with three
branches per node: a shaped fused step then took 16-22 minutes to compile and the standalone gather did not
finish; with the order bound, a 2-D cubic gather compiles in 7 s instead of 95 s.
"""
import math

SIXTH = 1.0 / 6.0
TWO_THIRDS = 2.0 / 3.0


def quadratic_weights(xi, used):
    """(first node, weights of its 3 nodes) of the quadratic shape at xi; (0, (1, 0, 0)) on an unused axis."""
    if not used:
        return 0, (1.0, 0.0, 0.0)
    c = math.floor(xi + 0.5)
    d = xi - c
    lo, hi = 0.5 - d, 0.5 + d
    return int(c) - 1, (0.5 * lo * lo, 0.75 - d * d, 0.5 * hi * hi)


def cubic_weights(xi, used):
    """(first node, weights of its 4 nodes) of the cubic shape at xi; (0, (1, 0, 0, 0)) on an unused axis."""
    if not used:
        return 0, (1.0, 0.0, 0.0, 0.0)
    m = math.floor(xi)
    t = xi - m
    s = 1.0 - t
    return int(m) - 1, (SIXTH * s * s * s, TWO_THIRDS - t * t + 0.5 * t * t * t,
                        TWO_THIRDS - s * s + 0.5 * s * s * s, SIXTH * t * t * t)


WEIGHTS = {2: quadratic_weights, 3: cubic_weights}
shape_weights = cubic_weights    # the name the bodies call: compile_shaped binds it to the run's order (this
#                                  default serves plain-Python calls of the bodies)


def pad_after(w):
    return w + (0.0,)


def pad_before(w):
    return (0.0,) + w


def shape_window(old, new, used):
    """(first node, old shape, new shape) on the order + 2 nodes that carry both shapes of a move from xi = old
    to new (less than a cell); one node of weight 1 on an unused axis."""
    m0, w0 = shape_weights(old, used)
    m1, w1 = shape_weights(new, used)
    if m1 > m0:
        return m0, pad_after(w0), pad_before(w1)
    if m1 < m0:
        return m1, pad_before(w0), pad_after(w1)
    return m0, pad_after(w0), pad_after(w1)
