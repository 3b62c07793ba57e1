"""The family contract and the registry of the solver families a deck can select.

A family is one package under `hpcsim/` that describes itself once, as a module attribute `FAMILY = Family(...)`,
and one line in `FAMILIES` below (the deck section that selects it -> the module that holds `FAMILY`). Modules
are imported only when a deck names them. Everything the deck loader, the CLI and the run loop need from a family
is a field of `Family`; its model subclasses `hpcsim.runtime.Model`, whose defaults do the common work.
"""
import importlib
from dataclasses import dataclass
from typing import Callable

FAMILIES = {
    "poisson": "hpcsim.linalg.poisson",
    "diffusion": "hpcsim.linalg.diffusion",
    "pic": "hpcsim.pic.model",
    "chemotaxis": "hpcsim.chemotaxis.model",
    "phasefield": "hpcsim.phasefield.model",
}


@dataclass(frozen=True)
class Units:
    """How a family's normalised numbers map to SI in the output files: metres per length unit and seconds per
    time unit (1 for dimensionless families), and a one-line description of the normalisation."""

    length_si: float = 1.0
    time_si: float = 1.0
    normalisation: str = "dimensionless"


@dataclass(frozen=True)
class Footprint:
    """A family's sizes for the memory and disk estimate (`hpcsim.estimate`), as measured slopes of the peak
    resident set: float64 grid arrays per cell in memory (state, solver work vectors, output copies), state
    fields per cell in a checkpoint, mesh records per cell in a field dump; for particle families the
    macro-particles per cell (`deck -> int`) and whether dumps carry them (`deck -> bool`)."""

    grid_arrays: int = 16
    state_fields: int = 1
    records: int = 1
    particles_per_cell: Callable = None
    dumps_particles: Callable = None


@dataclass(frozen=True)
class Family:
    """A solver family's description.

    name            the deck section that selects it (`[name]`), also the first of `sections`
    sections        its deck sections (`hpcsim.deck.schema.Section`), the family's own first; [run], [mesh] and
                    [output] are added by the loader
    model           the model class, `model(deck, comm, backend, rng)`, a subclass of `hpcsim.runtime.Model`
    ghost           ghost layers its stencils or particle shapes need (also the smallest block per rank)
    time_dependent  False for one-shot solves (no time, no checkpoints)
    check           cross-key validation of a resolved deck (may fill derived keys), or None
    warnings        resolution warnings of a resolved deck (`deck -> [str]`), printed by `check` and `run`
    units           `deck -> Units` for the output files
    adaptive_dt     `deck -> bool`: whether the model chooses its own step (run.t_end need not be a whole
                    number of run.dt, run.steps becomes a cap)
    footprint       `Footprint`: what the memory and disk estimate counts per cell and per particle
    """

    name: str
    sections: tuple
    model: type
    ghost: int = 1
    time_dependent: bool = True
    check: Callable = None
    warnings: Callable = None
    units: Callable = None
    adaptive_dt: Callable = None
    footprint: Footprint = Footprint()

    def adaptive(self, deck):
        return bool(self.adaptive_dt(deck)) if self.adaptive_dt is not None else False

    def validate(self, deck):
        if self.check is not None:
            self.check(deck)

    def resolution_warnings(self, deck):
        return list(self.warnings(deck)) if self.warnings is not None else []

    def unit_scales(self, deck):
        return self.units(deck) if self.units is not None else Units()


def family(name) -> Family:
    """The `Family` registered under `name`."""
    return importlib.import_module(FAMILIES[name]).FAMILY
