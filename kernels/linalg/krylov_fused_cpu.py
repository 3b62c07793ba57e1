"""CPU (numba, threaded) fused vector updates of the CG variants: the loops of `krylov_fused_loops` generated for
the CPU (deterministic per-plane reductions for any thread count, see `loops`)."""
import numpy as np

from . import krylov_fused_loops
from ..loops import export, generate

_loops = generate("krylov_fused", "cpu", krylov_fused_loops.LOOPS, krylov_fused_loops.BODIES)
__all__ = export(globals(), _loops, krylov_fused_loops.LOOPS) + ["stack_dots"]


def stack_dots(a, stack, g, n):
    """The local a.stack[t] for every slot t of a 4-D stack, as an array (flexible CG: z . A p_t)."""
    return np.array([stack_dot(a, stack, t, g, n) for t in range(stack.shape[0])])
