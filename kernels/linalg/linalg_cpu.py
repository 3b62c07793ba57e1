"""CPU (numba, threaded) kernels of the matrix-free Krylov solvers on 3-D ghosted block arrays: the loops of
`linalg_loops` generated for the CPU (deterministic per-plane reductions, see `loops`), and the interface with
device-resident scalars that `DeferredCheckCG` uses, here on a numpy scalar array.
"""
from . import linalg_loops
from ..loops import export, generate

_loops = generate("linalg", "cpu", linalg_loops.LOOPS, linalg_loops.BODIES)
_cell = _loops._cell
__all__ = export(globals(), _loops, linalg_loops.LOOPS) + [
    "apply_dot_into", "apply_dot_var_into", "dot_into", "jacobi_into", "cg_step_into", "direction_update"]


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
