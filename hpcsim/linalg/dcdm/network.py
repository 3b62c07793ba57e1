"""The DCDM network: one description read by the PyTorch model (`train`) and by the kernel forward pass
(`forward`), and its HDF5 weights file.

With x the input (the normalised residual, and the fluid mask as a second channel when the operator has
obstacles), C = `channels`, conv_n a 3x3x3 (3x3 in 2-D) zero-padded convolution with bias, relu(v) = max(v, 0),
B_n(h) = relu(h + conv_nb relu(conv_na h)) a residual block, P the 2x average pooling and U the nearest-neighbour
2x upsampling, a network of L = `levels` pooling levels (h_l on the grid coarsened l times) is

    h_0 = B_f1 relu(conv_in x)                                     fine level, C channels
    h_l = B_dl P h_{l-1},  l = 1 .. L-1                            down: pool, one block per level
    h_L = B_c2 B_c1 P h_{L-1}                                      coarsest level: two blocks
    h_l = B_ul (h_l + U h_{l+1}),  l = L-1 .. 1                    up: upsample, add the skip, one block
    h_0 = B_f2 (h_0 + U h_1);  y = conv_out h_0                    one channel: the search direction

a U-Net with additive skips whose receptive field grows as 2^L; L = 1 is the published network (16 channels,
residual blocks, one pooling level) and the only one of weights files without a `levels` attribute. A grid with
an odd number of cells on an axis pools to ceil(n/2) cells there, the last one the mean of the single fine cell it
covers (PyTorch's avg_pool with ceil_mode), and U crops back to the fine size, so any grid size works.
`program(L)` lists these steps; each names its source, destination and residual buffers, so both interpreters
run the same network.

The shared network (`levels = "auto"`, format /3) is a learned V-cycle: the same equations with one down block
B_d = B_dl and one up block B_u = B_ul for every l, and L chosen from the grid n_1 x ... x n_D at run time,

    L(n) = min { L >= 1 : min_a ceil(n_a / 2^L) <= 2 }

(pool until the smallest axis of the coarsest grid has at most 2 cells: 32 -> 4 levels, 64 -> 5, 128 -> 6), so
its receptive field covers the grid at every size with the same parameters. No per-level scale is needed for the
growth of A^-1 with the grid spacing: a contribution from level l passes through l up blocks, so a gain of B_u
compounds geometrically with the level, as a coarse-grid correction's size does. For that gain to mean the same
on levels the training grid never had, the shared network has no biases (every bias is zero): ReLU blocks are
then positively homogeneous, B(c h) = c B(h), so a block acts alike on whatever magnitude reaches its level. It
reads the residual channel at unit mean square per cell, x_0 sqrt(n_1 ... n_D) (`input_scale`), so that a
unit-norm residual feeds it values of the same size on every grid beside the fluid mask channel (0 or 1, not
scaled; without that channel the bias-free network is homogeneous, N(c x) = c N(x), and the scale changes only the
direction's length, which DCDM ignores). `program(L, shared=True)` lists its steps for one grid (cached per
level count); `Network.program_for(shape)` picks L for a grid.

The masked shared network (format /4, `masked`) gives every level the geometry: with m_0 the fluid mask (1 fluid,
0 solid; the input's second channel) and m_l = P m_{l-1} the fluid fraction of level l's cells (the mask pyramid),
every convolution of the shared program on level l reads its features and the features times the mask,

    conv(h) -> conv([h, m_l h]) = W h + W' (m_l h)               (2C input channels; conv_in: [x_0, m_0 x_0])

so a shared block sees on each level where the solid is and how much of a coarse cell is fluid, as the stencil of
a coarse-grid operator of the obstacle problem depends on it. Every term stays linear in h, so the network is
positively homogeneous in the residual, N(c x_0) = c N(x_0), and reads it as it is (no `input_scale`); with an
all-fluid mask (m_l = 1) it is the shared box network with the weights W + W'.
"""
from dataclasses import dataclass
from functools import lru_cache

import h5py
import numpy as np

FORMAT = "hpcsim-dcdm-weights/2"         # with the `levels` attribute
FORMAT_ONE_LEVEL = "hpcsim-dcdm-weights/1"   # older files: one pooling level
FORMAT_SHARED = "hpcsim-dcdm-weights/3"      # levels = "auto": weights shared across levels chosen per grid
FORMAT_MASKED = "hpcsim-dcdm-weights/4"      # the shared network with the mask pyramid on every level
AUTO = "auto"
COARSEST = 2                                 # the shared network pools until an axis has at most 2 cells


