"""A backend of numpy arrays with the GPU kernels: what the CUDA simulator can execute in CI."""
import importlib

from hpcsim.backend import CPUBackend


class SimulatedGPU(CPUBackend):
    name = "gpu-simulator"

    def kernels(self, family):
        return importlib.import_module(f"hpcsim.kernels.{family}_gpu")
