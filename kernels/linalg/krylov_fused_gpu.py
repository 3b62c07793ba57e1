"""GPU (numba.cuda) fused vector updates of the CG variants, with the interface of `krylov_fused_cpu`: the loops
of `krylov_fused_loops` generated for the GPU (a loop fusing c dots reduces each into its own row of block
partials; the sums come back to the host as one numpy array, the send buffer of the solver's `Allreduce`)."""
import numpy as np

from . import krylov_fused_loops
from ..loops import export, generate

_loops = generate("krylov_fused", "gpu", krylov_fused_loops.LOOPS, krylov_fused_loops.BODIES)
__all__ = export(globals(), _loops, krylov_fused_loops.LOOPS) + ["stack_dots"]


def stack_dots(a, stack, g, n):
    """The local a.stack[t] for every slot t of a 4-D stack, as a host array."""
    return np.array([stack_dot(a, stack, t, g, n) for t in range(stack.shape[0])])
