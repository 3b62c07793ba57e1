"""Per-element bodies of the geometric-multigrid kernels (cell-centred), compiled for CPU and GPU.

Coarsening halves the cells of the axes with c_a = 1. Prolongation P is tensor-product linear interpolation:
along a coarsened axis a fine cell takes 3/4 of its parent coarse cell and 1/4 of the parent's neighbour on its
side; restriction is R = P^T / 2^d (d = number of coarsened axes), the per-axis stencil (1, 3, 3, 1) / 8. With
the boundary ghosts filled by the homogeneous boundary condition, R is exactly the scaled transpose of P, so the
V-cycle is a symmetric preconditioner.
"""
from .stencil import shifted_laplacian_at


def _axis(i, g_f, g_c, c):
    """(parent coarse index, neighbour coarse index, parent weight) of fine index i along one axis."""
    if c == 0:
        return i - g_f + g_c, i - g_f + g_c, 1.0
    rel = i - g_f
    parent = rel // 2 + g_c
    return parent, parent + 2 * (rel % 2) - 1, 0.75


def prolong_add_at(ec, ef, i, j, k, gf0, gf1, gf2, gc0, gc1, gc2, c0, c1, c2):
    """ef[i, j, k] += (P ec) at the fine cell (coarse ghosts of ec must be filled)."""
    pi, ni, wi = _axis(i, gf0, gc0, c0)
    pj, nj, wj = _axis(j, gf1, gc1, c1)
    pk, nk, wk = _axis(k, gf2, gc2, c2)
    vi, vj, vk = 1.0 - wi, 1.0 - wj, 1.0 - wk
    ef[i, j, k] += (wi * (wj * (wk * ec[pi, pj, pk] + vk * ec[pi, pj, nk])
                          + vj * (wk * ec[pi, nj, pk] + vk * ec[pi, nj, nk]))
                    + vi * (wj * (wk * ec[ni, pj, pk] + vk * ec[ni, pj, nk])
                            + vj * (wk * ec[ni, nj, pk] + vk * ec[ni, nj, nk])))
    return 0.0


def _fine_range(I, g_f, g_c, c):
    """First fine index of the restriction stencil of coarse index I, and its width (4 or 1)."""
    if c == 0:
        return I - g_c + g_f, 1
    return 2 * (I - g_c) + g_f - 1, 4


def _weight(m, c):
    if c == 0:
        return 1.0
    return 0.125 if (m == 0 or m == 3) else 0.375


def restrict_at(rf, rc, I, J, K, gf0, gf1, gf2, gc0, gc1, gc2, c0, c1, c2):
    """rc[I, J, K] = (R rf) at the coarse cell (fine ghosts of rf must be filled)."""
    i0, ni = _fine_range(I, gf0, gc0, c0)
    j0, nj = _fine_range(J, gf1, gc1, c1)
    k0, nk = _fine_range(K, gf2, gc2, c2)
    s = 0.0
    for a in range(ni):
        wa = _weight(a, c0)
        for b in range(nj):
            wab = wa * _weight(b, c1)
            for m in range(nk):
                s += wab * _weight(m, c2) * rf[i0 + a, j0 + b, k0 + m]
    rc[I, J, K] = s
    return 0.0


def chebyshev_at(x, d, r, inv_diag, c1, c2, i, j, k):
    """One polynomial-smoother update: d = c1 d + c2 D^-1 r; x += d (c1 = 0, c2 = omega: damped Jacobi)."""
    v = c1 * d[i, j, k] + c2 * inv_diag[i, j, k] * r[i, j, k]
    d[i, j, k] = v
    x[i, j, k] += v
    return 0.0


def gauss_seidel_at(b, x, inv_diag, colour, parity, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta):
    """Red-black Gauss-Seidel update of the cells of one colour (global i + j + k parity) for the shifted
    Laplacian: x += D^-1 (b - A x). Cells of one colour only couple to the other, so the sweep is parallel."""
    if (i + j + k + parity) % 2 == colour:
        x[i, j, k] += inv_diag[i, j, k] * (b[i, j, k] - shifted_laplacian_at(x, i, j, k, ox, oy, oz, wx, wy, wz,
                                                                             alpha, beta))
    return 0.0
