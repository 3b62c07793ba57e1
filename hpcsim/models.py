"""Registry of the solver families a deck can select, by the name of its family section.

Each family module provides `SECTIONS` (its deck sections, the first named after the family), `check(deck)`
(cross-key validation of a resolved deck, may be absent), `TIME_DEPENDENT` and `Model` (see
`hpcsim.runtime.loop` for the model protocol). Modules are imported only when a deck names them.
"""
import importlib

FAMILIES = {
    "poisson": "hpcsim.linalg.poisson",
    "diffusion": "hpcsim.linalg.diffusion",
    "pic": "hpcsim.pic.model",
}


def family_module(name):
    return importlib.import_module(FAMILIES[name])
