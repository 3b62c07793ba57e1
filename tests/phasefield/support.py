"""Building phase-field models in process from small deck tables, and reading their 1-D fields."""
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.deck.loader import resolve
from hpcsim.parallel import Comm
from hpcsim.phasefield.model import PhaseFieldModel


def build(phasefield, mesh, dt, **run):
    """A model of the deck {phasefield, mesh, run: dt (+ run)} on one rank."""
    table = {"phasefield": dict(phasefield), "mesh": dict(mesh), "run": {"dt": dt, "steps": 1, **run}}
    return PhaseFieldModel(resolve(table), Comm(), CPUBackend(), None)


def advance(model, t_end, dt=None):
    """Step to t_end with the model's own dt (adaptive) or a fixed dt, landing on t_end."""
    while model.time < t_end * (1 - 1e-12):
        step = min(model.propose_dt(dt) if dt else model.propose_dt(model.dt_next), t_end - model.time)
        model.step(step)
    return model


def owned(model, array):
    return np.asarray(model.mesh.owned(array))


def x_centres(model):
    return model.mesh.centres(0)
