"""Per-element bodies of the geometric-multigrid kernels (cell-centred), compiled for CPU and GPU.

Transfers between a fine and a coarse cell-centred grid on the same domain, nested or not (N fine cells and
N_c = ceil(N / 2) coarse cells per coarsened axis). Prolongation P is tensor-product linear interpolation
between coarse cell centres: along axis a, a fine cell at x takes weight w from the coarse cell `lo` whose
centre is at or below x and 1 - w from `hi` = lo + 1 (lo = hi, w = 1 along an axis that is not coarsened).
Restriction is R = c P^T: coarse cell I sums w_a(i, I) over the fine cells i of its support (at most 4 per
axis), with w_a(i, I) = [lo_a(i) = I] w_a(i) + [hi_a(i) = I] (1 - w_a(i)). For the nested case (N = 2 N_c) the
weights are 3/4 and 1/4 and R is the (1, 3, 3, 1) / 8 stencil per axis.

The per-axis tables are built on the host (`hpcsim.linalg.transfer`), indexed relative to the first owned cell
with a margin of M = 2 fine cells: `index[a, 0 | 1, i - g_f + M]` is (lo, hi) relative to the first owned coarse
cell and `weight[a, i - g_f + M]` is w; `span[a, 0 | 1, I - g_c]` is (first fine cell relative to the first
owned one, count) of the support of coarse cell I and `rweight[a, I - g_c, m]` the weight w_a of its m-th fine
cell. With the ghosts filled by the homogeneous boundary condition (reflection through the face, the same for
both grids), R is exactly c P^T, so the V-cycle stays symmetric.
"""
from ..stencil import shifted_laplacian_at

MARGIN = 2


def prolong_add_at(ec, ef, i, j, k, gf0, gf1, gf2, gc0, gc1, gc2, index, weight):
    """ef[i, j, k] += (P ec) at the fine cell (coarse ghosts of ec must be filled)."""
    ti, tj, tk = i - gf0 + MARGIN, j - gf1 + MARGIN, k - gf2 + MARGIN
    li, hi = index[0, 0, ti] + gc0, index[0, 1, ti] + gc0
    lj, hj = index[1, 0, tj] + gc1, index[1, 1, tj] + gc1
    lk, hk = index[2, 0, tk] + gc2, index[2, 1, tk] + gc2
    wi, wj, wk = weight[0, ti], weight[1, tj], weight[2, tk]
    vi, vj, vk = 1.0 - wi, 1.0 - wj, 1.0 - wk
    ef[i, j, k] += (wi * (wj * (wk * ec[li, lj, lk] + vk * ec[li, lj, hk])
                          + vj * (wk * ec[li, hj, lk] + vk * ec[li, hj, hk]))
                    + vi * (wj * (wk * ec[hi, lj, lk] + vk * ec[hi, lj, hk])
                            + vj * (wk * ec[hi, hj, lk] + vk * ec[hi, hj, hk])))
    return 0.0


def restrict_at(rf, rc, I, J, K, gf0, gf1, gf2, gc0, gc1, gc2, span, rweight, scale):
    """rc[I, J, K] = (c P^T rf) at the coarse cell (fine ghosts of rf filled as far as the support reaches).
    The contiguous axis is summed with its (at most 4) weights held in registers."""
    ri, rj, rk = I - gc0, J - gc1, K - gc2
    i0, j0, k0 = span[0, 0, ri] + gf0, span[1, 0, rj] + gf1, span[2, 0, rk] + gf2
    nk = span[2, 1, rk]
    w0, w1, w2, w3 = rweight[2, rk, 0], rweight[2, rk, 1], rweight[2, rk, 2], rweight[2, rk, 3]
    s = 0.0
    for a in range(span[0, 1, ri]):
        sa = 0.0
        for b in range(span[1, 1, rj]):
            i, j = i0 + a, j0 + b
            sb = w0 * rf[i, j, k0]
            if nk > 1:
                sb += w1 * rf[i, j, k0 + 1]
                if nk > 2:
                    sb += w2 * rf[i, j, k0 + 2]
                    if nk > 3:
                        sb += w3 * rf[i, j, k0 + 3]
            sa += rweight[1, rj, b] * sb
        s += rweight[0, ri, a] * sa
    rc[I, J, K] = scale * s
    return 0.0


def stencil_apply_at(u, coef, offsets, out, i, j, k, g0, g1, g2):
    """out[i, j, k] = sum_s coef[cell, s] u[cell + offsets[s]] for an assembled stencil (a cell's coefficients
    are contiguous; ghosts of u filled); returns u * out there."""
    ci, cj, ck = i - g0, j - g1, k - g2
    s = 0.0
    for m in range(offsets.shape[0]):
        s += coef[ci, cj, ck, m] * u[i + offsets[m, 0], j + offsets[m, 1], k + offsets[m, 2]]
    out[i, j, k] = s
    return u[i, j, k] * s


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
