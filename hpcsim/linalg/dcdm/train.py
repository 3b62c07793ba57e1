"""Unsupervised training of the DCDM network with PyTorch (the optional `learn` extra: torch==2.13.0).

For a right-hand side b (||b|| = 1) and the network's direction q = N(b) (times the fluid mask with obstacles),
the loss is the residual after the best step along q in the A-norm:

    L(b) = ||b - A (c q)||^2,   c = (q.b) / (q.A q)

averaged over a batch, with A the assembled operator (`to_csr`) as a torch sparse matrix. Adam with the
learning rate of epoch e (from 0) `learning_rate * lr_decay^e`, checkpoints of weights and optimiser state every
`checkpoint_every` epochs (resumable), one progress line per epoch. Only this module imports torch.

Data-parallel on several MPI ranks: every rank holds the whole model, the samples and the same random state, so
every rank draws the same batches; rank r takes the samples r, r + P, ... of each batch of B and computes
(1/B) sum_i L(b_i) over them, one Allreduce sums the gradients (and the loss), and every rank takes the same Adam
step. The weights then equal a one-rank run's up to the order of the float32 sums; rank 0 writes the files.
"""
import json
import math
import time
from pathlib import Path

import numpy as np

from .network import Conv, Network, Pool


def _torch():
    try:
        import torch
    except ImportError:
        from ...errors import InputError

        raise InputError("training needs PyTorch: pip install 'hpcsim[learn]' (the CPU build torch==2.13.0)") \
            from None
    return torch


def build_model(ndim, channels, inputs, levels=1, masked=False):
    """The torch module of the network's program for the grid of its input (`Network.program_for`; ConvNd, padding
    1 with zeros; avg_pool with ceil_mode, so an odd axis pools to ceil(n/2) cells, the last the mean of one;
    upsampling by repetition, cropped to the fine size). `levels = "auto"`: the shared network, whose level count
    follows the input's grid, without biases and with the residual channel scaled by `Network.input_scale`;
    `masked`: with the mask pyramid (a convolution with a mask m reads the concatenation [h, m h])."""
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional
    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[ndim - 1]
    pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[ndim - 1]
    layout = Network(ndim, channels, inputs, {}, {}, levels, masked)

    class DCDMNet(nn.Module):
        def __init__(self):
            super().__init__()
            shapes = Network.shapes(ndim, channels, inputs, levels, masked)
            self.convs = nn.ModuleDict({name: conv(w[1], w[0], 3, padding=1, bias=not layout.shared)
                                        for name, (w, _) in shapes.items()})
            self.ndim, self.channels, self.inputs, self.levels, self.masked = ndim, channels, inputs, levels, masked

        def forward(self, x):
            shape = tuple(x.shape[2:])
            buf = {"x": torch.cat([x[:, :1] * layout.input_scale(shape), x[:, 1:]], 1) if layout.shared else x}
            if masked:
                buf.update(r=buf["x"][:, :1], m0=buf["x"][:, 1:])
            for step in layout.program_for(shape)[1]:
                if isinstance(step, Conv):
                    h = buf[step.src]
                    v = self.convs[step.weight](torch.cat([h, buf[step.mask] * h], 1) if step.mask else h)
                    if step.res:
                        v = v + buf[step.res]
                    buf[step.dst] = torch.relu(v) if step.relu else v
                elif isinstance(step, Pool):
                    buf[step.dst] = pool(buf[step.src], 2, ceil_mode=True)
                else:
                    up, fine = buf[step.src], buf[step.dst]
                    for axis in range(2, 2 + ndim):
                        up = up.repeat_interleave(2, dim=axis).narrow(axis, 0, fine.shape[axis])
                    buf[step.dst] = fine + up
            return buf["y"]

    return DCDMNet()


def _bias(conv):
    """A convolution's bias as float32 (zeros for the shared network's bias-free ones)."""
    if conv.bias is None:
        return np.zeros(conv.out_channels, np.float32)
    return conv.bias.detach().cpu().numpy().astype(np.float32)


def to_network(model, meta):
    """The `Network` (numpy float32 weights) of a torch model."""
    weights = {name: (c.weight.detach().cpu().numpy().astype(np.float32), _bias(c)) for name, c in model.convs.items()}
    return Network(model.ndim, model.channels, model.inputs, weights, dict(meta), model.levels, model.masked)


def from_network(network):
    """A torch model holding the weights of a `Network`."""
    torch = _torch()
    model = build_model(network.ndim, network.channels, network.inputs, network.levels, network.masked)
    with torch.no_grad():
        for name, (w, b) in network.weights.items():
            model.convs[name].weight.copy_(torch.from_numpy(w))
            if model.convs[name].bias is not None:
                model.convs[name].bias.copy_(torch.from_numpy(b))
    return model


def sparse_operator(csr, dtype):
    """A scipy CSR matrix as a torch sparse COO tensor."""
    torch = _torch()
    coo = csr.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    return torch.sparse_coo_tensor(index, torch.from_numpy(coo.data), coo.shape,
                                   check_invariants=False).to(dtype).coalesce()


def inputs_of(b, fluid):
    """Network input (batch, channels, grid): b, and the fluid mask as a second channel if given."""
    torch = _torch()
    x = b.unsqueeze(1)
    if fluid is None:
        return x
    return torch.cat([x, fluid.expand_as(b).unsqueeze(1)], dim=1)


def losses(model, b, A, fluid=None):
    """||b - A (c q)||^2, c = (q.b)/(q.A q), q = N(b) (masked), for each sample of the batch b (batch, grid)."""
    torch = _torch()
    q = model(inputs_of(b, fluid))[:, 0]
    if fluid is not None:
        q = q * fluid
    q, bf = q.reshape(q.shape[0], -1), b.reshape(b.shape[0], -1)
    aq = torch.sparse.mm(A, q.T).T
    c = (q * bf).sum(1) / (q * aq).sum(1)
    return ((bf - c[:, None] * aq) ** 2).sum(1)


