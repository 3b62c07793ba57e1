"""CPU (numba, threaded) Yee field updates over the owned cells of 3-D ghosted blocks: the loops of `yee_loops`
generated for the CPU."""
from . import yee_loops
from ..loops import export, generate

__all__ = export(globals(), generate("yee", "cpu", yee_loops.LOOPS, yee_loops.BODIES), yee_loops.LOOPS)
