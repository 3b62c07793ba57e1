"""hpcsim: MPI domain-decomposed simulation code with CPU (numba) and GPU (CuPy + numba.cuda) kernels."""

__version__ = "0.1.0"
