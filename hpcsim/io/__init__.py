"""Output: openPMD meshes with XDMF sidecars, the scalar time series, per-run tables, checkpoints."""
from .checkpoint import Checkpoint, find_latest, read_checkpoint, verify, write_checkpoint
from .openpmd import MeshWriter, Record, read_mesh_block
from .scalars import ScalarLog

__all__ = ["Checkpoint", "MeshWriter", "Record", "ScalarLog", "find_latest", "read_checkpoint", "read_mesh_block",
           "verify", "write_checkpoint"]
