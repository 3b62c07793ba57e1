"""CPU (numba, threaded) kernels of the matrix-free Krylov solvers on 3-D ghosted block arrays.

Loops run over the owned cells `[g_a, g_a + n_a)` only and call the shared per-element bodies of
`krylov_elements`. Reductions are deterministic for any thread count: the sum over each i-plane goes to
`partial[i]` and the planes are summed serially by `sum_planes` (a `partial.sum()` inside a parallel function
would itself become a threaded reduction). The operator is `A = alpha I - beta Lap`.
"""
import numpy as np
from numba import njit, prange

from . import krylov_elements as el
from . import stencil
from .twice import compile_for

_opts = dict(parallel=True, fastmath=False, cache=True)


@njit(cache=True)
def sum_planes(partial):
    """Sum of the per-plane partial sums in plane order (serial: the same result for any thread count)."""
    total = 0.0
    for v in partial:
        total += v
    return total

_cell = compile_for(njit(inline="always"), stencil.laplacian_at, stencil.shifted_laplacian_at, stencil.harmonic_mean,
                    stencil.div_a_grad_at, el.apply_at, el.apply_var_at,
                    el.residual_at, el.dot_at, el.cg_step_at, el.jacobi_at, el.xpby_at, el.add_at,
                    el.step_length, el.direction_coefficient, el.history_entry)
apply_cell, residual_cell, dot_cell = _cell.apply_at, _cell.residual_at, _cell.dot_at
cg_step_cell, jacobi_cell, xpby_cell, add_cell = _cell.cg_step_at, _cell.jacobi_at, _cell.xpby_at, _cell.add_at
apply_var_cell = _cell.apply_var_at


@njit(**_opts)
def apply_dot(u, out, g, n, o, w, alpha, beta):
    """out = A u on the owned cells (ghosts of u filled); returns the local sum of u * out."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += apply_cell(u, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def apply_dot_var(u, a, out, g, n, o, w, alpha, beta):
    """out = (alpha I - beta div(a grad)) u on the owned cells; returns the local u.out."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += apply_var_cell(u, a, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def residual(b, u, r, g, n, o, w, alpha, beta):
    """r = b - A u on the owned cells; returns the local r.r."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += residual_cell(b, u, r, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def dot(a, b, g, n):
    """Local sum of a * b over the owned cells."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += dot_cell(a, b, i, j, k)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def cg_step(x, r, p, q, alpha, g, n):
    """x += alpha p; r -= alpha q (one fused pass); returns the local r.r."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += cg_step_cell(x, r, p, q, alpha, i, j, k)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def jacobi(r, inv_diag, z, g, n):
    """z = D^-1 r; returns the local r.z."""
    partial = np.zeros(n[0])
    for i in prange(g[0], g[0] + n[0]):
        s = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                s += jacobi_cell(r, inv_diag, z, i, j, k)
        partial[i - g[0]] = s
    return sum_planes(partial)


@njit(**_opts)
def xpby(x, y, beta, g, n):
    """y = x + beta y on the owned cells."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                xpby_cell(x, y, beta, i, j, k)


@njit(**_opts)
def add_constant(x, c, g, n):
    """x += c on the owned cells."""
    for i in prange(g[0], g[0] + n[0]):
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                add_cell(x, c, i, j, k)


# -- the device-resident-scalar interface of `linalg_gpu` (used by `DeferredCheckCG`); on the CPU the scalar
# array is a numpy array and the same bodies decide alpha, beta and the breakdown flag.

def apply_dot_into(u, out, g, n, o, w, alpha, beta, s, slot):
    s[slot] = apply_dot(u, out, g, n, o, w, alpha, beta)


def apply_dot_var_into(u, a, out, g, n, o, w, alpha, beta, s, slot):
    s[slot] = apply_dot_var(u, a, out, g, n, o, w, alpha, beta)


def dot_into(a, b, g, n, s, slot):
    s[slot] = dot(a, b, g, n)


def jacobi_into(r, inv_diag, z, g, n, s, slot):
    s[slot] = jacobi(r, inv_diag, z, g, n)


def cg_step_into(x, r, p, q, s, old, rr, history, entry, g, n):
    """x += alpha p, r -= alpha q with alpha = s[old] / s[PAP]; s[rr] = r.r, and history[entry] = r.r or -1
    on a breakdown (`krylov_elements.history_entry`)."""
    s[rr] = cg_step(x, r, p, q, _cell.step_length(s, old), g, n)
    history[entry] = _cell.history_entry(s, rr)


def direction_update(z, p, s, new, old, g, n):
    """p = z + beta p with beta = s[new] / s[old]."""
    xpby(z, p, _cell.direction_coefficient(s, new, old), g, n)
