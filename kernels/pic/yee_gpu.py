"""GPU (numba.cuda) Yee field updates, one thread per owned cell: the loops of `yee_loops` generated for the GPU,
with the interface of `yee_cpu`."""
from . import yee_loops
from ..loops import export, generate

__all__ = export(globals(), generate("yee", "gpu", yee_loops.LOOPS, yee_loops.BODIES), yee_loops.LOOPS)
