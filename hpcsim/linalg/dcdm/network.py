"""The DCDM network: one description read by the PyTorch model (`train`) and by the kernel forward pass
(`forward`), and its HDF5 weights file.

With x the input (the normalised residual, and the fluid mask as a second channel when the operator has
obstacles), C = `channels`, conv_n a 3x3x3 (3x3 in 2-D) zero-padded convolution with bias, relu(v) = max(v, 0),
P the 2x average pooling and U the nearest-neighbour 2x upsampling:

    h = relu(conv_in x)                                            fine level, C channels
    h = relu(h + conv_f1b relu(conv_f1a h))                        fine residual block
    c = P h;  c = relu(c + conv_cib relu(conv_cia c)), i = 1, 2    coarse residual blocks
    h = h + U c;  h = relu(h + conv_f2b relu(conv_f2a h))          back on the fine level
    y = conv_out h                                                 one channel: the search direction

(the published network: 16 channels, residual blocks, one pooling level). `PROGRAM` lists these steps; each names
its source, destination and residual buffers, so both interpreters run the same network.
"""
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT = "hpcsim-dcdm-weights/1"


@dataclass(frozen=True)
class Conv:
    """dst = act(conv_<weight>(src) + res): `res` names a buffer added before the activation (or None)."""

    weight: str
    src: str
    dst: str
    res: str = None
    relu: bool = True


@dataclass(frozen=True)
class Pool:
    """dst = P src (fine to coarse)."""

    src: str
    dst: str


@dataclass(frozen=True)
class UnpoolAdd:
    """dst += U src (coarse to fine)."""

    src: str
    dst: str


def _block(level, name, tmp):
    return (Conv(f"{name}a", level, tmp), Conv(f"{name}b", tmp, level, res=level))


PROGRAM = (Conv("in", "x", "h"), *_block("h", "f1", "t"), Pool("h", "c"), *_block("c", "c1", "s"),
           *_block("c", "c2", "s"), UnpoolAdd("c", "h"), *_block("h", "f2", "t"), Conv("out", "h", "y", relu=False))

# buffer -> level (0 fine, 1 coarse); channel counts follow from the weights
LEVELS = {"x": 0, "h": 0, "t": 0, "y": 0, "c": 1, "s": 1}


@dataclass
class Network:
    """Weights of the network: `weights[name] = (kernel (cout, cin, 3, ...), bias (cout,))` in float32, for a
    `ndim`-dimensional grid with `inputs` input channels (1: residual; 2: residual and fluid mask)."""

    ndim: int
    channels: int
    inputs: int
    weights: dict
    meta: dict

    @classmethod
    def shapes(cls, ndim, channels, inputs):
        """name -> (kernel shape, bias shape) of every convolution in `PROGRAM`."""
        cin = {"in": inputs}
        cout = {"out": 1}
        return {s.weight: ((cout.get(s.weight, channels), cin.get(s.weight, channels)) + (3,) * ndim,
                           (cout.get(s.weight, channels),)) for s in PROGRAM if isinstance(s, Conv)}

    @property
    def parameters(self):
        return sum(w.size + b.size for w, b in self.weights.values())

    def save(self, path):
        """Write the weights and `meta` (strings and numbers: how it was trained) to an HDF5 file."""
        with h5py.File(path, "w") as f:
            f.attrs["format"] = np.bytes_(FORMAT)
            for key in ("ndim", "channels", "inputs"):
                f.attrs[key] = getattr(self, key)
            for key, value in self.meta.items():
                f.attrs[f"meta_{key}"] = np.bytes_(value) if isinstance(value, str) else value
            for name, (w, b) in self.weights.items():
                f.create_dataset(f"{name}/kernel", data=np.asarray(w, np.float32))
                f.create_dataset(f"{name}/bias", data=np.asarray(b, np.float32))

    @classmethod
    def load(cls, path):
        """Read a weights file written by `save`, checking its format and every shape."""
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format", b"")
            if (fmt.decode() if isinstance(fmt, bytes) else str(fmt)) != FORMAT:
                raise ValueError(f"{path}: not a DCDM weights file (format {fmt!r}, expected {FORMAT})")
            ndim, channels, inputs = (int(f.attrs[k]) for k in ("ndim", "channels", "inputs"))
            weights = {}
            for name, (ws, bs) in cls.shapes(ndim, channels, inputs).items():
                w, b = f[f"{name}/kernel"][...], f[f"{name}/bias"][...]
                if w.shape != ws or b.shape != bs:
                    raise ValueError(f"{path}: {name} has shapes {w.shape}, {b.shape}; expected {ws}, {bs}")
                weights[name] = (w, b)
            meta = {k[5:]: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()
                    if k.startswith("meta_")}
        return cls(ndim, channels, inputs, weights, meta)
