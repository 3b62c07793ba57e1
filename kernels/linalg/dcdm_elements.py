"""Per-element bodies of the DCDM network's forward pass and of the obstacle (masked) operator, compiled for the
CPU and the GPU by `twice.compile_for` (see `dcdm_loops`).

Multi-channel fields are 4-D arrays (channel, i, j, k) over a level's ghosted block; convolution weights are
5-D (out channel, in channel, k0, k1, k2) with k_a = 3 on a used axis and 1 on an unused one, so one body serves
1-D, 2-D and 3-D. Sums are accumulated in float64 (every term converted by np.float64, so that the CPU, the
GPU and the CUDA simulator's Python arithmetic round alike) and stored in the arrays' type (float32 for the
network).
"""
import numpy as np

f64 = np.float64


def conv_at(x, m, wt, bias, res, out, add, relu, i, j, k):
    """out[c] = act(bias[c] + sum_{d,a,b,e} wt[c,d,a,b,e] v[d, i+a-k0//2, j+b-k1//2, k+e-k2//2] + add res[c])
    at cell (i, j, k), act = max(., 0) if `relu` else the identity (a zero-padded 'same' cross-correlation,
    PyTorch's ConvNd with padding 1, once the ghosts of x hold zeros at physical faces). v = x when wt has as many
    input channels as x; with twice as many, v = (x, m[0] x): the channels of x, then each times the one-channel
    mask m (the mask pyramid's convolution; otherwise m is not read)."""
    cout, cin, k0, k1, k2 = wt.shape
    nx = x.shape[0]
    for c in range(cout):
        s = f64(bias[c])
        for d in range(cin):
            src = d - nx if d >= nx else d
            for a in range(k0):
                for b in range(k1):
                    for e in range(k2):
                        p, q, r = i + a - k0 // 2, j + b - k1 // 2, k + e - k2 // 2
                        v = f64(x[src, p, q, r])
                        if d >= nx:
                            v *= f64(m[0, p, q, r])
                        s += f64(wt[c, d, a, b, e]) * v
        if add:
            s += f64(res[c, i, j, k])
        if relu and s < 0.0:
            s = 0.0
        out[c, i, j, k] = s


def pool_at(fine, coarse, f0, f1, f2, g0, g1, g2, m0, m1, m2, i, j, k):
    """coarse[c, i, j, k] = mean of the fine cells it covers (average pooling by f_a = 2 on used axes): the
    f0 f1 f2 cells g_a + f_a (i_a - g_a) + a_a, 0 <= a_a < f_a, that lie inside the m0 x m1 x m2 fine block (the
    last coarse cell of an odd block covers one fine cell: PyTorch's avg_pool with ceil_mode)."""
    for c in range(coarse.shape[0]):
        s = 0.0
        count = 0
        for a in range(f0):
            for b in range(f1):
                for e in range(f2):
                    if f0 * (i - g0) + a < m0 and f1 * (j - g1) + b < m1 and f2 * (k - g2) + e < m2:
                        s += f64(fine[c, g0 + f0 * (i - g0) + a, g1 + f1 * (j - g1) + b, g2 + f2 * (k - g2) + e])
                        count += 1
        coarse[c, i, j, k] = s / count


def unpool_add_at(coarse, fine, f0, f1, f2, g0, g1, g2, i, j, k):
    """fine[c, i, j, k] += coarse[c, g + (i - g) // f, ...]: the coarse cell that covers it (nearest-neighbour
    upsampling; with an odd fine block the last coarse cell covers one fine cell)."""
    ic, jc, kc = g0 + (i - g0) // f0, g1 + (j - g1) // f1, g2 + (k - g2) // f2
    for c in range(fine.shape[0]):
        fine[c, i, j, k] += coarse[c, ic, jc, kc]


def masked_face(u, m, i, j, k, di, dj, dk):
    """m_n (u_n - u) for the neighbour n = (i + di, j + dj, k + dk): the flux through an open face, 0 through a
    face to a solid cell."""
    return m[i + di, j + dj, k + dk] * (u[i + di, j + dj, k + dk] - u[i, j, k])


def masked_apply_at(u, m, out, i, j, k, o0, o1, o2, w0, w1, w2, alpha, beta):
    """out = m (alpha u - beta sum_a w_a sum_+- m_n (u_n - u)) + (1 - m) u at cell (i, j, k), m = 1 in fluid and
    0 in solid cells: the shifted Laplacian with homogeneous Neumann faces at obstacles and the identity on
    solid cells (symmetric: a_ij = -beta w m_i m_j); returns u * out."""
    v = u[i, j, k]
    if m[i, j, k] == 0.0:
        out[i, j, k] = v
        return v * v
    lap = w0 * (masked_face(u, m, i, j, k, -o0, 0, 0) + masked_face(u, m, i, j, k, o0, 0, 0))
    lap += w1 * (masked_face(u, m, i, j, k, 0, -o1, 0) + masked_face(u, m, i, j, k, 0, o1, 0))
    lap += w2 * (masked_face(u, m, i, j, k, 0, 0, -o2) + masked_face(u, m, i, j, k, 0, 0, o2))
    r = alpha * v - beta * lap
    out[i, j, k] = r
    return v * r
