"""GPU (numba.cuda) kernels of the geometric multigrid, one thread per owned cell: the loops of `multigrid_loops`
generated for the GPU, with the interface of `multigrid_cpu`."""
from . import multigrid_loops
from ..loops import export, generate

__all__ = export(globals(), generate("multigrid", "gpu", multigrid_loops.LOOPS, multigrid_loops.BODIES),
                 multigrid_loops.LOOPS)
