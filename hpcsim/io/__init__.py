"""Output: openPMD meshes with XDMF sidecars, the scalar time series, per-run tables, checkpoints."""
from .checkpoint import Checkpoint, find_latest, read_checkpoint, verify, write_checkpoint
from .openpmd import MeshWriter, Record
from .scalars import ScalarLog

__all__ = ["Checkpoint", "MeshWriter", "Record", "ScalarLog", "find_latest", "read_checkpoint", "verify",
           "write_checkpoint"]
