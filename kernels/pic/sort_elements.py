"""Per-particle cell key for sorting the particles of a block by cell (compiled for CPU and GPU).

With local cell coordinates xi_a = x_a / h_a + shift_a (as for gather and deposit; xi = 0 on unused axes) and
the block's ghosted grid of shape (n0, n1, n2), particle p lies in cell (floor xi0, floor xi1, floor xi2) and
gets the row-major key
    key = (floor(xi0) n1 + floor(xi1)) n2 + floor(xi2),   0 <= key < n0 n1 n2,
so particles sorted by key visit the grid in memory order: the nodes one particle gathers from and deposits
into are, for the next particles, already in cache. After migration every particle lies inside its block, so
the key is in range; a position outside the ghosted grid (only possible before migration) is clamped to the
nearest cell.
"""
import math


def clamp_cell(xi, n):
    """floor(xi) clamped to [0, n - 1]."""
    c = int(math.floor(xi))
    return min(max(c, 0), n - 1)


def cell_key_at(x, p, inv_h0, inv_h1, inv_h2, sh0, sh1, sh2, n0, n1, n2):
    """Row-major index of the cell of particle p in the ghosted grid of shape (n0, n1, n2)."""
    c0 = clamp_cell(x[0, p] * inv_h0 + sh0, n0)
    c1 = clamp_cell(x[1, p] * inv_h1 + sh1, n1)
    c2 = clamp_cell(x[2, p] * inv_h2 + sh2, n2)
    return (c0 * n1 + c1) * n2 + c2
