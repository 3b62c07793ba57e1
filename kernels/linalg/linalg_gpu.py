"""GPU (numba.cuda) kernels of the matrix-free Krylov solvers, with the same interface as `linalg_cpu`: the loops
of `linalg_loops` generated for the GPU (one thread per cell on the launch geometry of `gpu_grid`, reproducible
block sums), and the device-resident-scalar kernels of `DeferredCheckCG`.
"""
import numpy as np
from numba import cuda

from . import linalg_loops
from ..gpu_grid import THREADS, block_count, block_sum, launch, owned_cell, partial_array
from ..loops import export, generate

_loops = generate("linalg", "gpu", linalg_loops.LOOPS, linalg_loops.BODIES)
_cell = _loops._cell
__all__ = export(globals(), _loops, linalg_loops.LOOPS) + [
    "apply_dot_into", "apply_dot_var_into", "dot_into", "jacobi_into", "cg_step_into", "direction_update"]
cg_step_cell, xpby_cell = _cell.cg_step_at, _cell.xpby_at
step_length, direction_coefficient, history_entry = _cell.step_length, _cell.direction_coefficient, _cell.history_entry


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
        _partials[key] = partial_array(like, key[0])
    partial = _partials[key]
    kernel[launch(n)](*args, partial)
    return partial


def _reduce_into(kernel, like, n, s, slot, *args):
    """Launch a reducing kernel and leave its sum in s[slot] on the device (no host synchronisation)."""
    partial = _partials_of(kernel, like, n, *args)
    _sum_partials[1, THREADS](partial, partial.size, s, slot)


def apply_dot_into(u, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_loops._apply_dot, u, n, s, slot, u, out, g, n, o, w, alpha, beta)


def apply_dot_var_into(u, a, out, g, n, o, w, alpha, beta, s, slot):
    _reduce_into(_loops._apply_dot_var, u, n, s, slot, u, a, out, g, n, o, w, alpha, beta)


def dot_into(a, b, g, n, s, slot):
    _reduce_into(_loops._dot, a, n, s, slot, a, b, g, n)


def jacobi_into(r, inv_diag, z, g, n, s, slot):
    _reduce_into(_loops._jacobi, r, n, s, slot, r, inv_diag, z, g, n)


def cg_step_into(x, r, p, q, s, old, rr, history, entry, g, n):
    """x += alpha p, r -= alpha q with alpha = s[old] / s[PAP]; s[rr] = r.r, and history[entry] = r.r or -1
    on a breakdown (`krylov_elements.history_entry`)."""
    partial = _partials_of(_cg_step_scaled, x, n, x, r, p, q, s, old, g, n)
    _sum_partials_recorded[1, THREADS](partial, partial.size, s, rr, history, entry)


def direction_update(z, p, s, new, old, g, n):
    """p = z + beta p with beta = s[new] / s[old]."""
    _direction_update[launch(n)](z, p, s, new, old, g, n)
