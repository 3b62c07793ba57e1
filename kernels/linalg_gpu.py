"""GPU (numba.cuda) kernels of the matrix-free Krylov solvers, with the same interface as `linalg_cpu`.

One thread per owned cell on the 3-D launch geometry of `gpu_grid` (k fastest, so that neighbouring threads
touch neighbouring memory). Reducing kernels sum their block in shared memory (a fixed tree, so results are
reproducible) and write one partial per block; the partials are summed by the array module of the inputs
(CuPy on a GPU, numpy under the CUDA simulator). The per-element bodies are those of `krylov_elements`,
compiled as device functions.
"""
import numpy as np
from numba import cuda

from . import krylov_elements as el
from . import stencil
from .gpu_grid import THREADS, block_count, block_sum, launch, owned_cell
from .twice import compile_for

_cell = compile_for(cuda.jit(device=True), stencil.laplacian_at, stencil.shifted_laplacian_at, stencil.harmonic_mean,
                    stencil.div_a_grad_at, el.apply_at, el.apply_var_at,
                    el.residual_at, el.dot_at, el.cg_step_at, el.jacobi_at, el.xpby_at, el.add_at,
                    el.step_length, el.direction_coefficient, el.history_entry)
apply_cell, residual_cell, dot_cell = _cell.apply_at, _cell.residual_at, _cell.dot_at
cg_step_cell, jacobi_cell, xpby_cell, add_cell = _cell.cg_step_at, _cell.jacobi_at, _cell.xpby_at, _cell.add_at
apply_var_cell = _cell.apply_var_at
step_length, direction_coefficient, history_entry = _cell.step_length, _cell.direction_coefficient, _cell.history_entry


@cuda.jit
def _apply_dot(u, out, g, n, o, w, alpha, beta, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = apply_cell(u, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _apply_dot_var(u, a, out, g, n, o, w, alpha, beta, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = apply_var_cell(u, a, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _residual(b, u, r, g, n, o, w, alpha, beta, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = residual_cell(b, u, r, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta)
    block_sum(v, partial)


@cuda.jit
def _dot(a, b, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = dot_cell(a, b, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _cg_step(x, r, p, q, alpha, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = cg_step_cell(x, r, p, q, alpha, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _jacobi(r, inv_diag, z, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = jacobi_cell(r, inv_diag, z, i, j, k)
    block_sum(v, partial)


@cuda.jit
def _xpby(x, y, beta, g, n):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        xpby_cell(x, y, beta, i, j, k)


@cuda.jit
def _add_constant(x, c, g, n):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        add_cell(x, c, i, j, k)


def _partial_array(like, shape):
    return np.zeros(shape) if isinstance(like, np.ndarray) else _cupy().zeros(shape)


def _reduce(kernel, like, n, *args):
    """Launch a reducing kernel and return the sum of its per-block partials as a Python float."""
    partial = _partial_array(like, block_count(n))
    kernel[launch(n)](*args, partial)
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
    _xpby[launch(n)](x, y, beta, g, n)


def add_constant(x, c, g, n):
    _add_constant[launch(n)](x, c, g, n)


# -- device-resident scalars (`DeferredCheckCG`): reductions land in a small device array `s` instead of
# returning to the host, and the step lengths are read from it by every thread, so no iteration waits for the
# host. The second stage sums the per-block partials in one block (a fixed order: reproducible); the one after
# the CG step also writes the iteration's history entry, so an iteration takes no extra launch for it.

@cuda.jit(device=True)
def _sum_partials_at(partial, count, s, slot):
    """One block: s[slot] = sum of partial[:count] (every thread of the block must call it)."""
    t = cuda.threadIdx.x
    v = 0.0
    for b in range(t, count, THREADS):
        v += partial[b]
    block_sum(v, s[slot:slot + 1])


@cuda.jit
def _sum_partials(partial, count, s, slot):
    _sum_partials_at(partial, count, s, slot)


@cuda.jit
def _sum_partials_recorded(partial, count, s, slot, history, entry):
    """s[slot] = sum of partial[:count]; history[entry] = s[slot], or -1 on a breakdown (`history_entry`)."""
    _sum_partials_at(partial, count, s, slot)
    if cuda.threadIdx.x == 0:           # the thread that wrote s[slot]
        history[entry] = history_entry(s, slot)


@cuda.jit
def _cg_step_scaled(x, r, p, q, s, old, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    v = 0.0
    if inside:
        v = cg_step_cell(x, r, p, q, step_length(s, old), i, j, k)
    block_sum(v, partial)


@cuda.jit
def _direction_update(z, p, s, new, old, g, n):
    i, j, k, inside = owned_cell(g, n)
    if inside:
        xpby_cell(z, p, direction_coefficient(s, new, old), i, j, k)


_partials = {}


def _partials_of(kernel, like, n, *args):
    """Launch a reducing kernel into a cached partial array (no allocation per call); returns that array."""
    key = (block_count(n), isinstance(like, np.ndarray))
    if key not in _partials:
        _partials[key] = _partial_array(like, key[0])
    partial = _partials[key]
    kernel[launch(n)](*args, partial)
    return partial


def _reduce_into(kernel, like, n, s, slot, *args):
    """Launch a reducing kernel and leave its sum in s[slot] on the device (no host synchronisation)."""
    partial = _partials_of(kernel, like, n, *args)
    _sum_partials[1, THREADS](partial, partial.size, s, slot)


def apply_dot_into(u, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_apply_dot, u, n, s, slot, u, out, g, n, o, w, alpha, beta)


def apply_dot_var_into(u, a, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_apply_dot_var, u, n, s, slot, u, a, out, g, n, o, w, alpha, beta)


def dot_into(a, b, g, n, s, slot):
    _reduce_into(_dot, a, n, s, slot, a, b, g, n)


def jacobi_into(r, inv_diag, z, g, n, s, slot):
    _reduce_into(_jacobi, r, n, s, slot, r, inv_diag, z, g, n)


def cg_step_into(x, r, p, q, s, old, rr, history, entry, g, n):
    """x += alpha p, r -= alpha q with alpha = s[old] / s[PAP]; s[rr] = r.r, and history[entry] = r.r or -1
    on a breakdown (`krylov_elements.history_entry`)."""
    partial = _partials_of(_cg_step_scaled, x, n, x, r, p, q, s, old, g, n)
    _sum_partials_recorded[1, THREADS](partial, partial.size, s, rr, history, entry)


def direction_update(z, p, s, new, old, g, n):
    """p = z + beta p with beta = s[new] / s[old]."""
    _direction_update[launch(n)](z, p, s, new, old, g, n)
