"""GPU (numba.cuda) kernels of the matrix-free Krylov solvers, with the same interface as `linalg_cpu`.

One thread per owned cell, flattened with k fastest so that neighbouring threads touch neighbouring memory.
Reducing kernels sum their block in shared memory (a fixed tree, so results are reproducible) and write one
partial per block; the partials are summed by the array module of the inputs (CuPy on a GPU, numpy under the
CUDA simulator). The per-element bodies are those of `krylov_elements`, compiled as device functions.
"""
import math

import numpy as np
from numba import cuda, float64

from . import krylov_elements as el
from . import stencil
from .twice import compile_for

THREADS = 128
_cell = compile_for(cuda.jit(device=True), stencil.laplacian_at, stencil.shifted_laplacian_at, stencil.harmonic_mean,
                    stencil.div_a_grad_at, el.apply_at, el.apply_var_at,
                    el.residual_at, el.dot_at, el.cg_step_at, el.jacobi_at, el.xpby_at, el.add_at,
                    el.step_length, el.direction_coefficient, el.advance_at)
apply_cell, residual_cell, dot_cell = _cell.apply_at, _cell.residual_at, _cell.dot_at
cg_step_cell, jacobi_cell, xpby_cell, add_cell = _cell.cg_step_at, _cell.jacobi_at, _cell.xpby_at, _cell.add_at
apply_var_cell = _cell.apply_var_at
step_length, direction_coefficient, advance_cell = _cell.step_length, _cell.direction_coefficient, _cell.advance_at


@cuda.jit(device=True)
def owned_cell(idx, g, n):
    """Flat owned-cell index -> (i, j, k) array indices, k fastest."""
    k = idx % n[2]
    rest = idx // n[2]
    return rest // n[1] + g[0], rest % n[1] + g[1], k + g[2]


@cuda.jit(device=True)
def block_sum(value, partial):
    """Sum `value` over the thread block (shared-memory tree); thread 0 stores it in partial[block]."""
    cache = cuda.shared.array(THREADS, float64)
    t = cuda.threadIdx.x
    cache[t] = value
    cuda.syncthreads()
    stride = THREADS // 2
    while stride > 0:
        if t < stride:
            cache[t] += cache[t + stride]
        cuda.syncthreads()
        stride //= 2
    if t == 0:
        partial[cuda.blockIdx.x] = cache[0]


@cuda.jit
def _apply_dot(u, out, g, n, o, w, alpha, beta, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = apply_cell(u, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _apply_dot_var(u, a, out, g, n, o, w, alpha, beta, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = apply_var_cell(u, a, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _residual(b, u, r, g, n, o, w, alpha, beta, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = residual_cell(b, u, r, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _dot(a, b, g, n, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = dot_cell(a, b, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _cg_step(x, r, p, q, alpha, g, n, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = cg_step_cell(x, r, p, q, alpha, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _jacobi(r, inv_diag, z, g, n, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = jacobi_cell(r, inv_diag, z, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _xpby(x, y, beta, g, n):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        xpby_cell(x, y, beta, i, j, k)


@cuda.jit
def _add_constant(x, c, g, n):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        add_cell(x, c, i, j, k)


def _blocks(n):
    return max(1, math.ceil(n[0] * n[1] * n[2] / THREADS))


def _reduce(kernel, like, n, *args):
    """Launch a reducing kernel and return the sum of its per-block partials as a Python float."""
    blocks = _blocks(n)
    partial = np.zeros(blocks) if isinstance(like, np.ndarray) else _cupy().zeros(blocks)
    kernel[blocks, THREADS](*args, partial)
    return float(partial.sum())


def _cupy():
    import cupy

    return cupy


def apply_dot(u, out, g, n, o, w, alpha, beta):
    return _reduce(_apply_dot, u, n, u, out, g, n, o, w, alpha, beta)


def apply_dot_var(u, a, out, g, n, o, w, alpha, beta):
    return _reduce(_apply_dot_var, u, n, u, a, out, g, n, o, w, alpha, beta)


def residual(b, u, r, g, n, o, w, alpha, beta):
    return _reduce(_residual, u, n, b, u, r, g, n, o, w, alpha, beta)


def dot(a, b, g, n):
    return _reduce(_dot, a, n, a, b, g, n)


def cg_step(x, r, p, q, alpha, g, n):
    return _reduce(_cg_step, x, n, x, r, p, q, alpha, g, n)


def jacobi(r, inv_diag, z, g, n):
    return _reduce(_jacobi, r, n, r, inv_diag, z, g, n)


def xpby(x, y, beta, g, n):
    _xpby[_blocks(n), THREADS](x, y, beta, g, n)


def add_constant(x, c, g, n):
    _add_constant[_blocks(n), THREADS](x, c, g, n)


# -- device-resident scalars (`DeferredCheckCG`): reductions land in a small device array `s` instead of
# returning to the host, and the step lengths are read from it by every thread, so no iteration waits for the
# host. The second stage sums the per-block partials in one block (a fixed order: reproducible).

@cuda.jit
def _sum_partials(partial, count, s, slot):
    t = cuda.threadIdx.x
    v = 0.0
    for b in range(t, count, THREADS):
        v += partial[b]
    block_sum(v, s[slot:slot + 1])


@cuda.jit
def _cg_step_scaled(x, r, p, q, s, g, n, partial):
    idx = cuda.grid(1)
    v = 0.0
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        v = cg_step_cell(x, r, p, q, step_length(s), i, j, k)
    block_sum(v, partial)


@cuda.jit
def _direction_update(z, p, s, num, g, n):
    idx = cuda.grid(1)
    if idx < n[0] * n[1] * n[2]:
        i, j, k = owned_cell(idx, g, n)
        xpby_cell(z, p, direction_coefficient(s, num), i, j, k)


@cuda.jit
def _advance(s, history, slot, num):
    if cuda.grid(1) == 0:
        advance_cell(s, history, slot, num)


_partials = {}


def _reduce_into(kernel, like, n, s, slot, *args):
    """Launch a reducing kernel and leave its sum in s[slot] on the device (no host synchronisation)."""
    blocks = _blocks(n)
    key = (blocks, isinstance(like, np.ndarray))
    if key not in _partials:
        _partials[key] = np.zeros(blocks) if key[1] else _cupy().zeros(blocks)
    partial = _partials[key]
    kernel[blocks, THREADS](*args, partial)
    _sum_partials[1, THREADS](partial, blocks, s, slot)


def apply_dot_into(u, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_apply_dot, u, n, s, slot, u, out, g, n, o, w, alpha, beta)


def apply_dot_var_into(u, a, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_apply_dot_var, u, n, s, slot, u, a, out, g, n, o, w, alpha, beta)


def dot_into(a, b, g, n, s, slot):
    _reduce_into(_dot, a, n, s, slot, a, b, g, n)


def jacobi_into(r, inv_diag, z, g, n, s, slot):
    _reduce_into(_jacobi, r, n, s, slot, r, inv_diag, z, g, n)


def cg_step_into(x, r, p, q, s, g, n):
    """x += alpha p, r -= alpha q with alpha = s[RZ] / s[PAP]; s[RR] = r.r."""
    _reduce_into(_cg_step_scaled, x, n, s, el.RR, x, r, p, q, s, g, n)


def direction_update(z, p, s, num, g, n):
    """p = z + beta p with beta = s[num] / s[RZ]."""
    _direction_update[_blocks(n), THREADS](z, p, s, num, g, n)


def advance(s, history, slot, num):
    _advance[1, 1](s, history, slot, num)
