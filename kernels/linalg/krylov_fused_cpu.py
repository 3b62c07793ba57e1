"""CPU (numba, threaded) fused vector updates of the CG variants, on 3-D ghosted block arrays.

Loops run over the owned cells only and call the per-element bodies of `krylov_fused_elements`. Reductions are
deterministic for any thread count: each i-plane's sums go to row i of `partial` and the rows are added
serially (`_planes`). Kernels that fuse several dots return them as a 1-D numpy array, ready to be the send
buffer of one (non-blocking) `Allreduce`.
"""
import numpy as np
from numba import njit, prange

from . import krylov_fused_elements as el
from ..twice import compile_for

_opts = dict(parallel=True, fastmath=False, cache=True)
_cell = compile_for(njit(inline="always"), el.cg1_step_at, el.cg1_plain_step_at, el.pipelined_step_at,
                    el.pipelined_plain_step_at, el.stack_dot_at, el.direction_at)
cg1_step_cell, cg1_plain_step_cell = _cell.cg1_step_at, _cell.cg1_plain_step_at
pipelined_step_cell, pipelined_plain_step_cell = _cell.pipelined_step_at, _cell.pipelined_plain_step_at
stack_dot_cell, direction_cell = _cell.stack_dot_at, _cell.direction_at


@njit(cache=True)
def _planes(partial):
    """Column sums of the per-plane partial sums, added in plane order."""
    total = np.zeros(partial.shape[1])
    for i in range(partial.shape[0]):
        total += partial[i]
    return total


@njit(**_opts)
def cg1_step(x, r, u, w, p, s, alpha, beta, g, n):
    """p = u + beta p; s = w + beta s; x += alpha p; r -= alpha s; returns the local r.r."""
    partial = np.zeros((n[0], 1))
    for i in prange(g[0], g[0] + n[0]):
        rr = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                rr += cg1_step_cell(x, r, u, w, p, s, alpha, beta, i, j, k)
        partial[i - g[0], 0] = rr
    return _planes(partial)[0]


@njit(**_opts)
def cg1_plain_step(x, r, w, p, s, alpha, beta, g, n):
    """p = r + beta p; s = w + beta s; x += alpha p; r -= alpha s; returns the local r.r."""
    partial = np.zeros((n[0], 1))
    for i in prange(g[0], g[0] + n[0]):
        rr = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                rr += cg1_plain_step_cell(x, r, w, p, s, alpha, beta, i, j, k)
        partial[i - g[0], 0] = rr
    return _planes(partial)[0]


@njit(**_opts)
def pipelined_step(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, g, n):
    """The eight pipelined-CG updates in one pass; returns the local [r.u, w.u, r.r]."""
    partial = np.zeros((n[0], 3))
    for i in prange(g[0], g[0] + n[0]):
        ru, wu, rr = 0.0, 0.0, 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                a, b, c = pipelined_step_cell(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, i, j, k)
                ru += a
                wu += b
                rr += c
        partial[i - g[0], 0] = ru
        partial[i - g[0], 1] = wu
        partial[i - g[0], 2] = rr
    return _planes(partial)


@njit(**_opts)
def pipelined_plain_step(x, r, w, nv, p, s, z, alpha, beta, g, n):
    """The six unpreconditioned pipelined-CG updates in one pass; returns the local [r.r, w.r]."""
    partial = np.zeros((n[0], 2))
    for i in prange(g[0], g[0] + n[0]):
        rr, wr = 0.0, 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                a, b = pipelined_plain_step_cell(x, r, w, nv, p, s, z, alpha, beta, i, j, k)
                rr += a
                wr += b
        partial[i - g[0], 0] = rr
        partial[i - g[0], 1] = wr
    return _planes(partial)


@njit(**_opts)
def stack_dots(a, stack, g, n):
    """The local a.stack[t] for every slot t of a 4-D stack, as an array."""
    slots = stack.shape[0]
    partial = np.zeros((n[0], slots))
    for i in prange(g[0], g[0] + n[0]):
        for t in range(slots):
            v = 0.0
            for j in range(g[1], g[1] + n[1]):
                for k in range(g[2], g[2] + n[2]):
                    v += stack_dot_cell(a, stack, t, i, j, k)
            partial[i - g[0], t] = v
    return _planes(partial)


@njit(**_opts)
def direction(z, r, stack, coef, slot, g, n):
    """stack[slot] = z - sum_t coef[t] stack[t] (coef a tuple, coef[slot] = 0); returns the local p.r."""
    partial = np.zeros((n[0], 1))
    for i in prange(g[0], g[0] + n[0]):
        pr = 0.0
        for j in range(g[1], g[1] + n[1]):
            for k in range(g[2], g[2] + n[2]):
                pr += direction_cell(z, r, stack, coef, slot, i, j, k)
        partial[i - g[0], 0] = pr
    return _planes(partial)[0]
