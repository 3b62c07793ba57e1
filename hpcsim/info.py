"""`hpcsim info`: what this installation runs on."""
import platform
import sys

from . import __version__


def report():
    import h5py
    import mpi4py
    import numba
    import numpy
    import scipy

    from .backend import gpu_status
    from .parallel import Comm, mpi_library_version, mpi_vendor, usable_cores

    comm = Comm()
    ok, gpu = gpu_status()
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "not yet initialised (first parallel kernel picks one)"
    hdf5 = h5py.version.hdf5_version
    lines = [
        f"hpcsim        {__version__}",
        f"python        {platform.python_version()} ({sys.executable})",
        f"numpy         {numpy.__version__}",
        f"scipy         {scipy.__version__}",
        f"numba         {numba.__version__}; {numba.config.NUMBA_NUM_THREADS} threads available, layer {layer}",
        f"h5py          {h5py.__version__}; HDF5 {hdf5}; parallel HDF5: {'yes' if h5py.get_config().mpi else 'no'}",
        f"mpi4py        {mpi4py.__version__}; {mpi_vendor()}: {mpi_library_version()}",
        f"MPI ranks     {comm.size}",
        f"CPU cores     {usable_cores()} usable by this process",
        f"GPU           {'yes: ' if ok else 'no: '}{gpu}",
    ]
    return "\n".join(lines)
