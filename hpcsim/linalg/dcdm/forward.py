"""The network's forward pass on the distributed mesh with the project's kernels (`dcdm_cpu` / `dcdm_gpu`).

Every buffer of the network's program for the grid (`Network.program_for`: the shared network's level count
follows the global grid) is a 4-D float32 array (channel, ghosted block) on its level: level 0 is the
solver's mesh, level l that mesh halved l times on every used axis, rounding up (`Mesh.coarsened(round_up=True)`:
an odd block of n cells pools to ceil(n/2), the last coarse cell the mean of one fine cell, as PyTorch's avg_pool
with ceil_mode). So any global grid works on one rank; on several, every block except the last along an axis
needs a multiple of 2^levels cells there (the coarse blocks must tile the coarse grid; a clear error otherwise,
also for the shared network, whose levels are never cut to fit the blocks, so that its result does not depend on
the rank count). Before a convolution the ghosts of its source are filled channel by channel: neighbour blocks by
halo exchange, zeros at physical faces (PyTorch's zero padding). Periodic axes wrap instead, which a network
trained with zero padding has not seen. The shared network's residual-channel factor (`Network.input_scale`) is
folded into the first convolution's kernel. With the mask pyramid (`Network.masked`) the residual r and the mask
m0 are views of the input's two channels, the coarser masks are pooled from m0 on every pass, and a convolution
with a mask fills the mask's ghosts as its source's (zeros at physical faces, where the source's are zero too).

`TorchForward` runs the same network by PyTorch where it is installed (one CPU rank); `make_forward` picks the
faster of the two when asked for "auto".
"""
import importlib.util
import time

import numpy as np

from ...errors import InputError
from .network import Conv, Pool


def level_meshes(mesh, levels):
    """(mesh, mesh coarsened once, ..., `levels` times), rounding odd blocks up; ValueError on every rank where a
    block that is not the last along its axis has an odd number of cells on some level."""
    meshes, inner = [mesh], set()
    axes = tuple(range(mesh.ndim))
    for _ in range(levels):
        fine = meshes[-1]
        inner |= {a for a in axes if fine.local_shape[a] % 2 and fine.topology.coords[a] != fine.topology.dims[a] - 1}
        meshes.append(fine.coarsened(axes, round_up=True))
    if mesh.comm.allreduce(len(inner)):
        raise ValueError(f"the {levels}-level DCDM network pools by 2 {levels} times: every rank's block except the "
                         f"last along an axis needs a multiple of {2 ** levels} cells there (this rank's block: "
                         f"{mesh.local_shape[:mesh.ndim]})")
    return tuple(meshes)


