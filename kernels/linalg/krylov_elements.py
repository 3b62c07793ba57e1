"""Per-element bodies of the Krylov-solver kernels, written once and compiled for CPU and GPU.

Each function updates cell (i, j, k) of 3-D ghosted block arrays and returns that cell's contribution to the
kernel's reduction (0.0 where the kernel reduces nothing). `linalg_cpu` loops them with numba `prange`,
`linalg_gpu` launches them one thread per cell with numba.cuda.
"""
import math

from ..stencil import div_a_grad_at, shifted_laplacian_at


def apply_at(u, out, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta):
    """out = A u at the cell; returns u * (A u) (summed: the CG curvature p.Ap)."""
    v = shifted_laplacian_at(u, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta)
    out[i, j, k] = v
    return u[i, j, k] * v


def residual_at(b, u, r, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta):
    """r = b - A u at the cell; returns r^2."""
    v = b[i, j, k] - shifted_laplacian_at(u, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta)
    r[i, j, k] = v
    return v * v


def dot_at(a, b, i, j, k):
    return a[i, j, k] * b[i, j, k]


def cg_step_at(x, r, p, q, alpha, i, j, k):
    """x += alpha p; r -= alpha q; returns the new r^2."""
    x[i, j, k] += alpha * p[i, j, k]
    v = r[i, j, k] - alpha * q[i, j, k]
    r[i, j, k] = v
    return v * v


def jacobi_at(r, inv_diag, z, i, j, k):
    """z = D^-1 r at the cell; returns r z."""
    v = inv_diag[i, j, k] * r[i, j, k]
    z[i, j, k] = v
    return r[i, j, k] * v


def xpby_at(x, y, beta, i, j, k):
    """y = x + beta y (search direction p = z + beta p)."""
    y[i, j, k] = x[i, j, k] + beta * y[i, j, k]
    return 0.0


def add_at(x, c, i, j, k):
    """x += c (removal of the constant null-space component)."""
    x[i, j, k] += c
    return 0.0


def apply_var_at(u, a, out, i, j, k, ox, oy, oz, wx, wy, wz, alpha, beta):
    """out = (alpha I - beta div(a grad)) u at the cell; returns u * out."""
    v = alpha * u[i, j, k] - beta * div_a_grad_at(u, a, i, j, k, ox, oy, oz, wx, wy, wz)
    out[i, j, k] = v
    return u[i, j, k] * v


# Slots of the device-resident scalar array `s` of `DeferredCheckCG`: p.Ap, r.r, and r.z of even and odd
# iterations (RZ + parity). Alternating the r.z slots keeps the old r.z beside the new one with no copy, so an
# iteration needs no kernel of its own to roll the scalars over; without a preconditioner r.z is r.r, which
# then lands in the r.z slot instead of RR.
PAP, RR, RZ = 0, 1, 2


def step_length(s, old):
    """alpha = r.z / p.Ap with r.z = s[old], or 0 where p.Ap is not positive (a breakdown, flagged by
    `history_entry`)."""
    return s[old] / s[PAP] if s[PAP] > 0.0 else 0.0


def direction_coefficient(s, new, old):
    """beta = (r.z)_new / (r.z)_old = s[new] / s[old], or 0 where the old one is not positive."""
    return s[new] / s[old] if s[old] > 0.0 else 0.0


def history_entry(s, rr):
    """An iteration's entry in the device history: r.r = s[rr], or -1 flagging a breakdown (p.Ap <= 0 or not
    finite)."""
    pap = s[PAP]
    return s[rr] if pap > 0.0 and pap < math.inf else -1.0
