"""Postprocessing of hpcsim output: readers (global arrays whatever the rank count), plots, CLI `hpcsim-post`.

Depends on numpy, h5py and matplotlib only, and never imports hpcsim: it reads files.
"""
from .readers import ReadError, list_iterations, list_meshes, read_deck, read_mesh, read_scalars

__all__ = ["ReadError", "list_iterations", "list_meshes", "read_deck", "read_mesh", "read_scalars"]
