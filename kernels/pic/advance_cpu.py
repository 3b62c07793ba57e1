"""CPU (numba) fused particle step (`advance_elements`): gather, (forced) push, move and Esirkepov deposit of
every particle of a species in one pass over its arrays, chunk by chunk.

Per chunk of CHUNK particles three loops share an L1-resident scratch w[ROWS, CHUNK] (`load_at`, `push_w_at`,
`store_at`): the middle one, the pusher's square roots and divisions, vectorises (unsigned particle indices, so
that numba adds no wrap-around of negative indices); the first and last gather and scatter (also with unsigned
indices, `gather_cpu.fetch_unsigned`, `deposit_cpu.accumulate_unsigned`). A single loop over the whole
per-particle body is about twice slower (see `advance_elements`). x^n and E, B at the particles never go to
memory, and the particles that may have left the block come back as candidates for the migration.

The switches (dimensionality, pusher, forcing on/off, velocity and temperature forcing) are compile-time
constants: one compiled kernel per combination (`_kernels`, cached on disk), built when first used, so that the
compiler drops the branches not taken and vectorises the push. Runtime switches would not only keep the
branches: numba then binds the arrays passed to the inlined bodies inside conditionally executed blocks, and its
reference-count pruning leaves an atomic incref/decref pair per array and particle in the loop (the 2x slowdown
of the first fused version).

Threads: with one numba thread the loop deposits straight into J; with T > 1 each thread takes a contiguous
share of the particles and deposits into its own copy of J (summed into J afterwards), so no two threads add
into the same node.
"""
import functools

import numba
import numpy as np
from numba import njit, prange, types

from . import advance_elements as ae
from . import deposit_elements as de
from . import forcing_elements as fe
from . import gather_elements as ge
from . import pic_elements as pe
from .deposit_cpu import accumulate_unsigned
from .gather_cpu import fetch_unsigned
from .shaped import compile_shaped
from ..twice import compile_for

__all__ = ["advance"]   # the interface shared with the gpu twin

CHUNK = 128            # particles per chunk; scratch rows CHUNK + PAD apart (no 4 KiB aliasing between rows)
PAD = 8
NO_FORCING = (0.0,) * 14
EVERYWHERE = (np.inf, -np.inf) * 3     # `inner` bounds that flag every particle

_cell = compile_for(njit(inline="always", error_model="numpy"), ge.line, ge.plane, ge.interpolate, ge.fields_at,
                    fe.flow_factor, fe.gradient_flow_at, fe.temperature_flow_at, fe.relativistic_substep,
                    fe.relativistic_temperature_flow_at, fe.forcing_half_at,
                    pe.push_vay, pe.push_boris, pe.inverse_gamma, de.linear_weight,
                    de.transverse, de.transverse_or_mean, de.stays, de.cell_window, de.window,
                    de.esirkepov_currents, de.esirkepov_move,
                    ae.load_at, ae.push_w_at, ae.keep_at, ae.redo_at, ae.store_at,
                    replace={"fetch": fetch_unsigned, "accumulate": accumulate_unsigned})
load_cell, push_cell, store_cell = _cell.load_at, _cell.push_w_at, _cell.store_at
keep_cell, redo_cell = _cell.keep_at, _cell.redo_at


def _shaped_cells(order):
    """(load, store) of the fused step with the particle shape of `order` (2, 3) (`shaped.compile_shaped`)."""
    cells = compile_shaped(njit(inline="always", error_model="numpy"), order, ge.fields_at, ae.load_at, ae.store_at,
                           replace={"fetch": fetch_unsigned, "accumulate": accumulate_unsigned,
                                    "esirkepov_currents": _cell.esirkepov_currents})
    return cells.load_at, cells.store_at


load_quadratic_cell, store_quadratic_cell = _shaped_cells(2)
load_cubic_cell, store_cubic_cell = _shaped_cells(3)


