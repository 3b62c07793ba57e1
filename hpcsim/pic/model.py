"""The `pic` family: electromagnetic particle-in-cell on a periodic Cartesian mesh (1D3V, 2D3V, 3D3V).

Deck: `[pic]` and `[[species]]` (`hpcsim.pic.deck`), with `[run] dt` below the Yee Courant limit. The run
prints the plasma parameters (given and derived) at start and writes them to `diags/plasma.h5`. Output:
`diags/scalars.h5` (energies, gauss_error, per species T_par/T_perp, anisotropy, beta_par, pressure tensor and
heat flux, the particle count, and the 2-D
spectrum_E/spectrum_B), openPMD field dumps with E, B, J, rho and the particle species, and checkpoints with
the fields, every particle (positions, momenta, ids) and the per-rank random streams: N steps equal N/2 +
restart + N/2 bit for bit on the same rank count.
"""
import math

import numpy as np

from ..errors import InputError, NumericalError
from ..field_state import Unit
from ..io import Record
from ..mesh import Mesh
from ..models import Family, Footprint, Units
from ..parallel import inside_block
from ..runtime import Model
from .deck import (GHOST, SECTIONS, background_field, check, ghost_for, plasma_parameters,
                   resolution_warnings, species_mass, species_temperatures)
from . import krook
from .diagnostics import Spectra, moments
from .engine import PIC
from .fields import courant_limit
from .forcing import Forcing, forced
from .loading import load_species, seed_field, solve_initial_field
from .species import Species
from .units import OutputUnits

PARTICLE_ARRAYS = ("x", "u", "ids")
E_UNIT = (1, 1, -3, -1, 0, 0, 0)     # unit dimensions (L, M, T, I, theta, N, J) of E, B, J, rho
B_UNIT = (0, 1, -2, -1, 0, 0, 0)
J_UNIT = (-2, 0, 0, 1, 0, 0, 0)
RHO_UNIT = (-3, 0, 1, 1, 0, 0, 0)
# In-cell positions (x, y, z) of the Yee components (see kernels/pic/yee_elements.py); J like E, rho on the nodes.
E_POSITION = ((0.5, 0.0, 0.0), (0.0, 0.5, 0.0), (0.0, 0.0, 0.5))
B_POSITION = ((0.0, 0.5, 0.5), (0.5, 0.0, 0.5), (0.5, 0.5, 0.0))
RHO_POSITION = (0.0, 0.0, 0.0)


