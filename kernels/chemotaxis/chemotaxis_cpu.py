"""CPU (numba, threaded) chemotaxis kernels over the owned cells of 3-D ghosted blocks: the loops of
`chemotaxis_loops` generated for the CPU."""
from . import chemotaxis_loops
from ..loops import export, generate

__all__ = export(globals(), generate("chemotaxis", "cpu", chemotaxis_loops.LOOPS, chemotaxis_loops.BODIES),
                 chemotaxis_loops.LOOPS)
