"""The MPI communicator wrapper: the one object through which hpcsim talks to MPI.

Every other module asks a `Comm` for rank, size, reductions and collectives; only `hpcsim.parallel` imports
mpi4py. A `Comm` works unchanged on one rank without `mpiexec` (MPI singleton initialisation).
"""
import os
import sys
import traceback

import numpy as np
from mpi4py import MPI

_OPS = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}


class Comm:
    """Thin, array-aware wrapper of an mpi4py intracommunicator."""

    def __init__(self, mpi_comm=None):
        self.mpi = mpi_comm if mpi_comm is not None else MPI.COMM_WORLD
        self.rank = self.mpi.Get_rank()
        self.size = self.mpi.Get_size()
        self.is_root = self.rank == 0

    # -- collectives on Python objects (small metadata only) -------------------------------------------
    def barrier(self):
        self.mpi.Barrier()

    def bcast(self, obj, root=0):
        return self.mpi.bcast(obj, root=root)

    def gather(self, obj, root=0):
        return self.mpi.gather(obj, root=root)

    def allgather(self, obj):
        return self.mpi.allgather(obj)

    def scatter(self, objs, root=0):
        return self.mpi.scatter(objs, root=root)

    @staticmethod
    def self_comm():
        """A one-rank communicator of this process (serial sub-problems, e.g. agglomerated coarse grids)."""
        return Comm(MPI.COMM_SELF)

    # -- buffer-based reductions ----------------------------------------------------------------------
    def allreduce(self, value, op="sum"):
        """Reduce a scalar or a numpy array over all ranks with one buffer-based `Allreduce`.

        Scalars come back as Python floats (or ints for integer input); arrays as new numpy arrays.
        """
        scalar = np.ndim(value) == 0
        send = np.ascontiguousarray(np.atleast_1d(np.asarray(value)))
        if self.size == 1:
            recv = send.copy()
        else:
            recv = np.empty_like(send)
            self.mpi.Allreduce(send, recv, op=_OPS[op])
        return recv[0].item() if scalar else recv

    def reduce_named(self, sums=None, maxima=None, minima=None):
        """Global reductions of many named scalars in at most two buffer-based `Allreduce` calls (one sum, one
        max; minima travel as negated maxima). Returns {name: float}."""
        sums, maxima, minima = dict(sums or {}), dict(maxima or {}), dict(minima or {})
        out = {}
        if sums:
            total = self.allreduce(np.array([float(v) for v in sums.values()], dtype=np.float64))
            out.update(zip(sums, (float(v) for v in total)))
        if maxima or minima:
            local = [float(v) for v in maxima.values()] + [-float(v) for v in minima.values()]
            top = self.allreduce(np.array(local, dtype=np.float64), "max")
            out.update(zip(maxima, (float(v) for v in top[:len(maxima)])))
            out.update(zip(minima, (-float(v) for v in top[len(maxima):])))
        return out

    def any(self, flag):
        """True on every rank if `flag` is true on any rank."""
        return bool(self.allreduce(1 if flag else 0, "max"))

    def iallreduce(self, send, recv, op="sum"):
        """Start a non-blocking `Iallreduce` of a numpy buffer; returns the request (call `.Wait()`)."""
        return self.mpi.Iallreduce(send, recv, op=_OPS[op])

    # -- topology -------------------------------------------------------------------------------------
    def create_cart(self, dims, periods):
        return self.mpi.Create_cart(list(dims), periods=list(periods), reorder=False)

    def node_local(self):
        """(rank on this node, ranks on this node): used for GPU binding and thread counts."""
        node = self.mpi.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        try:
            return node.Get_rank(), node.Get_size()
        finally:
            node.Free()

    def abort(self, code=1):
        self.mpi.Abort(code)


def mpi_library_version():
    return MPI.Get_library_version().strip().splitlines()[0]


def mpi_vendor():
    name, version = MPI.get_vendor()
    return f"{name} {'.'.join(map(str, version))}"


def install_abort_on_exception(comm):
    """Make an uncaught exception on any rank print its traceback and abort the whole job.

    Without this, one failing rank leaves the others blocked in a collective until the wall-time limit.
    """
    if comm.size == 1:
        return

    def hook(exc_type, exc, tb):
        sys.stderr.write(f"hpcsim: rank {comm.rank}: uncaught {exc_type.__name__}, aborting all ranks\n")
        sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))
        sys.stderr.flush()
        comm.abort(1)

    sys.excepthook = hook


def usable_cores():
    """CPU cores this process may run on (affinity mask, Slurm's cpus-per-task respected)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1