class PICModel(Model):
    def __init__(self, deck, comm, backend, rng):
        p = deck["pic"]
        mesh = Mesh.from_deck(deck, comm, ghost_for(p["shape"]))
        small = [a for a in range(mesh.ndim) if mesh.local_shape[a] < mesh.ghost]
        if small:
            raise InputError(f"shape = {p['shape']} needs {mesh.ghost} ghost layers and so blocks of at least "
                             f"{mesh.ghost} cells per axis; this rank's block has {mesh.local_shape[small[0]]} along "
                             f"axis {small[0]} (use fewer ranks or more cells)", "pic.shape")
        super().__init__(mesh, backend)
        self.b0 = background_field(p)
        norm = math.sqrt(sum(v * v for v in self.b0))
        self.b_hat = [v / norm for v in self.b0] if norm > 0 else list(np.asarray(p["b_direction"]) /
                                                                        np.linalg.norm(p["b_direction"]))
        self.density = {s["name"]: s["density"] for s in deck["species"]}
        self.krook_rate = {s["name"]: s["krook_rate"] for s in deck["species"]}
        self.rng = rng
        self.charge_scale = sum(abs(s["charge"]) * s["density"] for s in deck["species"])
        species = load_species(deck, mesh, rng, self.b_hat, self.xp)
        self.forcing = {s["name"]: Forcing(s, p, self.b0, self.b_hat) for s in deck["species"] if forced(s)}
        self.b0_norm = norm
        background = -sum(s["charge"] * s["density"] for s in deck["species"]) if p["neutralise"] else 0.0
        self.pic = PIC(mesh, backend, species, pusher=p["pusher"], background=background,
                       filter_passes=p["filter_passes"], forcing=self.forcing, shape=p["shape"])
        self.dump_particles = p["dump_particles"]
        self.sort_every, self.steps = p["sort_every"], 0
        self.spectra = Spectra(mesh, p["spectrum_modes"], self.xp)
        self.initial_count = self.particle_count()
        self.poisson = solve_initial_field(self.pic, backend) if p["initial_poisson"] else None
        for a in range(3):
            self.pic.fields.b[a][mesh.interior] = self.b0[a]
        seed_field(self.pic, p["seed_field"], p["seed_mode"])
        self.units = OutputUnits.from_density(p["reference_density"])
        self._declare_fields()
        self.parameters = self._parameters(deck)
        self.warnings = resolution_warnings(deck)

    def _declare_fields(self):
        """E and B (the state) and J (output) as openPMD vector records in SI through the reference density."""
        f, units = self.pic.fields, self.units
        for name, comps, unit, positions, state in (
                ("E", f.e, Unit(E_UNIT, units.electric), E_POSITION, True),
                ("B", f.b, Unit(B_UNIT, units.magnetic), B_POSITION, True),
                ("J", f.j, Unit(J_UNIT, units.current), E_POSITION, False)):
            for a, c in enumerate("xyz"):
                self.fields.add(f"{name}_{c}", comps[a], unit=unit, position=positions[a], record=name,
                                component=c, state=state)

    def _parameters(self, deck):
        """Given and derived plasma parameters (normalised units), printed at start and written to the output."""
        mesh, run = self.mesh, deck["run"]
        out = {"dt": run["dt"], "courant_limit": courant_limit(mesh.spacing), "B0_x": self.b0[0],
               "B0_y": self.b0[1], "B0_z": self.b0[2]}
        out["courant_number"] = run["dt"] / out["courant_limit"]
        params = plasma_parameters(deck["pic"])
        if params is not None:
            out.update(params.derived(mesh.spacing, run["dt"]))
        for s in deck["species"]:
            name = s["name"]
            out[f"particles_{name}"] = s["particles_per_cell"] * mesh.global_cells
            t_par, t_perp = species_temperatures(s, deck["pic"], "species")
            out.update({f"{key}_{name}": float(value) for key, value in (
                ("charge", s["charge"]), ("mass", species_mass(s, deck["pic"])), ("density", s["density"]),
                ("temperature_par", t_par), ("temperature_perp", t_perp), ("krook_rate", s["krook_rate"]))})
            if name in self.forcing:
                out.update(self.forcing[name].parameters(name))
        if self.poisson is not None:
            out["initial_poisson_iterations"] = self.poisson.iterations
            out["initial_poisson_residual"] = self.poisson.residual
            out["initial_net_charge_density"] = self.poisson.net_charge_density
        return out

    def particle_count(self):
        return self.mesh.comm.allreduce(sum(int(s.x.shape[1]) for s in self.pic.species))

    # -- family contract ------------------------------------------------------------------------------------
    def step(self, dt):
        if self.sort_every and self.steps % self.sort_every == 0:
            self.pic.sort()
        self.pic.step(dt)
        self.steps += 1
        for s in self.pic.species:
            krook.collide(s, self.krook_rate[s.name], dt, self.rng, self.xp)
        return {}

    def diagnostics(self):
        out = dict(self.pic.energies())
        out["gauss_error"] = self.pic.gauss_error(self.charge_scale)
        count = self.particle_count()
        if count != self.initial_count:
            raise NumericalError(f"particles lost or duplicated: {count} instead of {self.initial_count}")
        out["particles"] = float(count)
        for s in self.pic.species:
            forcing = self.forcing.get(s.name)
            q_hat = forcing.ghat if forcing is not None and forcing.temperature_on else None
            for name, value in moments(s, self.b_hat, self.density[s.name], self.mesh.comm, self.xp, q_hat,
                                       self.b0_norm).items():
                out[f"{name}_{s.name}"] = value
        out.update(self.spectra(self.pic.fields))
        return out

    def diagnostic_attributes(self):
        """Attributes of the array diagnostics: the wavenumbers of the spectra."""
        attrs = {"k": self.spectra.k, "axis": 0}
        return {"spectrum_E": attrs, "spectrum_B": attrs, "spectrum_Ex": attrs}

    def records(self):
        """E, B, J from the declared fields, and the charge density rho (deposited for the dump)."""
        rho = np.asarray(self.backend.to_host(self.pic.charge_density())).reshape(self.mesh.local_shape[: self.mesh.ndim])
        return {**self.fields.records(), "rho": Record(rho, RHO_UNIT, self.units.charge_density, RHO_POSITION)}

    def particles(self):
        """openPMD particle species of this rank (None when particle dumps are off)."""
        if not self.dump_particles:
            return None
        host, out = self.backend.to_host, {}
        for s in self.pic.species:
            x, u = np.asarray(host(s.x)), np.asarray(host(s.u))
            weight = self.density[s.name] * self.mesh.cell_volume / self._ppc(s)
            out[s.name] = {"position": x, "momentum": s.mass * u, "id": np.asarray(host(s.ids)),
                           "weighting": np.full(x.shape[1], weight), "charge": s.charge, "mass": s.mass}
        return out

    def _ppc(self, s):
        return round(s.charge * self.density[s.name] / s.qw)

    def checkpoint_state(self):
        """E and B, the steps taken (the particle sorts fall on multiples of sort_every: a restart sorts when
        the uninterrupted run would) and this rank's particles {'<species>/<x|u|ids>': particles on the last
        axis}."""
        state = super().checkpoint_state()
        state.values["steps"] = self.steps
        host = self.backend.to_host
        state.particles.update({f"{s.name}/{k}": np.asarray(host(getattr(s, k)))
                                for s in self.pic.species for k in PARTICLE_ARRAYS})
        return state

    def restore(self, state):
        super().restore(state)
        mesh, xp, particles = self.mesh, self.xp, state.particles
        restored = []
        for s in self.pic.species:
            arrays = {k: particles[f"{s.name}/{k}"] for k in PARTICLE_ARRAYS}
            mine = inside_block(mesh, arrays["x"])     # all of them on an unchanged rank count
            arrays = {k: xp.asarray(np.ascontiguousarray(v[..., mine])) for k, v in arrays.items()}
            restored.append(Species(s.name, s.charge, s.mass, arrays["x"], arrays["u"], arrays["ids"], s.qw))
        self.pic.species[:] = restored
        self.steps = int(state.values.get("steps", 0))


def output_units(deck):
    units = OutputUnits.from_density(deck["pic"]["reference_density"])
    return Units(units.length, units.time, "plasma units: c = 1, t in 1/omega_pe, x in d_e = c/omega_pe, fields in "
                 "m_e c omega_pe / e, density in n_0 (SI scales from pic.reference_density)")


FOOTPRINT = Footprint(grid_arrays=16, state_fields=6, records=10,       # E, B, J, rho; E, B checkpointed
                      particles_per_cell=lambda deck: sum(s["particles_per_cell"] for s in deck["species"]),
                      dumps_particles=lambda deck: deck["pic"]["dump_particles"])
FAMILY = Family("pic", tuple(SECTIONS), PICModel, ghost=GHOST, time_dependent=True, check=check,
                warnings=resolution_warnings, units=output_units, footprint=FOOTPRINT)

