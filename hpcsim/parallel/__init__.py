"""Everything that talks MPI: communicator, Cartesian topology, halo exchange, particle migration. No other
package imports mpi4py.

Names are resolved lazily so that deck validation (`hpcsim check`, `hpcsim submit` on a login node) can use
the decomposition logic of `topology` without initialising MPI.
"""
import importlib

_WHERE = {
    "Comm": "comm", "install_abort_on_exception": "comm", "mpi_library_version": "comm", "mpi_vendor": "comm",
    "usable_cores": "comm", "HaloExchange": "halo", "CartTopology": "topology", "block_range": "topology",
    "choose_process_grid": "topology", "migrate": "particles", "inside_block": "particles",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'hpcsim.parallel' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
