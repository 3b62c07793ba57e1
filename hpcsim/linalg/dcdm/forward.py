"""The network's forward pass on the distributed mesh with the project's kernels (`dcdm_cpu` / `dcdm_gpu`).

Every buffer of `network.PROGRAM` is a 4-D float32 array (channel, ghosted block) on its level: the fine level
is the solver's mesh, the coarse one that mesh halved on every used axis (each rank's block must be even there).
Before a convolution the ghosts of its source are filled channel by channel: neighbour blocks by halo exchange,
zeros at physical faces (PyTorch's zero padding). Periodic axes wrap instead, which a network trained with zero
padding has not seen.
"""
import numpy as np

from .network import LEVELS, PROGRAM, Conv, Pool


class Forward:
    """y = N(x) for `network` on `mesh`: fill `self.input` (channel 0 the residual, 1 the fluid mask) on the
    owned cells, call `run()`, read channel 0 of the returned array."""

    def __init__(self, network, mesh, backend):
        if network.ndim != mesh.ndim:
            raise ValueError(f"the DCDM network is {network.ndim}-D but the mesh is {mesh.ndim}-D")
        odd = [a for a in range(mesh.ndim) if mesh.local_shape[a] % 2]
        if odd:
            raise ValueError(f"the DCDM network pools by 2: each rank's block needs an even number of cells on "
                             f"every axis (block {mesh.local_shape[:mesh.ndim]})")
        self.network, self.backend, self.xp = network, backend, backend.xp
        self.k = backend.kernels("dcdm")
        self.meshes = (mesh, mesh.coarsened(tuple(range(mesh.ndim))))
        self.factor = tuple(2 if a < mesh.ndim else 1 for a in range(3))
        pad = (1,) * (3 - mesh.ndim)
        self.weights = {name: (self.xp.asarray(np.ascontiguousarray(w.reshape(w.shape + pad))), self.xp.asarray(b))
                        for name, (w, b) in network.weights.items()}
        channels = {"x": network.inputs, "y": 1}
        self.buffers = {name: self.xp.zeros((channels.get(name, network.channels),) + self.meshes[level].array_shape,
                                            np.float32) for name, level in LEVELS.items()}
        self.input = self.buffers["x"]

    def _fill(self, name):
        """Ghosts of every channel of buffer `name`: halo exchange, zeros at physical faces (axis by axis)."""
        mesh = self.meshes[LEVELS[name]]
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
        """Run `network.PROGRAM`; returns the output buffer (1, ghosted block)."""
        b, k = self.buffers, self.k
        for step in PROGRAM:
            mesh = self.meshes[LEVELS[step.dst]]
            g, n = mesh.ghosts, mesh.local_shape
            if isinstance(step, Conv):
                self._fill(step.src)
                w, bias = self.weights[step.weight]
                res = b[step.res] if step.res else b[step.dst]
                k.conv(b[step.src], w, bias, res, b[step.dst], step.res is not None, step.relu, g, n)
            elif isinstance(step, Pool):
                k.pool(b[step.src], b[step.dst], self.factor, g, n)
            else:
                k.unpool_add(b[step.src], b[step.dst], self.factor, g, n)
        return b["y"]