@dataclass(frozen=True)
class Conv:
    """dst = act(conv_<weight>(src) + res): `res` names a buffer added before the activation (or None); with a
    `mask` buffer m (one channel on the level of src) the convolution reads [src, m src]."""

    weight: str
    src: str
    dst: str
    res: str = None
    relu: bool = True
    mask: str = None


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


def _block(level, name, tmp, mask=None):
    return (Conv(f"{name}a", level, tmp, mask=mask), Conv(f"{name}b", tmp, level, res=level, mask=mask))


@lru_cache(maxsize=None)
def program(levels, shared=False, masked=False):
    """The steps of the network with `levels` pooling levels (module docstring); buffers h<l>, t<l> live on level
    l, x and y on level 0. `shared`: one down block `d` and one up block `u` for every level. `masked` (shared
    only): the convolutions on level l read the mask m<l>, pooled from m0 beside the features, and the first one
    reads the residual r (x's first channel; m0 is its second)."""
    def name(kind, level):
        return kind if shared else f"{kind}{level}"

    def mask(level):
        return f"m{level}" if masked else None

    steps = [Conv("in", "r" if masked else "x", "h0", mask=mask(0)), *_block("h0", "f1", "t0", mask(0))]
    for level in range(1, levels + 1):
        steps += [Pool(f"m{level - 1}", f"m{level}")] if masked else []
        steps.append(Pool(f"h{level - 1}", f"h{level}"))
        if level < levels:
            steps += _block(f"h{level}", name("d", level), f"t{level}", mask(level))
    steps += [*_block(f"h{levels}", "c1", f"t{levels}", mask(levels)),
              *_block(f"h{levels}", "c2", f"t{levels}", mask(levels))]
    for level in range(levels - 1, -1, -1):
        steps += [UnpoolAdd(f"h{level + 1}", f"h{level}"),
                  *_block(f"h{level}", name("u", level) if level else "f2", f"t{level}", mask(level))]
    return tuple(steps) + (Conv("out", "h0", "y", relu=False, mask=mask(0)),)


