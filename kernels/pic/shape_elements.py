"""Particle shapes of order 1 (linear, cloud-in-cell), 2 (quadratic) and 3 (cubic B-spline), per element,
compiled for CPU and GPU with the deposit and gather bodies (`deposit_elements`, `gather_elements`).

With d = |m - xi| the distance of node m from the particle (local cell units), the order-n B-spline is
    n = 1:  1 - d                          (d < 1)
    n = 2:  3/4 - d^2                      (d < 1/2),    (3/2 - d)^2 / 2          (1/2 <= d < 3/2)
    n = 3:  2/3 - d^2 + d^3 / 2            (d < 1),      (2 - d)^3 / 6            (1 <= d < 2)
and 0 beyond: support (n + 1) / 2 on each side, so n + 1 nodes from `first_node(xi) = floor(xi - (n - 1) / 2)`
carry a particle, and n + 2 nodes from `window_base` carry both shapes of a move of less than a cell (the
Esirkepov window). The weights of any position sum to 1 (to round-off). Order 1 keeps its own, older code paths
(`deposit_elements.linear_weight`, `gather_elements.interpolate`), so linear runs give the numbers they gave.
"""
import math

SIXTH = 1.0 / 6.0
TWO_THIRDS = 2.0 / 3.0
WIDEST = 5             # nodes of the widest window (cubic move: 3 + 2); tuples of this length hold the shapes


def shape_weight(node, xi, order):
    """Weight of node `node` for a particle at local cell coordinate xi, shape order 1, 2 or 3."""
    d = abs(node - xi)
    if order == 1:
        return max(1.0 - d, 0.0)
    if order == 2:
        if d < 0.5:
            return 0.75 - d * d
        if d < 1.5:
            t = 1.5 - d
            return 0.5 * t * t
        return 0.0
    if d < 1.0:
        return TWO_THIRDS - d * d + 0.5 * d * d * d
    if d < 2.0:
        t = 2.0 - d
        return SIXTH * t * t * t
    return 0.0


def first_node(xi, order):
    """The first of the order + 1 nodes that carry a particle at xi."""
    return int(math.floor(xi - 0.5 * (order - 1)))


def node_weights(xi, used, order):
    """(first node, weights of the 4 nodes from it) of a particle at xi (order + 1 of them nonzero); one node of
    weight 1 on an unused axis."""
    if not used:
        return 0, (1.0, 0.0, 0.0, 0.0)
    m = first_node(xi, order)
    base = float(m)
    return m, (shape_weight(base, xi, order), shape_weight(base + 1.0, xi, order),
               shape_weight(base + 2.0, xi, order), shape_weight(base + 3.0, xi, order))


def window_base(old, new, order):
    """First node of the order + 2 nodes that carry both shapes of a move from xi = old to new (less than a
    cell): the smallest integer above min(old, new) - (order + 1) / 2."""
    return math.floor(min(old, new) - 0.5 * (order + 1)) + 1.0


def shape_window(old, new, used, order):
    """(first node, old shape, new shape) on the WIDEST nodes from `window_base` (order + 2 of them used);
    one node of weight 1 on an unused axis."""
    if not used:
        return 0, (1.0, 0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0, 0.0)
    base = window_base(old, new, order)
    return (int(base),
            (shape_weight(base, old, order), shape_weight(base + 1.0, old, order),
             shape_weight(base + 2.0, old, order), shape_weight(base + 3.0, old, order),
             shape_weight(base + 4.0, old, order)),
            (shape_weight(base, new, order), shape_weight(base + 1.0, new, order),
             shape_weight(base + 2.0, new, order), shape_weight(base + 3.0, new, order),
             shape_weight(base + 4.0, new, order)))
