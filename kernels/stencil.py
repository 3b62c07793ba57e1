"""Per-element stencil functions, written once and compiled twice (numba CPU and numba.cuda device functions).

Arrays are 3-D block arrays with ghost layers. For an unused axis (1-D and 2-D meshes) the neighbour offset
o_a is 0 and the weight w_a is 0, so the same 7-point expression serves every dimensionality without branches.
"""


def laplacian_at(u, i, j, k, ox, oy, oz, wx, wy, wz):
    """Second-order Laplacian at cell (i, j, k): sum_a w_a (u[+a] + u[-a] - 2 u), w_a = 1 / h_a^2."""
    c = u[i, j, k]
    return (wx * (u[i - ox, j, k] + u[i + ox, j, k] - 2.0 * c)
            + wy * (u[i, j - oy, k] + u[i, j + oy, k] - 2.0 * c)
            + wz * (u[i, j, k - oz] + u[i, j, k + oz] - 2.0 * c))


def shifted_laplacian_at(u, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta):
    """(alpha I - beta Lap) u at cell (i, j, k)."""
    return alpha * u[i, j, k] - beta * laplacian_at(u, i, j, k, ox, oy, oz, wx, wy, wz)


def harmonic_mean(p, q):
    """Face coefficient between two cells: 2 p q / (p + q) (0 where both vanish)."""
    s = p + q
    return 2.0 * p * q / s if s != 0.0 else 0.0


def div_a_grad_at(u, a, i, j, k, ox, oy, oz, wx, wy, wz):
    """div(a grad u) at cell (i, j, k) with harmonic-mean face coefficients (ghosts of u and a filled)."""
    c, ac = u[i, j, k], a[i, j, k]
    return (wx * (harmonic_mean(ac, a[i + ox, j, k]) * (u[i + ox, j, k] - c)
                  + harmonic_mean(ac, a[i - ox, j, k]) * (u[i - ox, j, k] - c))
            + wy * (harmonic_mean(ac, a[i, j + oy, k]) * (u[i, j + oy, k] - c)
                    + harmonic_mean(ac, a[i, j - oy, k]) * (u[i, j - oy, k] - c))
            + wz * (harmonic_mean(ac, a[i, j, k + oz]) * (u[i, j, k + oz] - c)
                    + harmonic_mean(ac, a[i, j, k - oz]) * (u[i, j, k - oz] - c)))


def binomial_at(u, out, i, j, k, ox, oy, oz):
    """One pass of the (1, 2, 1)/4 binomial filter along every used axis (tensor product) at (i, j, k)."""
    s = 0.0
    for a in range(-ox, ox + 1):
        wa = (0.5 if a == 0 else 0.25) if ox else 1.0
        for b in range(-oy, oy + 1):
            wb = (0.5 if b == 0 else 0.25) if oy else 1.0
            for c in range(-oz, oz + 1):
                wc = (0.5 if c == 0 else 0.25) if oz else 1.0
                s += wa * wb * wc * u[i + a, j + b, k + c]
    out[i, j, k] = s
    return 0.0
