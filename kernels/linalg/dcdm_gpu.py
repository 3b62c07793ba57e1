"""GPU (numba.cuda) kernels of the DCDM network and the obstacle operator: `dcdm_loops` generated for the GPU."""
from . import dcdm_loops
from ..loops import export, generate

_loops = generate("dcdm", "gpu", dcdm_loops.LOOPS, dcdm_loops.BODIES)
__all__ = export(globals(), _loops, dcdm_loops.LOOPS)
