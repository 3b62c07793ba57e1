"""The model base class every family's model subclasses; the run loop calls only what is defined here.

A subclass builds its mesh, calls `Model.__init__(self, mesh, backend)`, declares its grid fields on
`self.fields` (`hpcsim.field_state.FieldState`) and implements `step`. The defaults then give the openPMD
records, the checkpointed state and its restore, the NaN guard and the min/max/integral diagnostics of the
declared fields. A model overrides only what differs:

  step(dt) -> {name: float}       advance by dt (required); per-step scalars such as solver iterations
  propose_dt(dt) -> float         the next step: the deck's fixed dt by default, a controller's otherwise
  stop_reason() -> Stop | None    ask the loop to stop (steady state, blow-up); global: the same on every rank
  diagnostics() -> {name: value}  global scalar (or 1-D array) diagnostics at the current state
  diagnostic_attributes()         {diagnostic: attributes} written once (e.g. the wavenumbers of a spectrum)
  records() / particles()         openPMD mesh records / this rank's particle species for the field dumps
  tables()                        {name: (columns, attributes)} per-run tables written to diags/NAME.h5
  checkpoint_state() / restore(state)   the whole state as a `ModelState` (fields, values, particles)
  parameters, warnings            given and derived parameters (logged, written to diags/parameters.h5) and
                                  resolution warnings (logged)
"""
from dataclasses import dataclass, field

from ..field_state import FieldState


@dataclass
class Stop:
    """A model's request to end the run now: the reason (logged and printed) and the exit status (0 for a
    normal end such as a steady state, 1 for a failure such as a blow-up)."""

    reason: str
    status: int = 0


@dataclass
class ModelState:
    """A model's checkpointed state.

    fields      name -> this rank's owned block (host array) of each state field
    values      global state, identical on every rank: JSON-serialisable values or numpy arrays (counters,
                solver and time-step controller state)
    particles   '<species>/<array>' -> this rank's per-particle arrays (particles on the last axis)
    """

    fields: dict
    values: dict = field(default_factory=dict)
    particles: dict = field(default_factory=dict)


class Model:
    """Defaults of the family contract (see the module docstring)."""

    def __init__(self, mesh, backend):
        self.mesh, self.backend, self.xp = mesh, backend, backend.xp
        self.fields = FieldState(mesh, backend)
        self.parameters = {}
        self.warnings = []

    def step(self, dt):
        raise NotImplementedError(f"{type(self).__name__} must implement step(dt)")

    def propose_dt(self, dt):
        """The next time step; `dt` is the deck's run.dt (fixed-step models return it unchanged)."""
        return dt

    def stop_reason(self):
        return None

    def diagnostics(self):
        return self.fields.reductions()

    def diagnostic_attributes(self):
        return {}

    def records(self):
        return self.fields.records()

    def particles(self):
        return None

    def tables(self):
        return {}

    def non_finite(self):
        """Names of state fields with NaN or Inf on this rank."""
        return self.fields.non_finite()

    def checkpoint_state(self):
        return ModelState(self.fields.host_state())

    def restore(self, state):
        self.fields.restore(state.fields)
