"""Restart compatibility: does a checkpoint belong to the deck that wants to continue from it?

Checked on rank 0 before anything is written. A checkpoint carries the resolved deck that wrote it
(`hpcsim_deck`); the keys that define the shape of the saved state must agree with the new deck: the family,
the mesh (shape, length, boundaries) and, for particle families, the species in order with what fixes their
macro-particles (name, charge, mass, density, particles_per_cell). Everything else (steps, output cadence,
solver tolerances, physics parameters) may change on a restart. The first difference is reported as
`KEY: REASON` naming the deck key.
"""
import tomllib
from pathlib import Path

import h5py

from ..errors import InputError
from ..models import FAMILIES
from .checkpoint import MAIN

MESH_KEYS = ("shape", "length", "bc")
SPECIES_KEYS = ("name", "charge", "mass", "density", "particles_per_cell")


def checkpoint_deck(path):
    """(family, resolved deck table) of the run that wrote the checkpoint at `path`."""
    with h5py.File(Path(path) / MAIN, "r") as f:
        table = tomllib.loads(f.attrs["hpcsim_deck"].decode("utf-8"))
    family = next((name for name in FAMILIES if name in table), None)
    return family, table


def _differs(key, old, new, path):
    return InputError(f"is {new!r} in the deck but {old!r} in checkpoint {path}: a restart continues the same "
                      f"state (start a new run, or restart from a checkpoint of this setup)", key)


def check_restart(deck, path):
    """Raise InputError naming the first state-defining key in which checkpoint `path` and `deck` differ."""
    family, old = checkpoint_deck(path)
    if family != deck.family:
        raise InputError(f"checkpoint {path} was written by a {family} deck, this is a {deck.family} deck",
                         "--restart")
    for key in MESH_KEYS:
        if old["mesh"].get(key) != deck["mesh"].get(key):
            raise _differs(f"mesh.{key}", old["mesh"].get(key), deck["mesh"].get(key), path)
    old_species, new_species = old.get("species", []), deck.data.get("species", [])
    if len(old_species) != len(new_species):
        names = [s["name"] for s in old_species]
        raise InputError(f"the deck has {len(new_species)} species, checkpoint {path} has {len(old_species)} "
                         f"({', '.join(names)}): a restart continues every saved particle", "species")
    for i, (s_old, s_new) in enumerate(zip(old_species, new_species)):
        for key in SPECIES_KEYS:
            if s_old.get(key) != s_new.get(key):
                raise _differs(f"species[{i}].{key}", s_old.get(key), s_new.get(key), path)
