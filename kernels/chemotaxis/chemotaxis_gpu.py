"""GPU (numba.cuda) chemotaxis kernels with the interface of `chemotaxis_cpu`: the loops of `chemotaxis_loops`
generated for the GPU (one thread per cell, reproducible block sums)."""
from . import chemotaxis_loops
from ..loops import export, generate

__all__ = export(globals(), generate("chemotaxis", "gpu", chemotaxis_loops.LOOPS, chemotaxis_loops.BODIES),
                 chemotaxis_loops.LOOPS)
