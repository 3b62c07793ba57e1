"""Particle migration: after a push, move every particle to the rank whose block owns its position.

Along axis a the block of cells [offset, offset + n) owns the coordinates [origin + offset h, origin +
(offset + n) h). Few particles leave a block per push, so `migrate` touches the bulk of the particles only
twice, with whole-array operations of their own array module (numpy, or CuPy on the GPU): one pass that finds
the leavers, and, where the count of particles changes, one copy into arrays of the new length.

1. On a periodic axis of one process (the rank is its own neighbour) a particle leaving one end re-enters at
   the other: its coordinate is wrapped in place, no message is sent.
2. The particles still outside (leaving towards a neighbour or through a face, or too fast) are copied out
   (to host memory, from the GPU) and their slots refilled with the last particles that stay, so the kept
   ones fill the front of the arrays.
3. The leavers walk the axes with neighbours in order 0, 1, 2: on each they split into those below the block
   (sent to the low neighbour), above it (to the high neighbour) and the rest. A particle may move at most one
   block per push, so one hop per axis suffices and a diagonal move takes two or three hops, the same pattern
   as the halo exchange. Each hop is two rounds of non-blocking Isend/Irecv with both neighbours: first the
   particle counts, then the particles, every array of a direction packed into one contiguous byte buffer
   (array after array, in sorted key order), so an axis costs four small messages per rank whatever the
   number of attached arrays: migration is latency-bound.
4. The arrivals are appended after the kept particles (on the device, from the GPU).

On a periodic axis the rank at the low (high) end adds (subtracts) the box length to the coordinates it sends
across the seam; a coordinate that rounding leaves on the sending side is set to the nearest one on the
receiving side. Across a non-periodic face the neighbour is MPI.PROC_NULL: the particles leaving there are
removed and counted.

One Allreduce at the end sums the removed particles and the particles still outside their block (they moved
more than one block: dt violates the Courant limit), so every rank returns the same global count or raises
the same error, and none is left waiting in a later exchange.
"""
import numpy as np
from mpi4py import MPI
from numba import njit

from ..errors import NumericalError

_COUNT_TAG, _DATA_TAG = (31, 32), (33, 34)   # indexed by direction: 0 towards low, 1 towards high


def migrate(mesh, arrays, in_place=False, candidates=None):
    """Move particles to the ranks owning their positions; return `(arrays, removed)`.

    `arrays` maps names to numpy or CuPy arrays whose last axis is the particle index, the same names, dtypes
    and leading shapes on every rank; `arrays["x"]` holds global positions (row a = axis a). The returned dict
    has the same keys, dtypes and array module: the particles that stayed first, then the arrivals. With
    `in_place` the input arrays may be overwritten and are returned when the particle count is unchanged
    (the PIC step hands over its own arrays), and numpy arrays are returned as the first columns of buffers with
    spare columns (views, C-contiguous only along the particles), so that a change of the particle count
    copies nothing but the arrivals while the room lasts; otherwise the input is not modified. `removed` is the global
    number of particles that left through non-periodic faces, the same on every rank.
    Raises `NumericalError` on every rank if a particle moved further than the neighbouring block.
    `candidates` (sorted indices, of the array module of x), when given, must include every particle outside
    the block (the PIC kernel flags them while it moves them): only those are then wrapped and checked.
    """
    xp = _array_module(arrays["x"])
    parts = dict(arrays) if in_place else {k: v.copy() for k, v in arrays.items()}
    topo = mesh.topology
    local = [a for a in range(mesh.ndim) if mesh.periodic[a] and topo.dims[a] == 1]
    if candidates is not None:
        near = parts["x"][:, candidates]
        for axis in local:
            _wrap_in_place(mesh, near, axis, xp)
        if local:
            parts["x"][:, candidates] = near
        leaving = candidates[_outside(mesh, near, range(mesh.ndim), xp)]
    elif xp is np:
        leaving = _wrap_and_find_leavers(mesh, parts["x"], local)
    else:
        for axis in local:
            _wrap_in_place(mesh, parts["x"], axis, xp)
        leaving = xp.flatnonzero(_outside(mesh, parts["x"], range(mesh.ndim), xp))
    kept = _count(parts) - int(leaving.size)
    travellers = {k: _to_host(v[..., leaving], xp) for k, v in parts.items()}
    _refill(parts, leaving, kept, xp)
    removed = 0
    for axis in range(mesh.ndim):
        if axis not in local:
            travellers, gone = _migrate_axis(mesh, travellers, axis)
            removed += gone
    outside = _outside(mesh, travellers["x"], range(mesh.ndim), np)
    totals = np.array([np.count_nonzero(outside), removed], dtype=np.int64)
    topo.cart.Allreduce(MPI.IN_PLACE, totals, op=MPI.SUM)
    if totals[0]:
        raise NumericalError(_too_fast_message(mesh, travellers, outside, int(totals[0])))
    return {k: _append(v, kept, travellers[k], xp, in_place) for k, v in parts.items()}, int(totals[1])


