"""In-process runs without output files (tests, benchmarks, parameter sweeps): build a chemotaxis model from a
deck table and advance it to a time, landing on it exactly."""
from ..backend import CPUBackend
from ..deck.loader import resolve
from ..parallel import Comm
from .model import FAMILY

LANDING = 1e-9


def build(table, comm=None, backend=None):
    """The model of a deck table (sections as dicts; validated like a deck file)."""
    deck = resolve(table)
    return FAMILY.model(deck, comm or Comm(), backend or CPUBackend(), None)


def advance(model, t_end, every=None):
    """Step `model` to time t_end (its proposed steps, the last one shortened); `every(model, scalars)` is called
    after each step. Returns the number of steps."""
    steps = 0
    while model.time < t_end * (1.0 - LANDING):
        dt = min(model.propose_dt(model.run_dt), t_end - model.time)
        scalars = model.step(dt)
        steps += 1
        if every is not None:
            every(model, scalars)
    return steps
