"""The `phasefield` family: Cahn-Hilliard thermomigration of a conserved solute under an imposed temperature
(dimensionless; see `scales`, `thermodynamics`, `stepping` for the equations, `deck` for the inputs).

State: c (checkpointed). Output meshes: c, mu (chemical potential, units of R T_u) and T (temperature, units of
T_u). Scalars: free_energy F = sum (f + kappa/2 |grad c|^2) dV, mass = integral of c, c_min, c_max, dt, the
beta-phase volume and centre along every no-flux axis (`beta_volume`, `beta_centre_x`...), the particle count;
with precipitate tracking, diags/precipitates.h5 holds every particle's centre and equivalent radius per
diagnostic. Faces are periodic or no-flux: at a no-flux face the ghost mobility is 0, so its face flux is 0.
One ghost layer: the fourth-order flux is two second-order passes (mu, then div J) with a ghost fill between.
"""
import numpy as np

from ..errors import InputError
from ..field_state import Unit
from ..kernels.phasefield.phasefield_elements import DOUBLE_WELL
from ..mesh import Mesh
from ..models import Family
from ..runtime import Model, Stop
from ..runtime.controller import StepController
from . import deck as pf_deck
from .initial import initial_field, interface_length
from .precipitates import Tracker, particles
from .stepping import BDF2Step, ExplicitStep, SemiImplicitStep
from .temperature import temperature_field

TEMPERATURE_DIMENSION = (0, 0, 0, 0, 1, 0, 0)
MOLAR_ENERGY_DIMENSION = (2, 1, -2, 0, 0, -1, 0)     # J/mol


