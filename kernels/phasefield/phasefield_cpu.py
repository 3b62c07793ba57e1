"""CPU (numba, threaded) phase-field kernels over the owned cells of 3-D ghosted blocks: the loops of
`phasefield_loops` generated for the CPU."""
from . import phasefield_loops
from ..loops import export, generate

__all__ = export(globals(), generate("phasefield", "cpu", phasefield_loops.LOOPS, phasefield_loops.BODIES),
                 phasefield_loops.LOOPS)