def auto_levels(shape):
    """L(n) of the shared network (module docstring): the fewest levels, at least 1, after which the smallest axis
    of `shape` has at most COARSEST cells."""
    levels, smallest = 1, min(shape)
    while -(-smallest // 2 ** levels) > COARSEST:
        levels += 1
    return levels


def buffer_levels(levels, masked=False):
    """buffer -> level (0 finest) of `program(levels, ..., masked)`; channel counts follow from the weights."""
    kinds = "htm" if masked else "ht"
    return {"x": 0, "y": 0, **({"r": 0} if masked else {}),
            **{f"{kind}{level}": level for level in range(levels + 1) for kind in kinds}}


MAX_LEVELS = 8


def check_levels(levels):
    """ValueError unless levels is "auto" or an integer 1 <= levels <= MAX_LEVELS."""
    if levels == AUTO:
        return
    if not isinstance(levels, (int, np.integer)) or isinstance(levels, bool) or not 1 <= levels <= MAX_LEVELS:
        raise ValueError(f"the number of pooling levels must be an integer from 1 to {MAX_LEVELS}, got {levels!r} "
                         f"(or {AUTO!r}: shared weights, levels chosen per grid)")


@dataclass
class Network:
    """Weights of the network: `weights[name] = (kernel (cout, cin, 3, ...), bias (cout,))` in float32, for a
    `ndim`-dimensional grid with `inputs` input channels (1: residual; 2: residual and fluid mask), `levels`
    pooling levels (an integer, or "auto": the shared network, levels chosen per grid) and, for the shared network,
    `masked`: the mask pyramid on every level (module docstring)."""

    ndim: int
    channels: int
    inputs: int
    weights: dict
    meta: dict
    levels: object = 1
    masked: bool = False

    def __post_init__(self):
        check_levels(self.levels)
        if self.shared and any(np.any(b) for _, b in self.weights.values()):
            raise ValueError("the shared network (levels 'auto') has no biases: every bias must be zero")
        if self.masked and (not self.shared or self.inputs != 2):
            raise ValueError("the mask pyramid needs the shared network (levels 'auto') with the fluid mask as its "
                             "second input")

    @property
    def shared(self):
        return self.levels == AUTO

    def levels_for(self, shape):
        """The pooling levels the network runs on a grid of `shape` (cells per used axis)."""
        return auto_levels(shape) if self.shared else self.levels

    def input_scale(self, shape):
        """The factor on the residual channel: sqrt(cells of `shape`) for the shared network without the mask
        pyramid, else 1."""
        return float(np.sqrt(np.prod(shape))) if self.shared and not self.masked else 1.0

    def program_for(self, shape):
        """(levels, steps, buffer -> level) of the network on a grid of `shape` (cached per level count)."""
        levels = self.levels_for(shape)
        return levels, program(levels, self.shared, self.masked), buffer_levels(levels, self.masked)

    @classmethod
    def shapes(cls, ndim, channels, inputs, levels=1, masked=False):
        """name -> (kernel shape, bias shape) of every convolution in `program(levels)` (with "auto": of the shared
        program on two levels, which uses every shared weight; `masked`: twice the input channels, [h, m h])."""
        steps = program(2, True, masked) if levels == AUTO else program(levels)
        cin = {"in": 2 if masked else inputs}
        cout = {"out": 1}
        width = 2 if masked else 1
        return {s.weight: ((cout.get(s.weight, channels), cin.get(s.weight, width * channels)) + (3,) * ndim,
                           (cout.get(s.weight, channels),)) for s in steps if isinstance(s, Conv)}

    @property
    def parameters(self):
        """Trained numbers: kernels and biases (the shared network's zero biases are not parameters)."""
        return sum(w.size + (0 if self.shared else b.size) for w, b in self.weights.values())

    def save(self, path):
        """Write the weights, `levels` and `meta` (strings and numbers: how it was trained) to an HDF5 file: format
        /2 with an integer `levels`, /3 with `levels = "auto"`, /4 with the mask pyramid."""
        with h5py.File(path, "w") as f:
            f.attrs["format"] = np.bytes_(FORMAT_MASKED if self.masked else FORMAT_SHARED if self.shared else FORMAT)
            for key in ("ndim", "channels", "inputs", "levels"):
                value = getattr(self, key)
                f.attrs[key] = np.bytes_(value) if isinstance(value, str) else value
            for key, value in self.meta.items():
                f.attrs[f"meta_{key}"] = np.bytes_(value) if isinstance(value, str) else value
            for name, (w, b) in self.weights.items():
                f.create_dataset(f"{name}/kernel", data=np.asarray(w, np.float32))
                f.create_dataset(f"{name}/bias", data=np.asarray(b, np.float32))

    @staticmethod
    def _levels(f, fmt):
        """The `levels` of an open file of format `fmt`: 1 for /1, an integer for /2, "auto" for /3 and /4."""
        if fmt == FORMAT_ONE_LEVEL:
            return 1
        value = f.attrs["levels"]
        if fmt in (FORMAT_SHARED, FORMAT_MASKED):
            return value.decode() if isinstance(value, bytes) else str(value)
        return int(value)

    @classmethod
    def load(cls, path):
        """Read a weights file written by `save` (format /2, /3 or /4) or by the one-level network's (format /1,
        no `levels`), checking its format, its level count and every shape."""
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format", b"")
            fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
            if fmt not in (FORMAT, FORMAT_ONE_LEVEL, FORMAT_SHARED, FORMAT_MASKED):
                raise ValueError(f"{path}: not a DCDM weights file (format {fmt!r}, expected {FORMAT})")
            ndim, channels, inputs = (int(f.attrs[k]) for k in ("ndim", "channels", "inputs"))
            levels, masked = cls._levels(f, fmt), fmt == FORMAT_MASKED
            try:
                check_levels(levels)
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}") from None
            kind = ("masked shared" if masked else "shared") if levels == AUTO else f"{levels}-level"
            weights = {}
            for name, (ws, bs) in cls.shapes(ndim, channels, inputs, levels, masked).items():
                if name not in f:
                    raise ValueError(f"{path}: no weights {name!r} for a {kind} network")
                w, b = f[f"{name}/kernel"][...], f[f"{name}/bias"][...]
                if w.shape != ws or b.shape != bs:
                    raise ValueError(f"{path}: {name} has shapes {w.shape}, {b.shape}; expected {ws}, {bs}")
                weights[name] = (w, b)
            extra = sorted(set(f) - set(weights))
            if extra:
                raise ValueError(f"{path}: weights {extra} are not part of a {kind} network")
            meta = {k[5:]: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()
                    if k.startswith("meta_")}
        try:
            return cls(ndim, channels, inputs, weights, meta, levels, masked)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
