"""GPU (numba.cuda) phase-field kernels, one thread per owned cell: the loops of `phasefield_loops` generated
for the GPU, with the interface of `phasefield_cpu`."""
from . import phasefield_loops
from ..loops import export, generate

__all__ = export(globals(), generate("phasefield", "gpu", phasefield_loops.LOOPS, phasefield_loops.BODIES),
                 phasefield_loops.LOOPS)
