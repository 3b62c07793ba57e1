"""GPU (numba.cuda) fused vector updates of the CG variants, with the same interface as `krylov_fused_cpu`.

One thread per owned cell on the launch geometry of `gpu_grid` (cell mapping, shared-memory block reduction),
as in `linalg_gpu`. A kernel fusing c dots reduces each into its own row of a (c, blocks) partial array;
the rows are summed by the array module of the inputs and returned to the host as one numpy array (the send
buffer of the solver's `Allreduce`). The per-element bodies are those of `krylov_fused_elements`.
"""
import numpy as np
from numba import cuda

from . import krylov_fused_elements as el
from ..gpu_grid import block_count, block_sum, launch, owned_cell, partial_array, reduce_blocks
from ..twice import compile_for

_cell = compile_for(cuda.jit(device=True), el.cg1_step_at, el.cg1_plain_step_at, el.pipelined_step_at,
                    el.pipelined_plain_step_at, el.stack_dot_at, el.direction_at)
cg1_step_cell, cg1_plain_step_cell = _cell.cg1_step_at, _cell.cg1_plain_step_at
pipelined_step_cell, pipelined_plain_step_cell = _cell.pipelined_step_at, _cell.pipelined_plain_step_at
stack_dot_cell, direction_cell = _cell.stack_dot_at, _cell.direction_at


@cuda.jit
def _cg1_step(x, r, u, w, p, s, alpha, beta, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    rr = 0.0
    if inside:
        rr = cg1_step_cell(x, r, u, w, p, s, alpha, beta, i, j, k)
    block_sum(rr, partial)


@cuda.jit
def _cg1_plain_step(x, r, w, p, s, alpha, beta, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    rr = 0.0
    if inside:
        rr = cg1_plain_step_cell(x, r, w, p, s, alpha, beta, i, j, k)
    block_sum(rr, partial)


@cuda.jit
def _pipelined_step(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    ru, wu, rr = 0.0, 0.0, 0.0
    if inside:
        ru, wu, rr = pipelined_step_cell(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, i, j, k)
    block_sum(ru, partial[0])
    block_sum(wu, partial[1])
    block_sum(rr, partial[2])


@cuda.jit
def _pipelined_plain_step(x, r, w, nv, p, s, z, alpha, beta, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    rr, wr = 0.0, 0.0
    if inside:
        rr, wr = pipelined_plain_step_cell(x, r, w, nv, p, s, z, alpha, beta, i, j, k)
    block_sum(rr, partial[0])
    block_sum(wr, partial[1])


@cuda.jit
def _stack_dots(a, stack, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    for t in range(stack.shape[0]):                     # every thread takes part in each block_sum
        v = stack_dot_cell(a, stack, t, i, j, k) if inside else 0.0
        block_sum(v, partial[t])


@cuda.jit
def _direction(z, r, stack, coef, slot, g, n, partial):
    i, j, k, inside = owned_cell(g, n)
    pr = 0.0
    if inside:
        pr = direction_cell(z, r, stack, coef, slot, i, j, k)
    block_sum(pr, partial)


def _reduce_rows(kernel, like, n, rows, *args):
    """Launch a kernel fusing `rows` reductions; returns their sums as a host numpy array."""
    partial = partial_array(like, (rows, block_count(n)))
    kernel[launch(n)](*args, partial)
    total = partial.sum(axis=1)
    return total if isinstance(like, np.ndarray) else total.get()


def cg1_step(x, r, u, w, p, s, alpha, beta, g, n):
    return reduce_blocks(_cg1_step, x, n, x, r, u, w, p, s, alpha, beta, g, n)


def cg1_plain_step(x, r, w, p, s, alpha, beta, g, n):
    return reduce_blocks(_cg1_plain_step, x, n, x, r, w, p, s, alpha, beta, g, n)


def pipelined_step(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, g, n):
    return _reduce_rows(_pipelined_step, x, n, 3, x, r, u, w, mv, nv, p, s, q, z, alpha, beta, g, n)


def pipelined_plain_step(x, r, w, nv, p, s, z, alpha, beta, g, n):
    return _reduce_rows(_pipelined_plain_step, x, n, 2, x, r, w, nv, p, s, z, alpha, beta, g, n)


def stack_dots(a, stack, g, n):
    return _reduce_rows(_stack_dots, a, n, stack.shape[0], a, stack, g, n)


def direction(z, r, stack, coef, slot, g, n):
    return reduce_blocks(_direction, z, n, z, r, stack, coef, slot, g, n)
