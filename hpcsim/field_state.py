"""Named grid fields of a model, declared once with their units and staggering.

A model declares each of its grid fields on the shared `FieldState`:

    self.u = self.fields.add("u", reduce={"min": "u_min", "max": "u_max", "integral": "mass"})
    self.e_x = self.fields.add("E_x", record="E", component="x", unit=Unit(E_DIMENSION, e_si), position=...)

and the declarations give, with no further code in the model:
  - the openPMD mesh records (`records`): record/component names, `unitDimension`, `unitSI`, in-cell `position`;
  - the checkpointed state (`state`, `host_state`, `restore`): the fields declared with `state=True`;
  - the NaN/Inf guard (`non_finite`);
  - global min / max / integral diagnostics (`reductions`) for the fields declared with `reduce`, together with
    any extra local sums and extrema of the model, in at most two buffer-based `Allreduce` calls.
Integrals are sum over owned cells of u times the cell volume.
"""
from dataclasses import dataclass

import numpy as np

from .io import Record

DIMENSIONLESS = (0,) * 7


@dataclass(frozen=True)
class Unit:
    """An openPMD unit: powers of the SI base units (L, M, T, I, theta, N, J) and the factor to SI."""

    dimension: tuple = DIMENSIONLESS
    si: float = 1.0


@dataclass
class GridField:
    name: str
    array: object          # the rank's block with ghost layers (numpy or cupy)
    unit: Unit
    position: tuple        # in-cell position per axis (staggering); None: cell-centred
    record: str            # openPMD record name (a vector's components share one)
    component: str         # openPMD component name, or None for a scalar record
    state: bool            # part of the checkpointed state (and NaN-checked)
    output: bool           # written to the openPMD field dumps
    reduce: dict           # op ("min", "max", "integral") -> diagnostic name


class FieldState:
    """The grid fields of one model on one distributed mesh (see the module docstring)."""

    def __init__(self, mesh, backend):
        self.mesh, self.backend, self.xp = mesh, backend, backend.xp
        self.by_name = {}

    def add(self, name, array=None, *, unit=Unit(), position=None, record=None, component=None, state=True,
            output=True, reduce=()):
        """Declare a field (a new zero block unless `array` is given) and return its array. `reduce`: ops
        ("min", "max", "integral") named `<name>_<op>`, or a dict op -> diagnostic name."""
        if name in self.by_name:
            raise ValueError(f"grid field {name!r} declared twice")
        if array is None:
            array = self.mesh.zeros(self.xp)
        named = dict(reduce) if isinstance(reduce, dict) else {op: f"{name}_{op}" for op in reduce}
        unknown = set(named) - {"min", "max", "integral"}
        if unknown:
            raise ValueError(f"grid field {name!r}: unknown reductions {sorted(unknown)}")
        self.by_name[name] = GridField(name, array, unit, position, record or name, component, state, output,
                                       named)
        return array

    def __getitem__(self, name):
        return self.by_name[name].array

    def owned(self, name):
        return self.mesh.owned(self.by_name[name].array)

    # -- checkpointed state ----------------------------------------------------------------------------------
    def state(self):
        """{name: block array} of the fields that define the state."""
        return {f.name: f.array for f in self.by_name.values() if f.state}

    def host_state(self):
        """{name: owned block as a contiguous host array} of the state fields, for a checkpoint."""
        host = self.backend.to_host
        return {name: np.ascontiguousarray(host(self.mesh.owned(a))) for name, a in self.state().items()}

    def restore(self, fields):
        """Set the owned cells of every state field from `fields` (name -> this rank's owned block)."""
        mesh = self.mesh
        for name, array in self.state().items():
            array[mesh.interior] = self.xp.asarray(fields[name]).reshape(mesh.local_shape)

    def non_finite(self):
        """Names of the state fields with NaN or Inf in this rank's owned cells."""
        xp = self.xp
        return [name for name, a in self.state().items() if not bool(xp.isfinite(self.mesh.owned(a)).all())]

    # -- output ------------------------------------------------------------------------------------------------
    def records(self):
        """openPMD mesh records of the output fields: {record: Record} or {record: {component: Record}}."""
        host, out = self.backend.to_host, {}
        for f in self.by_name.values():
            if not f.output:
                continue
            rec = Record(np.asarray(host(self.mesh.owned(f.array))), f.unit.dimension, f.unit.si, f.position)
            if f.component is None:
                out[f.record] = rec
            else:
                out.setdefault(f.record, {})[f.component] = rec
        return out

    def reductions(self, sums=None, maxima=None, minima=None):
        """Global min/max/integral of the declared fields, plus the model's extra local `sums`, `maxima` and
        `minima` ({name: local value}), reduced together; returns {diagnostic name: float}."""
        xp, volume = self.xp, self.mesh.cell_volume
        sums, maxima, minima = dict(sums or {}), dict(maxima or {}), dict(minima or {})
        integrals = []
        for f in self.by_name.values():
            owned = self.mesh.owned(f.array)
            for op, label in f.reduce.items():
                if op == "integral":
                    sums[label] = float(xp.sum(owned))
                    integrals.append(label)
                elif op == "max":
                    maxima[label] = float(xp.max(owned))
                else:
                    minima[label] = float(xp.min(owned))
        out = self.mesh.comm.reduce_named(sums, maxima, minima)
        for label in integrals:
            out[label] *= volume
        return out