class Forward:
    """y = N(x) for `network` on `mesh`: fill `self.input` (channel 0 the residual, 1 the fluid mask) on the
    owned cells, call `run()`, read channel 0 of the returned array."""

    def __init__(self, network, mesh, backend):
        if network.ndim != mesh.ndim:
            raise ValueError(f"the DCDM network is {network.ndim}-D but the mesh is {mesh.ndim}-D")
        self.network, self.backend, self.xp = network, backend, backend.xp
        self.k = backend.kernels("linalg.dcdm")
        levels, self.program, self.level_of = network.program_for(tuple(mesh.global_shape))
        self.meshes = level_meshes(mesh, levels)
        self.factor = tuple(2 if a < mesh.ndim else 1 for a in range(3))
        pad = (1,) * (3 - mesh.ndim)
        weights = dict(network.weights)
        w, b = weights["in"]
        weights["in"] = (np.concatenate([w[:, :1] * np.float32(network.input_scale(tuple(mesh.global_shape))),
                                         w[:, 1:]], axis=1), b)      # conv_in(s x_0, x_1) with s on the kernel
        self.weights = {name: (self.xp.asarray(np.ascontiguousarray(w.reshape(w.shape + pad))), self.xp.asarray(b))
                        for name, (w, b) in weights.items()}
        channels = {"x": network.inputs, "y": 1, **{name: 1 for name in self.level_of if name[0] == "m"}}
        self.buffers = {name: self.xp.zeros((channels.get(name, network.channels),) + self.meshes[level].array_shape,
                                            np.float32) for name, level in self.level_of.items()
                        if name not in ("r", "m0")}
        self.input = self.buffers["x"]
        if network.masked:
            self.buffers["r"], self.buffers["m0"] = self.input[:1], self.input[1:]

    def _fill(self, name):
        """Ghosts of every channel of buffer `name`: halo exchange, zeros at physical faces (axis by axis)."""
        mesh = self.meshes[self.level_of[name]]
        for u in self.buffers[name]:
            for axis in range(mesh.ndim):
                mesh.halo.exchange_axis(u, axis)
                g = mesh.ghosts[axis]
                for side, present in ((0, mesh.at_low(axis)), (1, mesh.at_high(axis))):
                    if present:
                        index = [slice(None)] * 3
                        index[axis] = slice(0, g) if side == 0 else slice(u.shape[axis] - g, None)
                        u[tuple(index)] = 0.0

    def run(self):
        """Run the network's program for this grid; returns the output buffer (1, ghosted block)."""
        b, k = self.buffers, self.k
        for step in self.program:
            mesh = self.meshes[self.level_of[step.dst]]
            g, n = mesh.ghosts, mesh.local_shape
            if isinstance(step, Conv):
                self._fill(step.src)
                w, bias = self.weights[step.weight]
                res = b[step.res] if step.res else b[step.dst]
                rest = (w, bias, res, b[step.dst], step.res is not None, step.relu, g, n)
                if step.mask:
                    self._fill(step.mask)
                    k.conv_masked(b[step.src], b[step.mask], *rest)
                else:
                    k.conv(b[step.src], *rest)
            elif isinstance(step, Pool):
                k.pool(b[step.src], b[step.dst], self.factor, g, n, self.meshes[self.level_of[step.src]].local_shape)
            else:
                k.unpool_add(b[step.src], b[step.dst], self.factor, g, n)
        return b["y"]


class TorchForward:
    """The same pass by PyTorch (one rank, CPU, where torch is installed), with `Forward`'s interface."""

    def __init__(self, network, mesh):
        from .train import _torch, from_network

        self.torch, self.mesh = _torch(), mesh
        self.model = from_network(network).eval()
        self.input = np.zeros((network.inputs,) + mesh.array_shape, np.float32)
        self.output = np.zeros((1,) + mesh.array_shape, np.float32)
        self.shape = (1, network.inputs) + tuple(mesh.global_shape)

    def run(self):
        x = self.torch.from_numpy(np.ascontiguousarray(self.input[(slice(None),) + self.mesh.interior]))
        with self.torch.no_grad():
            y = self.model(x.reshape(self.shape))
        self.output[0][self.mesh.interior] = y.numpy().reshape(self.mesh.local_shape)
        return self.output


def _seconds(forward, repeat=2):
    forward.run()
    start = time.perf_counter()
    for _ in range(repeat):
        forward.run()
    return (time.perf_counter() - start) / repeat


def make_forward(network, mesh, backend, inference="auto"):
    """The forward pass of `inference`: "kernels" (the project's, any backend and rank count), "torch" (one rank,
    CPU), or "auto": on one CPU rank with torch installed, whichever of the two runs the network faster here
    (timed once), else the kernels."""
    kernels = Forward(network, mesh, backend)
    usable = mesh.comm.size == 1 and backend.name == "cpu" and importlib.util.find_spec("torch") is not None
    if inference == "kernels" or (inference == "auto" and not usable):
        return kernels
    if not usable:
        raise InputError("inference by PyTorch needs one CPU rank and torch installed", "solver.dcdm_inference")
    torch = TorchForward(network, mesh)
    if inference == "torch" or _seconds(torch) < _seconds(kernels):
        return torch
    return kernels
