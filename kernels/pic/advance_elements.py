"""The whole particle part of a PIC step, per particle: gather E, B at x^n (linear shapes on the Yee stagger,
`gather_elements`), the Lorentz step (Vay or Boris, `pic_elements`) with the thermodynamic forcing's exact half
steps around it for a forced species (`forcing_elements`), the move x^{n+1} = x^n + dt u^{n+1/2} / gamma, and
the Esirkepov current of the move (`deposit_elements`).

The step is split in three bodies that meet in a scratch column w[:, k] of ROWS numbers (E at the particle,
then v = u / gamma; B at the particle; x^n in local cell units):

    load_at     gather E, B at x^n into w[:, k], with the old cell coordinates
    push_w_at   (forcing,) Lorentz step, (forcing,) move of u[:, p], x[:, p]; v into w[:, k]
    store_at    add the Esirkepov current of the move into J; flag a particle that may have left the block
                (so that migration need not scan all the positions again)

`advance_at` runs the three for one particle (the GPU kernel: one thread per particle, w a local array of one
column). The CPU kernel runs them as three loops over a chunk of particles with a small L1-resident scratch
(`advance_cpu`): one loop over the whole body of one particle is latency bound (a chain of some 200 dependent
cycles: floor, loads, interpolation, two square roots and divisions of the pusher, another square root,
the shapes, read-modify-writes into J; too long for the out-of-order window to overlap two particles) and cannot
use SIMD for the pusher's square roots and divisions, while the middle loop over a chunk vectorises. With
temperature forcing alone the CPU push loop takes the branch-free series form of the flow (`series`), which also
vectorises, after `keep_at` has saved x, u; the few particles it flags (a strong gradient, a blow-up) are redone
exactly (`redo_at`), so the result equals the exact per-particle push (61 -> 41 ns per particle-step on a 2D
block with temperature forcing).

The arithmetic is that of the separate kernels (`gather_cpu`, `pic_cpu`, `deposit_cpu`), operation for
operation, so both give the same numbers bit for bit (tested). `f` holds the forcing coefficients (see
`pic_elements.push_forced_move_at`), used only when `forced`.

Quadratic and cubic shapes (pic.shape = 2, 3) run these same steps, compiled by `shaped.compile_shaped` with
the shaped interpolation and current in place of the linear ones; the linear kernels compile the code they
compiled before.
"""
from .deposit_elements import esirkepov_move  # noqa: F401  (called by name; compile_for binds the compiled ones)
from .forcing_elements import forcing_half_at  # noqa: F401
from .gather_elements import fields_at  # noqa: F401
from .pic_elements import inverse_gamma, push_boris, push_vay  # noqa: F401

ROWS = 9               # scratch rows per particle: E then v (0-2), B (3-5), x^n in local cell units (6-8)
SERIES_ROWS = 19       # with the series push (CPU, temperature forcing): x, u, E kept (9-17), the flag (18)
FLAG = 18              # the row of the series push's flag


def load_at(fe, fb, x, p, w, k, inv_h, shift, used0, used1, used2):
    """w[:, k] <- E, B gathered at particle p and its local cell coordinates (fe, fb: tuples of the component
    grids, ghosts filled)."""
    o0, o1, o2 = x[0, p] * inv_h[0] + shift[0], x[1, p] * inv_h[1] + shift[1], x[2, p] * inv_h[2] + shift[2]
    w[0, k], w[1, k], w[2, k], w[3, k], w[4, k], w[5, k] = fields_at(fe[0], fe[1], fe[2], fb[0], fb[1], fb[2],
                                                                     o0, o1, o2, used0, used1, used2)
    w[6, k], w[7, k], w[8, k] = o0, o1, o2
    return 0.0


