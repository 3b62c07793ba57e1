"""CPU (numba, threaded) kernels of the DCDM network and the obstacle operator: `dcdm_loops` generated for the CPU."""
from . import dcdm_loops
from ..loops import export, generate

_loops = generate("dcdm", "cpu", dcdm_loops.LOOPS, dcdm_loops.BODIES)
__all__ = export(globals(), _loops, dcdm_loops.LOOPS)
