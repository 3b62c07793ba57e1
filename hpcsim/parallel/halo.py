"""Ghost-layer (halo) exchange for block arrays of numpy or CuPy.

A block array has shape `(n0 + 2 g0, n1 + 2 g1, n2 + 2 g2)`: the owned cells in the middle and g_a ghost layers on
each side of axis a. `exchange_axis` fills both ghost slabs of one axis from the neighbouring blocks with packed,
contiguous buffers and non-blocking sends and receives. Slabs span the full extent of the other axes, ghosts
included, so exchanging axis 0, then 1, then 2 also fills edge and corner ghosts. A periodic axis with a single
process copies locally; a physical boundary (no neighbour) is left to the boundary-condition code.
GPU arrays are staged through host memory unless `cuda_aware=True`.
"""
import numpy as np
from mpi4py import MPI

_TAG_TO_LOW, _TAG_TO_HIGH = 11, 12


def _slab(axis, lo, hi):
    index = [slice(None)] * 3
    index[axis] = slice(lo, hi)
    return tuple(index)


class HaloExchange:
    """Exchanges ghost layers of width `ghosts[a]` along each axis of a `CartTopology`."""

    def __init__(self, topology, ghosts, cuda_aware=False):
        self.topology = topology
        self.ghosts = tuple(ghosts)
        self.cuda_aware = cuda_aware

    def exchange(self, u):
        for axis in range(3):
            self.exchange_axis(u, axis)

    def exchange_axis(self, u, axis):
        g = self.ghosts[axis]
        if g == 0:
            return
        n = u.shape[axis] - 2 * g
        low, high = self.topology.neighbours[axis]
        send_low, recv_high = _slab(axis, g, 2 * g), _slab(axis, n + g, n + 2 * g)
        send_high, recv_low = _slab(axis, n, n + g), _slab(axis, 0, g)
        me = self.topology.rank
        if low == me and high == me:  # periodic axis owned by this rank alone
            u[recv_high] = u[send_low]
            u[recv_low] = u[send_high]
            return
        cart = self.topology.cart
        requests, received = [], []
        for nbr, recv, tag in ((high, recv_high, _TAG_TO_LOW), (low, recv_low, _TAG_TO_HIGH)):
            if nbr >= 0:
                buf = self._buffer(u, recv)
                requests.append(cart.Irecv(buf, source=nbr, tag=tag))
                received.append((recv, buf))
        sent = []
        for nbr, send, tag in ((low, send_low, _TAG_TO_LOW), (high, send_high, _TAG_TO_HIGH)):
            if nbr >= 0:
                buf = self._pack(u[send])
                sent.append(buf)
                requests.append(cart.Isend(buf, dest=nbr, tag=tag))
        MPI.Request.Waitall(requests)
        for recv, buf in received:
            u[recv] = buf if isinstance(u, np.ndarray) or self.cuda_aware else _to_device(u, buf)

    def accumulate_axis(self, u, axis):
        """The reverse of `exchange_axis`, for deposited quantities: add each ghost slab into the owned cells
        it overlaps on the neighbouring block (or, on a periodic axis owned alone, on the other side of this
        block), then zero the ghosts. Slabs span the full extent of the other axes, so accumulating axis 0,
        then 1, then 2 also carries corner contributions home."""
        g = self.ghosts[axis]
        if g == 0:
            return
        n = u.shape[axis] - 2 * g
        low, high = self.topology.neighbours[axis]
        ghost_low, ghost_high = _slab(axis, 0, g), _slab(axis, n + g, n + 2 * g)
        owned_low, owned_high = _slab(axis, g, 2 * g), _slab(axis, n, n + g)
        me = self.topology.rank
        if low == me and high == me:
            u[owned_high] += u[ghost_low]
            u[owned_low] += u[ghost_high]
        else:
            cart, requests, received = self.topology.cart, [], []
            for nbr, owned, tag in ((high, owned_high, _TAG_TO_LOW), (low, owned_low, _TAG_TO_HIGH)):
                if nbr >= 0:
                    buf = self._buffer(u, owned)
                    requests.append(cart.Irecv(buf, source=nbr, tag=tag))
                    received.append((owned, buf))
            sent = []
            for nbr, ghost, tag in ((low, ghost_low, _TAG_TO_LOW), (high, ghost_high, _TAG_TO_HIGH)):
                if nbr >= 0:
                    buf = self._pack(u[ghost])
                    sent.append(buf)
                    requests.append(cart.Isend(buf, dest=nbr, tag=tag))
            MPI.Request.Waitall(requests)
            for owned, buf in received:
                u[owned] += buf if isinstance(u, np.ndarray) or self.cuda_aware else _to_device(u, buf)
        u[ghost_low] = 0.0
        u[ghost_high] = 0.0

    def _buffer(self, u, region):
        shape = u[region].shape
        if isinstance(u, np.ndarray) or self.cuda_aware:
            return _empty_like_module(u, shape)
        return np.empty(shape, dtype=u.dtype)

    def _pack(self, view):
        if isinstance(view, np.ndarray):
            return np.ascontiguousarray(view)
        packed = view.copy()  # CuPy: contiguous device copy
        if self.cuda_aware:
            packed.data.device.synchronize()
            return packed
        return packed.get()


def _empty_like_module(u, shape):
    if isinstance(u, np.ndarray):
        return np.empty(shape, dtype=u.dtype)
    import cupy  # only reached for CuPy arrays

    return cupy.empty(shape, dtype=u.dtype)


def _to_device(u, host):
    import cupy

    return cupy.asarray(host)