def push_w_at(x, u, p, w, k, qm_dt, dt, pusher, f, forced, velocity, temperature, series):
    """The (forced) Lorentz step of particle p (pusher 0: Vay, 1: Boris) with E, B from scratch column k, and
    its move; leaves the new velocity v = u / gamma in rows 0-2 (over E, no longer needed). With `series` the
    temperature flows take their branch-free series form (`forcing_elements.temperature_flow_at`) and the result
    is only valid where the returned flag is False; without it the result is exact and the flag is ignored."""
    suspect = False
    if forced:
        suspect = forcing_half_at(u, p, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11],
                                  f[12], f[13], velocity, temperature, series)
    if pusher == 0:
        ux, uy, uz = push_vay(u[0, p], u[1, p], u[2, p], w[0, k], w[1, k], w[2, k], w[3, k], w[4, k], w[5, k],
                              qm_dt)
    else:
        ux, uy, uz = push_boris(u[0, p], u[1, p], u[2, p], w[0, k], w[1, k], w[2, k], w[3, k], w[4, k], w[5, k],
                                qm_dt)
    u[0, p], u[1, p], u[2, p] = ux, uy, uz
    if forced:
        suspect |= forcing_half_at(u, p, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11],
                                   f[12], f[13], velocity, temperature, series)
        ux, uy, uz = u[0, p], u[1, p], u[2, p]
    ginv = inverse_gamma(ux, uy, uz)
    g = dt * ginv
    if forced and temperature and not series and not g == g:
        # a runaway of the temperature flow: u stays NaN (the engine then stops the run), but the particle moves
        # and deposits nothing, since the deposit's grid indices are unsigned and a NaN must never reach them
        g, ginv, ux, uy, uz = 0.0, 0.0, 0.0, 0.0, 0.0
    x[0, p] += g * ux
    x[1, p] += g * uy
    x[2, p] += g * uz
    w[0, k], w[1, k], w[2, k] = ux * ginv, uy * ginv, uz * ginv
    return suspect


def keep_at(x, u, p, w, k):
    """Rows 9-17 of scratch column k <- x, u of particle p and E at it (rows 0-2, which the push overwrites with
    v), for `redo_at`."""
    w[9, k], w[10, k], w[11, k] = x[0, p], x[1, p], x[2, p]
    w[12, k], w[13, k], w[14, k] = u[0, p], u[1, p], u[2, p]
    w[15, k], w[16, k], w[17, k] = w[0, k], w[1, k], w[2, k]
    return 0.0


def redo_at(x, u, p, w, k, qm_dt, dt, pusher, f, forced, velocity, temperature):
    """Particle p's x, u and E back from rows 9-17 (`keep_at`), then `push_w_at` without the series: the exact
    result for a particle whose branch-free push was flagged."""
    x[0, p], x[1, p], x[2, p] = w[9, k], w[10, k], w[11, k]
    u[0, p], u[1, p], u[2, p] = w[12, k], w[13, k], w[14, k]
    w[0, k], w[1, k], w[2, k] = w[15, k], w[16, k], w[17, k]
    push_w_at(x, u, p, w, k, qm_dt, dt, pusher, f, forced, velocity, temperature, False)
    return 0.0


def store_at(j, x, p, w, k, qw, inv_h, shift, c, inner, used0, used1, used2):
    """J (tuple of 3 grids) += the Esirkepov current of the move of particle p from the old cell coordinates in
    scratch column k to x (qw = q w / V, c_a = qw h_a / dt). Returns whether the new position may lie outside
    the block: local cell coordinate below inner[2a] or at or above inner[2a + 1] on a used axis (a candidate
    for migration)."""
    e0, e1, e2 = x[0, p] * inv_h[0] + shift[0], x[1, p] * inv_h[1] + shift[1], x[2, p] * inv_h[2] + shift[2]
    esirkepov_move(j[0], j[1], j[2], w[6, k], w[7, k], w[8, k], e0, e1, e2, w[0, k], w[1, k], w[2, k], qw,
                   c[0], c[1], c[2], used0, used1, used2)
    return ((used0 and (e0 < inner[0] or e0 >= inner[1])) or (used1 and (e1 < inner[2] or e1 >= inner[3]))
            or (used2 and (e2 < inner[4] or e2 >= inner[5])))


def advance_at(fe, fb, j, x, u, p, w, k, qm_dt, dt, pusher, f, forced, velocity, temperature, qw, inv_h, shift, c,
               inner, used0, used1, used2):
    """Gather, (forced) push, move and deposit particle p through scratch column k of w (see the module
    docstring); whether it may have left the block (`store_at`). (Fewer than 31 arguments: CPython passes
    longer calls as *args, which numba cannot inline.)"""
    load_at(fe, fb, x, p, w, k, inv_h, shift, used0, used1, used2)
    push_w_at(x, u, p, w, k, qm_dt, dt, pusher, f, forced, velocity, temperature, False)
    return store_at(j, x, p, w, k, qw, inv_h, shift, c, inner, used0, used1, used2)