def loss(model, b, A, fluid=None):
    """The mean of `losses` over the batch: the training objective."""
    return losses(model, b, A, fluid).mean()


class Trainer:
    """Adam on `loss` over the samples of a data file, with resumable checkpoints in `outdir`."""

    def __init__(self, outdir, rhs, csr, fluid, table, ndim, log=print, comm=None):
        torch = self.torch = _torch()
        self.comm = comm
        torch.manual_seed(table["seed"])
        self.outdir, self.table, self.log = Path(outdir), table, log
        if fluid is None and table["mask_pyramid"]:
            fluid = np.ones(rhs.shape[1:])          # the mask pyramid of a box: all fluid on every level
        inputs = 1 if fluid is None else 2
        self.model = build_model(ndim, table["channels"], inputs, table["levels"], table["mask_pyramid"]).float()
        if table["mask_pyramid"] and table["mask_init"] == "zero":
            with torch.no_grad():               # W' = 0 in conv([h, m h]) = W h + W' (m h)
                for conv in self.model.convs.values():
                    conv.weight[:, conv.in_channels // 2:] = 0.0
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=table["learning_rate"])
        self.rhs = torch.from_numpy(rhs.astype(np.float32))
        self.A = sparse_operator(csr, torch.float32)
        self.fluid = None if fluid is None else torch.from_numpy(fluid.astype(np.float32))
        self.epoch, self.history, self.seconds = 0, [], 0.0
        self.checkpoint = self.outdir / "checkpoint.pt"

    def resume(self):
        """Continue from the checkpoint in `outdir` if there is one; returns the epoch reached."""
        if self.checkpoint.exists():
            state = self.torch.load(self.checkpoint, weights_only=False)
            mine = {k: tuple(v.shape) for k, v in self.model.state_dict().items()}
            if {k: tuple(v.shape) for k, v in state["model"].items()} != mine:
                from ...errors import InputError

                raise InputError(f"{self.checkpoint} holds a network of other settings; resume with the "
                                 "channels, levels and mask_pyramid it was trained with", "dcdm")
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.torch.set_rng_state(state["rng"])
            self.epoch, self.history, self.seconds = state["epoch"], state["history"], state["seconds"]
        return self.epoch

    def _save(self):
        if self.comm is not None and not self.comm.is_root:
            return
        tmp = self.checkpoint.with_suffix(".tmp")
        self.torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                         "rng": self.torch.get_rng_state(), "epoch": self.epoch, "history": self.history,
                         "seconds": self.seconds}, tmp)
        tmp.replace(self.checkpoint)

    def run(self, stop=None):
        """Train to `epochs`, or until the `StopRequest` `stop` has caught a signal on any rank (checked after each
        epoch, which is then checkpointed); returns the signal's name if it stopped, else None. The loss per
        epoch (mean over its batches) is in `history`."""
        torch, t = self.torch, self.table
        while self.epoch < t["epochs"]:
            if stop is not None and self.epoch and self._agree(stop.requested):
                if self.epoch % t["checkpoint_every"]:
                    self._save()
                return stop.signal_name or "a signal on another rank"
            start = time.perf_counter()
            for group in self.optimizer.param_groups:
                group["lr"] = t["learning_rate"] * t["lr_decay"] ** self.epoch
            order = torch.randperm(self.rhs.shape[0])
            total, batches = 0.0, 0
            for first in range(0, len(order), t["batch"]):
                total, batches = total + self._step(order[first:first + t["batch"]]), batches + 1
            self.epoch += 1
            self.seconds += time.perf_counter() - start
            self.history.append(total / batches)
            self.log(f"epoch {self.epoch}/{t['epochs']}  loss {self.history[-1]:.4e}  "
                     f"{self.seconds:.1f} s")
            if self.epoch % t["checkpoint_every"] == 0 or self.epoch == t["epochs"]:
                self._save()
        return None

    def _agree(self, flag):
        """`flag` on any rank, on every rank."""
        return flag if self.comm is None else self.comm.any(flag)

    def _step(self, batch):
        """One Adam step on the mean loss over the samples `batch` (indices), shared among the ranks (module
        docstring); returns the batch's mean loss."""
        self.optimizer.zero_grad()
        if self.comm is None or self.comm.size == 1:
            value = loss(self.model, self.rhs[batch], self.A, self.fluid)
            value.backward()
            self.optimizer.step()
            return float(value.detach())
        mine = batch[self.comm.rank::self.comm.size]
        value = 0.0
        if len(mine):
            part = losses(self.model, self.rhs[mine], self.A, self.fluid).sum() / len(batch)
            part.backward()
            value = float(part.detach())
        params = list(self.model.parameters())
        grads = self.torch.cat([(p.grad if p.grad is not None else self.torch.zeros_like(p)).reshape(-1)
                                for p in params])
        summed = self.torch.from_numpy(self.comm.allreduce(np.append(grads.numpy(), np.float32(value))))
        start = 0
        for p in params:
            p.grad = summed[start:start + p.numel()].reshape(p.shape).clone()
            start += p.numel()
        self.optimizer.step()
        return float(summed[-1])

    def export(self, path, meta):
        """Write the weights file, with the training settings and time in its metadata."""
        meta = dict(meta, epochs=self.epoch, train_seconds=round(self.seconds, 1),
                    final_loss=self.history[-1] if self.history else math.nan,
                    settings=json.dumps(self.table, sort_keys=True))
        network = to_network(self.model, meta)
        network.save(path)
        return network
