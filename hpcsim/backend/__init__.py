"""Compute backends selected by name: `cpu` (numpy arrays, numba kernels) and `gpu` (CuPy arrays, numba.cuda
kernels). Capability detection happens here, so a deck asking for a GPU on a machine without one gets a clear
message instead of an import error deep inside a kernel.
"""
import importlib

import numpy as np

from ..errors import InputError


class CPUBackend:
    name = "cpu"
    xp = np

    def __init__(self, local_rank=0):
        self.device = "cpu"

    def kernels(self, family):
        return importlib.import_module(f"hpcsim.kernels.{family}_cpu")

    @staticmethod
    def to_host(a):
        return a

    def synchronize(self):
        pass


class GPUBackend:
    """One rank per GPU: the device is the node-local rank modulo the visible device count."""

    name = "gpu"

    def __init__(self, local_rank=0):
        ok, why = gpu_status()
        if not ok:
            raise InputError(f"'gpu' requested but {why}; use backend = 'cpu'", "run.backend")
        import cupy
        from numba import config

        # CuPy and the numba.cuda kernels share the default stream, which already orders them; numba's
        # synchronisation of every CuPy argument at every launch would stall the host (measured on an H100:
        # CG at 256^3 1.85 -> 1.25 ms per iteration without it).
        config.CUDA_ARRAY_INTERFACE_SYNC = False
        self.xp = cupy
        count = cupy.cuda.runtime.getDeviceCount()
        self.device_id = local_rank % count
        cupy.cuda.Device(self.device_id).use()
        self.device = f"cuda:{self.device_id}"

    def kernels(self, family):
        return importlib.import_module(f"hpcsim.kernels.{family}_gpu")

    def to_host(self, a):
        return self.xp.asnumpy(a)

    def synchronize(self):
        self.xp.cuda.Device().synchronize()


BACKENDS = {"cpu": CPUBackend, "gpu": GPUBackend}


def gpu_status():
    """(usable, description): whether CuPy and a CUDA device are present, and which, or why not."""
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'hpcsim[gpu]')"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: report, do not crash `hpcsim info`
        return False, f"no CUDA driver/device ({exc})"
    if count == 0:
        return False, "no CUDA device is visible"
    names = [cupy.cuda.runtime.getDeviceProperties(i)["name"].decode() for i in range(count)]
    return True, f"{count} device(s): {', '.join(names)}; CuPy {cupy.__version__}"


def create_backend(name, local_rank=0):
    return BACKENDS[name](local_rank)
