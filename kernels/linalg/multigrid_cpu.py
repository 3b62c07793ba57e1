"""CPU (numba, threaded) kernels of the geometric multigrid over the owned cells of 3-D ghosted blocks: the loops
of `multigrid_loops` generated for the CPU."""
from . import multigrid_loops
from ..loops import export, generate

__all__ = export(globals(), generate("multigrid", "cpu", multigrid_loops.LOOPS, multigrid_loops.BODIES),
                 multigrid_loops.LOOPS)