@functools.lru_cache(maxsize=None)
def _kernels(used, pusher, forced, velocity, temperature, order=1):
    """(serial range kernel, threaded kernel) with these switches as compile-time constants (`order`: the
    particle shape; 2 and 3 take the shaped gather and deposit, 1 the linear kernel as before)."""
    # the `order` tests in the kernel are pruned before typing (a closure constant): the linear variants compile
    # the code they compiled before the shaped gather and deposit existed
    used0, used1, used2 = used
    # branch-free temperature flow (either form), flagged particles redone exactly; not with the velocity forcing,
    # whose in-place flows around it keep the push loop from vectorising (measured: 95 instead of 66 ns)
    series = forced and temperature != 0 and not velocity
    rows = ae.SERIES_ROWS if series else ae.ROWS

    @njit(error_model="numpy", cache=True)
    def advance_range(fe_, fb, j, x, u, start, stop, qm_dt, dt, f, qw, inv_h, shift, h, inner, leavers):
        c = (qw * h[0] / dt, qw * h[1] / dt, qw * h[2] / dt)
        w = np.empty((rows, CHUNK + PAD))
        count = 0
        for first in range(start, stop, CHUNK):
            m = min(CHUNK, stop - first)
            for k in range(m):
                if order == 2:
                    load_quadratic_cell(fe_, fb, x, types.uint64(first + k), w, k, inv_h, shift, used0, used1,
                                        used2)
                elif order == 3:
                    load_cubic_cell(fe_, fb, x, types.uint64(first + k), w, k, inv_h, shift, used0, used1, used2)
                else:
                    load_cell(fe_, fb, x, types.uint64(first + k), w, k, inv_h, shift, used0, used1, used2)
                if series:
                    keep_cell(x, u, types.uint64(first + k), w, k)
            for k in range(m):
                suspect = push_cell(x, u, types.uint64(first + k), w, k, qm_dt, dt, pusher, f, forced, velocity,
                                    temperature, series)
                if series:
                    w[ae.FLAG, k] = 1.0 if suspect else 0.0
            if series:
                for k in range(m):
                    if w[ae.FLAG, k] != 0.0:
                        redo_cell(x, u, types.uint64(first + k), w, k, qm_dt, dt, pusher, f, forced, velocity,
                                  temperature)
            for k in range(m):
                if order == 2:
                    gone = store_quadratic_cell(j, x, types.uint64(first + k), w, k, qw, inv_h, shift, c, inner,
                                                used0, used1, used2)
                elif order == 3:
                    gone = store_cubic_cell(j, x, types.uint64(first + k), w, k, qw, inv_h, shift, c, inner,
                                            used0, used1, used2)
                else:
                    gone = store_cell(j, x, types.uint64(first + k), w, k, qw, inv_h, shift, c, inner, used0,
                                      used1, used2)
                if gone:
                    leavers[start + count] = first + k
                    count += 1
        return count

    @njit(parallel=True, error_model="numpy", cache=True)
    def threaded(fe_, fb, j, x, u, n, qm_dt, dt, f, qw, inv_h, shift, h, inner, leavers, scratch, counts):
        threads = scratch.shape[0]
        for t in prange(threads):
            mine = scratch[t]
            mine[...] = 0.0
            counts[t] = advance_range(fe_, fb, (mine[0], mine[1], mine[2]), x, u, n * t // threads,
                                      n * (t + 1) // threads, qm_dt, dt, f, qw, inv_h, shift, h, inner, leavers)
        for a in range(3):
            grid = j[a]
            for i in prange(grid.shape[0]):
                for t in range(threads):
                    grid[i] += scratch[t, a, i]

    return advance_range, threaded


def kernels_for(inv_h, pusher, f, velocity, temperature, order=1):
    used = (inv_h[0] > 0.0, inv_h[1] > 0.0, inv_h[2] > 0.0)
    forced = f is not None and bool(velocity or temperature)
    return _kernels(used, int(pusher), forced, bool(velocity) and forced, int(temperature) if forced else 0,
                    int(order))


def coefficients(f):
    """The forcing coefficients as a tuple of 14 floats (compile-time shape, kept in registers)."""
    return NO_FORCING if f is None else tuple(float(v) for v in np.asarray(f).ravel())


_scratch = {}


def scratch_for(threads, block_shape):
    """Per-thread current grids (threads, 3, *block_shape), kept between steps."""
    key = (threads, tuple(block_shape))
    if key not in _scratch:
        _scratch.clear()
        _scratch[key] = np.zeros((threads, 3, *block_shape))
    return _scratch[key]


def columns_of(a):
    """The C-contiguous buffer whose first columns `a` is (the particle arrays after a migration that changed
    the count, `hpcsim.parallel.particles`), else `a`: the kernels run over the first n columns, compiled once
    for C-contiguous arrays (a view with spare columns would need a second, slower, strided compilation)."""
    if a.flags.c_contiguous:
        return a
    b = a.base
    if (isinstance(b, np.ndarray) and b.flags.c_contiguous and b.dtype == a.dtype and b.shape[:-1] == a.shape[:-1]
            and b.strides == a.strides and b.__array_interface__["data"][0] == a.__array_interface__["data"][0]):
        return b
    return a


def advance(fe_, fb, j, x, u, qm_dt, dt, pusher, f, velocity, temperature, qw, inv_h, shift, h, inner=None,
            order=1):
    """The fused particle step for every particle of a species: E, B gathered at x^n (fe, fb: tuples of the
    component grids, ghosts filled), u pushed from n-1/2 to n+1/2 (pusher 0: Vay, 1: Boris; inside the forcing
    half steps with coefficients f, see `pic_elements.push_forced_move_at`, unless f is None), x moved, and
    the Esirkepov current of the move added into j (tuple of 3 grids; qw = q w / V; axes with inv_h = 0 unused).
    Returns the sorted indices of the particles whose new local cell coordinate lies outside
    [inner[2a], inner[2a + 1]) on a used axis a (all of them with inner None): the candidates for migration.
    `order`: the particle shape (1 linear, 2 quadratic, 3 cubic) of the gather and the deposit."""
    serial, threaded = kernels_for(inv_h, pusher, f, velocity, temperature, order)
    fe_, fb, j = tuple(fe_), tuple(fb), tuple(j)
    f = coefficients(f)
    inner = EVERYWHERE if inner is None else tuple(float(v) for v in inner)
    n = x.shape[1]
    x, u = columns_of(x), columns_of(u)
    leavers = np.empty(n, dtype=np.int64)
    threads = numba.get_num_threads()
    if threads <= 1 or n < 4 * CHUNK * threads:
        count = serial(fe_, fb, j, x, u, 0, n, qm_dt, dt, f, qw, inv_h, shift, h, inner, leavers)
        return leavers[:count]
    counts = np.zeros(threads, dtype=np.int64)
    threaded(fe_, fb, j, x, u, n, qm_dt, dt, f, qw, inv_h, shift, h, inner, leavers,
             scratch_for(threads, j[0].shape), counts)
    return np.concatenate([leavers[n * t // threads:n * t // threads + counts[t]] for t in range(threads)])
