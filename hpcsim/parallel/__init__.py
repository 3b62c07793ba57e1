"""Everything that talks MPI: communicator, Cartesian topology, halo exchange. No other package imports mpi4py."""
from .comm import (Comm, install_abort_on_exception, mpi_library_version, mpi_vendor, usable_cores)
from .halo import HaloExchange
from .topology import CartTopology, block_range, choose_process_grid

__all__ = ["Comm", "CartTopology", "HaloExchange", "block_range", "choose_process_grid",
           "install_abort_on_exception", "mpi_library_version", "mpi_vendor", "usable_cores"]
