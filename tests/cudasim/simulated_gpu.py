"""Where the numba.cuda kernel tests run, and a backend of numpy arrays with the GPU kernels.

The tests in this folder compare every numba.cuda kernel with its CPU twin. In CI they run under the CUDA
simulator (`NUMBA_ENABLE_CUDASIM=1`, set before numba is imported); on a machine with a GPU the same tests
compile the kernels for the real device (`HPCSIM_CUDA_DEVICE_TESTS=1`): numba.cuda then copies the numpy
arguments to the GPU and back around every launch, so the arrays stay numpy and the comparisons are unchanged.
"""
import importlib
import os

import numpy as np

from hpcsim.backend import CPUBackend


def kernel_target():
    """'simulator', 'device' or None (the kernels cannot run here)."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "simulator"
    if os.environ.get("HPCSIM_CUDA_DEVICE_TESTS") == "1":
        return "device"
    return None


SKIP_REASON = "needs NUMBA_ENABLE_CUDASIM=1 (set before numba is imported) or HPCSIM_CUDA_DEVICE_TESTS=1 on a GPU"


class SimulatedGPU(CPUBackend):
    name = "gpu-kernels-on-numpy"

    def kernels(self, family):
        return importlib.import_module(f"hpcsim.kernels.{family}_gpu")


def assert_kernel_equal(actual, desired):
    """The GPU twin of a CPU kernel gives the same numbers: bit for bit under the simulator (Python arithmetic);
    on a real device to a few units in the last place, since the CUDA compiler contracts a * b + c into one
    fused multiply-add (one rounding instead of two)."""
    if kernel_target() == "simulator":
        np.testing.assert_array_equal(actual, desired)
    else:
        np.testing.assert_allclose(actual, desired, rtol=4e-16, atol=4e-16 * float(np.abs(desired).max()))


def solve_on_both(mesh, b, solver_for):
    """((result, x) on the CPU kernels, (result, x) on the GPU kernels) of `solver_for(operator).solve(b, x)`
    for the shifted Laplacian -Lap on `mesh` (x0 = 0); every solve must converge."""
    from hpcsim.linalg.operators import ShiftedLaplacian

    results = []
    for backend in (CPUBackend(), SimulatedGPU()):
        x = mesh.zeros()
        res = solver_for(ShiftedLaplacian(mesh, 0.0, 1.0, backend)).solve(b.copy(), x)
        assert res.converged
        results.append((res, x))
    return results