def _array_module(a):
    """CuPy for arrays on the GPU (imported only then), else numpy."""
    if not hasattr(a, "__cuda_array_interface__"):
        return np
    import cupy

    return cupy


def _to_host(a, xp):
    return a if xp is np else xp.asnumpy(a)


def _wrap_in_place(mesh, x, axis, xp):
    """Wrap the coordinates that left the box along `axis` (a periodic axis of one process) by one length."""
    lo, hi, top = _bounds(mesh, axis)
    out = xp.flatnonzero((x[axis] < lo) | (x[axis] >= hi))
    if out.size:
        xa = x[axis, out]
        below = xa < lo
        xa[below] = _wrap(xa[below], mesh.length[axis], mesh.origin[axis], top)
        xa[~below] = _wrap(xa[~below], -mesh.length[axis], mesh.origin[axis], top)
        x[axis, out] = xa


def _wrap_and_find_leavers(mesh, x, local):
    """numpy arrays: `_wrap_in_place` on the `local` axes and the sorted indices of the particles then outside
    the block, in one compiled pass over the positions (the whole-array version reads them some 14 times)."""
    bounds = [(0.0,) * 6] * 3
    for axis in range(mesh.ndim):
        lo, hi, top = _bounds(mesh, axis)
        bounds[axis] = (float(lo), float(hi), float(mesh.length[axis]), float(mesh.origin[axis]), float(top),
                        float(np.nextafter(top, mesh.origin[axis])))
    bounds, wrap = np.array(bounds), np.array([axis in local for axis in range(3)])
    return _wrap_scan(x, mesh.ndim, bounds, wrap, np.empty(x.shape[1], dtype=np.int64))


@njit(inline="always")
def _wrap_value(v, lo, length, origin, top, below_top):
    """A coordinate outside [lo, hi) wrapped as by `_wrap` (below lo: +L, not reaching top; at or above hi: -L,
    not below origin). Scalars only: an array (or array view) bound inside the loop costs an atomic
    reference-count pair per particle."""
    if v < lo:
        v = v + length
        if v >= top:
            v = below_top
    else:
        v = v - length
        if v < origin:
            v = origin
    return v


@njit(cache=True)
def _wrap_scan(x, ndim, bounds, wrap, out):
    """Wrap the positions along the axes flagged in `wrap`, in place; the indices of the particles then outside
    the block (bounds[a] as for `_wrap_value`)."""
    count = 0
    for p in range(x.shape[1]):
        outside = False
        for a in range(ndim):
            lo, hi, v = bounds[a, 0], bounds[a, 1], x[a, p]
            if wrap[a] and (v < lo or v >= hi):
                v = _wrap_value(v, lo, bounds[a, 2], bounds[a, 3], bounds[a, 4], bounds[a, 5])
                x[a, p] = v
            outside |= (v < lo) | (v >= hi)
        out[count] = p
        count += outside
    return out[:count]