class PhaseFieldModel(Model):
    def __init__(self, deck, comm, backend, rng):
        p = deck["phasefield"]
        mesh = Mesh.from_deck(deck, comm, FAMILY.ghost)
        super().__init__(mesh, backend)
        self.kernels = backend.kernels("phasefield.phasefield")
        self.thermo, self.scales = pf_deck.thermodynamics(deck)
        thermo, scales, xp = self.thermo, self.scales, self.xp
        self.g, self.n = mesh.ghosts, mesh.local_shape
        self.o = tuple(1 if a < mesh.ndim else 0 for a in range(3))
        self.w = tuple(1.0 / mesh.spacing[a] ** 2 if a < mesh.ndim else 0.0 for a in range(3))
        self.theta = 1.0 if p["flux_convention"] == "constant_T" else 0.0
        temp = temperature_field(p, mesh) / scales.temperature
        t_min, t_max = comm.allreduce(float(temp.min()), "min"), comm.allreduce(float(temp.max()), "max")
        if t_min <= 0.0:
            raise InputError(f"the temperature falls to {t_min * scales.temperature:g} <= 0", "phasefield.temperature")
        c0 = initial_field(p, mesh, temp, thermo, deck["run"]["seed"])
        low, high = comm.allreduce(float(c0.min()), "min"), comm.allreduce(float(c0.max()), "max")
        if p["thermodynamics"] == "ideal" and not (0.0 < low and high < 1.0):
            raise InputError(f"the ideal free energy needs 0 < c < 1, the initial field spans [{low:g}, {high:g}]",
                             "phasefield.initial")
        self.c = self.fields.add("c", self._block(c0), reduce={"min": "c_min", "max": "c_max", "integral": "mass"})
        self.mu = self.fields.add("mu", unit=Unit(MOLAR_ENERGY_DIMENSION, scales.energy) if scales.physical
                                  else Unit(), state=False)
        self.temp = self.fields.add("T", self._block(temp), state=False,
                                    unit=Unit(TEMPERATURE_DIMENSION, scales.temperature) if scales.physical
                                    else Unit())
        mesh.fill_ghosts(self.temp)        # mirrored at no-flux faces, where the face flux is 0 anyway
        self.s, self.mob, self.heat, self.rate = (mesh.zeros(xp) for _ in range(4))
        stabiliser = p["stabilisation"] * thermo.stabilising_diffusivity(t_max)
        fourth = thermo.largest_mobility(t_min, t_max) * thermo.kappa
        if p["scheme"] == "explicit":
            self.stepper = ExplicitStep(self)
        elif p["scheme"] == "bdf2":
            velocity = self.fields.add("velocity", output=False)
            previous = self.fields.add("velocity_previous", output=False)
            self.stepper = BDF2Step(self, p, deck["solver"], stabiliser, fourth, velocity, previous)
        else:
            velocity = self.fields.add("velocity", output=False)
            self.stepper = SemiImplicitStep(self, p, deck["solver"], stabiliser, fourth, velocity)
        self.adaptive_tol, self.steady_tol = p["adaptive_tol"], p["steady_tol"]
        self.controller = StepController(order=self.stepper.order_now) if self.adaptive_tol else None
        self.dt_next, self.stop = deck["run"]["dt"], None
        self.tracker = Tracker(mesh.ndim) if p["track_precipitates"] else None
        self.track_reach = 8.0 * interface_length(thermo) if p["track_precipitates"] else 0.0
        self.step_count, self.time = 0, 0.0
        self.parameters = self._parameters(p, t_min, t_max, stabiliser, fourth)

    def _block(self, owned):
        a = self.mesh.zeros(np)
        a[self.mesh.interior] = owned
        return self.xp.asarray(a)

    def _parameters(self, p, t_min, t_max, stabiliser, fourth):
        s, th = self.scales, self.thermo
        out = {"length_unit_m": s.length, "time_unit_s": s.time, "temperature_unit_K": s.temperature,
               "energy_unit_J_per_mol": s.energy, "kappa": th.kappa, "mobility_M": th.m0,
               "heat_of_transport_alpha": th.q_alpha, "heat_of_transport_beta": th.q_beta,
               "T_min": t_min, "T_max": t_max, "stabilising_diffusivity": stabiliser,
               "fourth_order_coefficient": fourth}
        if p["thermodynamics"] == "ideal":
            out.update(D0_m2_per_s=p["D0"], Qd_J_per_mol=p["Qd"], Qd=th.qd,
                       heat_of_transport_alpha_J_per_mol=p["heat_of_transport"][0],
                       heat_of_transport_beta_J_per_mol=p["heat_of_transport"][1], T0_K=p["T0"])
        else:
            out.update(A=th.a, c_alpha=th.ca0, c_beta=th.cb0, c_alpha_slope=th.ca1, c_beta_slope=th.cb1,
                       T_ref=th.t_ref)
        return {k: float(v) for k, v in out.items()}

    # -- the explicit rate -------------------------------------------------------------------------------
    def update_potential(self):
        """mu and s of the current c (ghosts of c, mu and s filled)."""
        mesh, k = self.mesh, self.kernels
        mesh.fill_ghosts(self.c)
        k.potential(self.c, self.temp, self.mu, self.s, self.g, self.n, self.o, self.w,
                    *self.thermo.free_energy_args(), self.thermo.kappa)
        mesh.fill_ghosts(self.mu)
        mesh.fill_ghosts(self.s)

    def update_rate(self):
        """rate = dc/dt = -div J of the current c."""
        mesh, k = self.mesh, self.kernels
        self.update_potential()
        k.transport(self.c, self.temp, self.mob, self.heat, self.g, self.n, *self.thermo.transport_args())
        mesh.fill_ghosts(self.mob)
        self._close_walls(self.mob)
        mesh.fill_ghosts(self.heat)
        k.rate(self.mu, self.s, self.temp, self.heat, self.mob, self.rate, self.g, self.n, self.o, self.w,
               self.theta)

    def _close_walls(self, mob):
        """Zero mobility in the ghost layers of no-flux faces: their harmonic-mean face mobility is 0."""
        mesh = self.mesh
        for axis in range(mesh.ndim):
            for side, present in ((0, mesh.at_low(axis)), (1, mesh.at_high(axis))):
                if present:
                    index = [slice(None)] * 3
                    g = mesh.ghosts[axis]
                    index[axis] = slice(0, g) if side == 0 else slice(g + mesh.local_shape[axis], None)
                    mob[tuple(index)] = 0.0

    # -- the contract ----------------------------------------------------------------------------------------
    def propose_dt(self, dt):
        return self.dt_next if self.controller is not None else dt

    def step(self, dt):
        change, errors, out = self.stepper.advance(dt)
        self.time += dt
        self.step_count += 1
        g = self.mesh.comm.reduce_named(maxima={"change": change, **{f"err{q}": e for q, e in errors.items()}})
        out["dt"] = dt
        if self.controller is not None:
            choice = self.stepper.select({q: g[f"err{q}"] for q in errors}, self.adaptive_tol)
            if choice is None:                # no estimate yet (BDF2's first two steps keep dt)
                self.dt_next, out["error_estimate"] = dt, 0.0
            else:
                order, err = choice
                self.dt_next = self.controller.next_dt(dt, err, order)
                out["error_estimate"] = err * self.adaptive_tol
            out["order"] = float(self.stepper.order_now)
        if self.steady_tol and g["change"] / dt < self.steady_tol:
            self.stop = Stop(f"steady state: max|dc/dt| = {g['change'] / dt:.3e} < phasefield.steady_tol = "
                             f"{self.steady_tol:g}")
        return out

    def stop_reason(self):
        return self.stop

    def records(self):
        self.update_potential()
        return super().records()

    def diagnostics(self):
        mesh, xp, th = self.mesh, self.xp, self.thermo
        self.mesh.fill_ghosts(self.c)
        sums = {"free_energy": self.kernels.free_energy(self.c, self.temp, self.g, self.n, self.o, self.w,
                                                        *th.free_energy_args(), th.kappa)}
        phi = None
        if th.model == DOUBLE_WELL:
            temp = mesh.owned(self.temp)
            ca, cb = th.compositions(temp)
            phi = xp.clip((mesh.owned(self.c) - ca) / (cb - ca), 0.0, 1.0)
            sums["beta_volume"] = float(xp.sum(phi))
            x = mesh.coordinates()
            for a in range(mesh.ndim):
                if not mesh.periodic[a]:
                    position = xp.asarray(x[a].reshape(x[a].shape[: mesh.ndim]))
                    sums[f"beta_centre_{mesh.axis_labels[a]}"] = float(xp.sum(phi * position))
        out = self.fields.reductions(sums=sums)
        out["free_energy"] *= mesh.cell_volume
        if phi is not None:
            volume = out["beta_volume"]
            for a in range(mesh.ndim):
                key = f"beta_centre_{mesh.axis_labels[a]}"
                if key in out:
                    out[key] = out[key] / volume if volume > 0 else float("nan")
            out["beta_volume"] = volume * mesh.cell_volume
        if self.tracker is not None:
            self._track(phi)
            out["precipitates"] = float(len(self.tracker.rows[self.tracker.rows[:, 0] == self.time])) \
                if len(self.tracker.rows) else 0.0
        return out

    def _track(self, phi):
        mesh, comm = self.mesh, self.mesh.comm
        blocks = comm.gather((mesh.block_slices(), np.asarray(self.backend.to_host(phi))))
        rows = None
        if comm.is_root:
            whole = np.zeros(mesh.global_shape)
            for where, block in blocks:
                whole[where] = block
            found = particles(whole, mesh.spacing, mesh.origin, mesh.periodic, self.track_reach)
            self.tracker.record(self.time, self.step_count, found)
            rows = self.tracker.state()
        self.tracker.restore(comm.bcast(rows))

    def tables(self):
        if self.tracker is None:
            return {}
        return {"precipitates": (self.tracker.columns(), {"unit_length_m": self.scales.length,
                                                          "unit_time_s": self.scales.time})}

    def checkpoint_state(self):
        state = super().checkpoint_state()
        state.values.update(time=self.time, step_count=self.step_count, dt_next=self.dt_next,
                            **self.stepper.state())
        if self.tracker is not None:
            state.values.update(self.tracker.state())
        return state

    def restore(self, state):
        super().restore(state)
        self.time, self.step_count = float(state.values["time"]), int(state.values["step_count"])
        self.dt_next = float(state.values["dt_next"])
        self.stepper.restore(state.values)
        if self.tracker is not None:
            self.tracker.restore(state.values)


FAMILY = Family("phasefield", tuple(pf_deck.SECTIONS), PhaseFieldModel, ghost=1, time_dependent=True,
                check=pf_deck.check, warnings=pf_deck.warnings, units=pf_deck.units,
                adaptive_dt=lambda deck: deck["phasefield"]["adaptive_tol"] > 0)