def inside_block(mesh, x, xp=np):
    """Mask of the positions x[3, N] that this rank's block owns."""
    return ~_outside(mesh, x, range(mesh.ndim), xp)


def _outside(mesh, x, axes, xp):
    """Mask of the particles outside this rank's block along any of `axes`."""
    out = xp.zeros(x.shape[-1], dtype=bool)
    for axis in axes:
        lo, hi, _ = _bounds(mesh, axis)
        out |= (x[axis] < lo) | (x[axis] >= hi)
    return out


def _refill(parts, leaving, kept, xp):
    """Move the staying particles among the last len(leaving) slots into the leavers' slots below `kept`
    (leaving: sorted indices), so that slots 0 .. kept - 1 hold exactly the particles that stay."""
    holes = leaving[leaving < kept]
    if not holes.size:
        return
    tail = xp.ones(_count(parts) - kept, dtype=bool)
    tail[leaving[leaving >= kept] - kept] = False
    fill = xp.flatnonzero(tail) + kept
    for v in parts.values():
        v[..., holes] = v[..., fill]


def _append(a, kept, arrived, xp, spare=False):
    """The first `kept` particles of `a` followed by `arrived` (host numpy): `a` itself when the count is
    unchanged, else a new array; with `spare` (numpy, in place), the first `count` columns of a buffer with spare
    columns: of `a`'s own buffer when it has room (then nothing is copied: the kept particles are in place),
    else of a new one with headroom."""
    count = kept + arrived.shape[-1]
    if count == a.shape[-1]:
        out = a
    elif spare and xp is np:
        room = _spare_columns(a)
        if room is None or room.shape[-1] < count:
            room = np.empty(a.shape[:-1] + (count + count // 16 + 64,), dtype=a.dtype)
            room[..., :kept] = a[..., :kept]
        out = room[..., :count]
    else:
        out = xp.empty(a.shape[:-1] + (count,), dtype=a.dtype)
        out[..., :kept] = a[..., :kept]
    if arrived.shape[-1]:
        out[..., kept:] = xp.asarray(arrived)
    return out


def _spare_columns(a):
    """The buffer (an array with more columns) of which `a` is the first columns, or None."""
    b = a.base
    if (isinstance(b, np.ndarray) and b.dtype == a.dtype and b.shape[:-1] == a.shape[:-1] and b.strides == a.strides
            and b.__array_interface__["data"][0] == a.__array_interface__["data"][0] and b.flags.c_contiguous):
        return b
    return None


def _bounds(mesh, axis):
    """(low, high) coordinate of this block along `axis`, and the top of the domain."""
    o, h = mesh.origin[axis], mesh.spacing[axis]
    off, n = mesh.local_offset[axis], mesh.local_shape[axis]
    return o + off * h, o + (off + n) * h, o + mesh.global_shape[axis] * h


def _migrate_axis(mesh, parts, axis):
    topo = mesh.topology
    lo, hi, top = _bounds(mesh, axis)
    down, up = parts["x"][axis] < lo, parts["x"][axis] >= hi
    outgoing = {0: _take(parts, down), 1: _take(parts, up)}   # copies: wrapping them leaves the input alone
    if mesh.periodic[axis]:
        length, origin = mesh.length[axis], mesh.origin[axis]
        if topo.coords[axis] == 0:
            outgoing[0]["x"][axis] = _wrap(outgoing[0]["x"][axis], length, origin, top)
        if topo.coords[axis] == topo.dims[axis] - 1:
            outgoing[1]["x"][axis] = _wrap(outgoing[1]["x"][axis], -length, origin, top)
    low, high = topo.neighbours[axis]
    removed = (_count(outgoing[0]) if low < 0 else 0) + (_count(outgoing[1]) if high < 0 else 0)
    arrived = _exchange(topo.cart, (low, high), outgoing, parts)
    moved = down | up
    kept = _take(parts, ~moved) if moved.any() else parts
    if not any(_count(p) for p in arrived):
        return kept, removed
    return {k: np.concatenate([kept[k]] + [p[k] for p in arrived], axis=-1) for k in parts}, removed


def _wrap(x, shift, origin, top):
    """Coordinates moved across the seam by one box length. One that rounding leaves outside [origin, top)
    (x + L rounding up to top, x - L rounding below origin) is set to the nearest coordinate inside, on the
    side of the seam the particle is sent to, so that the receiving block owns it."""
    y = x + shift
    if shift > 0:
        y[y >= top] = np.nextafter(top, origin)
    else:
        y[y < origin] = origin
    return y


def _take(parts, mask):
    return {k: v[..., mask] for k, v in parts.items()}


def _count(parts):
    return parts["x"].shape[-1]


def _exchange(cart, neighbours, outgoing, template):
    """Send `outgoing[d]` towards neighbour d (0 low, 1 high) and receive what the neighbours send here;
    returns the received particle dicts. A PROC_NULL neighbour sends and receives nothing; no data message
    travels in a direction whose count is zero."""
    keys = sorted(template)
    per_particle = sum(template[k].dtype.itemsize * int(np.prod(template[k].shape[:-1])) for k in keys)
    # particles travelling towards low (d = 0) come from the high neighbour, and the other way round
    sources = {0: neighbours[1], 1: neighbours[0]}
    counts = {d: np.zeros(1, dtype=np.int64) for d in (0, 1)}
    requests = [cart.Irecv(counts[d], source=sources[d], tag=_COUNT_TAG[d]) for d in (0, 1)]
    sizes = {d: np.array([_count(outgoing[d]) if neighbours[d] >= 0 else 0], dtype=np.int64) for d in (0, 1)}
    requests += [cart.Isend(sizes[d], dest=neighbours[d], tag=_COUNT_TAG[d]) for d in (0, 1)]
    MPI.Request.Waitall(requests)
    received = {d: np.empty(int(counts[d][0]) * per_particle, dtype=np.uint8) for d in (0, 1)}
    requests = [cart.Irecv(received[d], source=sources[d], tag=_DATA_TAG[d]) for d in (0, 1) if counts[d][0]]
    packed = {d: _pack(outgoing[d], keys) for d in (0, 1) if sizes[d][0]}
    requests += [cart.Isend(packed[d], dest=neighbours[d], tag=_DATA_TAG[d]) for d in packed]
    MPI.Request.Waitall(requests)
    return [_unpack(received[d], int(counts[d][0]), keys, template) for d in (0, 1)]


def _pack(parts, keys):
    return np.concatenate([np.ascontiguousarray(parts[k]).reshape(-1).view(np.uint8) for k in keys])


def _unpack(buffer, count, keys, template):
    out, start = {}, 0
    for k in keys:
        lead, dtype = template[k].shape[:-1], template[k].dtype
        size = int(np.prod(lead)) * count * dtype.itemsize
        out[k] = buffer[start:start + size].view(dtype).reshape(lead + (count,))
        start += size
    return out


def _too_fast_message(mesh, parts, outside, total):
    rank = mesh.topology.rank
    if not outside.any():
        return (f"{total} particle(s) on other ranks moved further than the neighbouring block in one push "
                f"(rank {rank} is fine): dt violates the Courant limit")
    i = int(np.flatnonzero(outside)[0])
    who = f"particle id {int(parts['ids'][i])}" if "ids" in parts else f"particle {i}"
    position = ", ".join(f"{v:.17g}" for v in parts["x"][: mesh.ndim, i])
    block = " x ".join(f"[{lo:.17g}, {hi:.17g})" for lo, hi, _ in (_bounds(mesh, a) for a in range(mesh.ndim)))
    return (f"rank {rank}: {who} at ({position}) is outside this rank's block {block} after migration: it moved "
            f"further than the neighbouring block in one push, so dt violates the Courant limit ({total} such "
            f"particle(s) in all)")
