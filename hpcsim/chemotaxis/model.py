"""The `chemotaxis` family: positivity- and mass-preserving finite volumes with IMEX steps, on a Cartesian box or,
for radially symmetric data in dimension 2, 3 or 4, on a 1-D mesh of r (`geometry`).

One step from t to t + dt (first order; dimensionless units, see `deck`):

  1. n' = n - dt div F(n, c) with Scharfetter-Gummel fluxes F (diffusion and drift together, explicit; then the
     linearly implicit logistic step), `kernels.chemotaxis.chemotaxis_elements`. The sum of n is conserved to round-off
     and n' >= 0 whenever dt <= 1 / max_cells rate(c) (the drift CFL, diffusion included);
  2. w', c' by backward Euler from n' (`signals.SignalUpdate`: Helmholtz solves, so the stiffness of small eps
     costs nothing; eps = 0 solves the elliptic equations).

Adaptive step (chemotaxis.cfl > 0): dt = cfl / max rate(c), rounded down to run.dt 2^(-j/4) (so few distinct
Helmholtz operators occur) and capped by run.dt; the next step is part of the checkpoint. Blow-up detector: the
run stops with exit status 1, naming the step, max n and its position, once max n > blowup_max or one cell
holds more than blowup_cell_mass of the mass.

Diagnostics: mass = int n, n_min, n_max, and the Lyapunov functional (non-increasing for the full system)
    E = int n log n - chi int n c + chi/2 int (c^2 + (1 + tau)|grad c|^2 + tau (Lap c)^2)
        + chi/2 int (Lap c - c + w)^2
(direct signalling: E = int n log n - chi int n c + chi/2 int (c^2 + |grad c|^2)).
"""
import math

import numpy as np

from ..errors import NumericalError
from ..mesh import Mesh
from ..models import Family
from ..runtime import Model, Stop
from .deck import SECTIONS, check, resolution_warnings
from .geometry import Cartesian, Radial
from .initial import initial_density
from .manufactured import Manufactured
from .signals import SignalUpdate

LEVELS_PER_OCTAVE = 4


def quantised(bound, cap):
    """The largest cap 2^(-j/4), j >= 0, not above `bound`."""
    if bound >= cap:
        return cap
    j = math.ceil(LEVELS_PER_OCTAVE * math.log2(cap / bound) - 1e-12)
    return cap * 2.0 ** (-j / LEVELS_PER_OCTAVE)


def first_eigenvalue(mesh):
    """The smallest positive eigenvalue mu_1 of -Lap with the mesh's no-flux / periodic faces."""
    return min(((2.0 if mesh.periodic[a] else 1.0) * math.pi / mesh.length[a]) ** 2 for a in range(mesh.ndim))


class ChemotaxisModel(Model):
    def __init__(self, deck, comm, backend, rng):
        p = deck["chemotaxis"]
        mesh = Mesh.from_deck(deck, comm, FAMILY.ghost)
        super().__init__(mesh, backend)
        xp = self.xp
        radial = p["radial_dimension"]
        self.geometry = Radial(mesh, backend, radial) if radial else Cartesian(mesh, backend, deck["solver"])
        self.eps, self.tau, self.chi, self.growth = p["eps"], p["tau"], p["chi"], p["growth"]
        self.indirect = p["signal"] == "indirect"
        self.cfl, self.run_dt = p["cfl"], deck["run"]["dt"]
        self.blowup_max, self.blowup_cell_mass = p["blowup_max"], p["blowup_cell_mass"]
        self.weights = (1.0 + self.tau, self.tau, 1.0) if self.indirect else (1.0, 0.0, 0.0)

        n0 = mesh.zeros()
        n0[mesh.interior] = initial_density(mesh, p, deck["run"]["seed"])
        self.density = self.fields.add("n", xp.asarray(n0), reduce={"min": "n_min", "max": "n_max"})
        self.c = self.fields.add("c")
        self.w = self.fields.add("w") if self.indirect else self.c
        self.scratch, self.rate = mesh.zeros(xp), mesh.zeros(xp)
        self.signals = SignalUpdate(self.geometry, self.eps, self.tau, self.indirect)
        self.manufactured = Manufactured(mesh, p, self.indirect) if p["manufactured"] else None
        if self.manufactured is not None:
            for field, exact in zip((self.density, self.c, self.w), self.manufactured.exact(0.0)):
                field[mesh.interior] = xp.asarray(exact)
        elif self.eps == 0.0 or p["signal_initial"] == "prepared":
            self.signals.advance(self.density, self.c, self.w, None)
        else:
            self.c[...] = p["c0"]
            if self.indirect:
                self.w[...] = p["w0"]
        self.stop, self.step_index, self.time = None, 0, 0.0
        self.dt_next = self.next_dt(self.survey()["rate"])
        mu1 = first_eigenvalue(mesh)
        self.parameters = {"eps": self.eps, "tau": self.tau, "chi": self.chi, "mu_1": mu1,
                           "unstable_above_n_bar": (1.0 + mu1) * (1.0 + (self.tau if self.indirect else 0.0) * mu1)
                           / max(self.chi, 1e-300)}

    # -- one step ----------------------------------------------------------------------------------------
    def step(self, dt):
        rate = self.last_rate
        if dt * rate > 1.0:
            raise NumericalError(f"dt = {dt:.4g} exceeds the positivity bound 1 / max rate = {1.0 / rate:.4g} at "
                                 f"step {self.step_index}: lower run.dt or set chemotaxis.cfl > 0")
        self.mesh.fill_ghosts(self.density)
        self.mesh.fill_ghosts(self.c)
        self.geometry.density_step(self.density, self.c, self.scratch, self.chi, dt, self.growth)
        self.density[self.mesh.interior] = self.scratch[self.mesh.interior]
        forcing = None
        if self.manufactured is not None:
            self.density[self.mesh.interior] += dt * self.xp.asarray(self.manufactured.density_forcing(self.time))
            forcing = self.manufactured.signal_forcing(self.time + dt)
        out = self.signals.advance(self.density, self.c, self.w, dt, forcing)
        self.step_index += 1
        self.time += dt
        g = self.survey()
        self.dt_next = self.next_dt(g["rate"])
        self.judge(g)
        out["dt"] = dt
        return out

    def survey(self):
        """Global positivity rate max, max n and mass of the current state (one sum and one max reduction)."""
        xp, owned = self.xp, self.mesh.owned
        self.mesh.fill_ghosts(self.c)
        self.geometry.positivity_rate(self.c, self.rate, self.chi)
        g = self.mesh.comm.reduce_named(sums={"mass": self.geometry.integral(self.density)},
                                        maxima={"rate": float(xp.max(owned(self.rate))),
                                                "n_max": float(xp.max(owned(self.density))),
                                                "cell_mass": self.geometry.cell_mass_max(self.density)})
        self.last_rate = g["rate"]
        return g

    def next_dt(self, rate):
        if self.cfl == 0.0:
            return self.run_dt
        return quantised(self.cfl / rate, self.run_dt)

    def propose_dt(self, dt):
        return self.dt_next

    def judge(self, g):
        """The blow-up detector."""
        cell_mass = g["cell_mass"] / max(g["mass"], 1e-300)
        if not (g["n_max"] > self.blowup_max or cell_mass > self.blowup_cell_mass):
            return
        where = self.argmax()
        self.stop = Stop(f"blow-up at step {self.step_index}: max n = {g['n_max']:.6g} at x = "
                         f"({', '.join(f'{v:.6g}' for v in where)}), one cell holds {cell_mass:.3g} of the mass "
                         f"(chemotaxis.blowup_max = {self.blowup_max:g}, blowup_cell_mass = "
                         f"{self.blowup_cell_mass:g})", status=1)

    def argmax(self):
        """Cell centre of the global maximum of n."""
        owned = np.asarray(self.backend.to_host(self.mesh.owned(self.density)))
        index = np.unravel_index(int(np.argmax(owned)), owned.shape)
        centres = tuple(float(self.mesh.centres(a)[index[a]]) for a in range(self.mesh.ndim))
        best = max(self.mesh.comm.allgather((float(owned[index]), centres)), key=lambda v: v[0])
        return best[1]

    def stop_reason(self):
        return self.stop

    # -- diagnostics and state ---------------------------------------------------------------------------
    def lyapunov(self):
        """This rank's part of the Lyapunov functional E."""
        self.mesh.fill_ghosts(self.density)
        self.mesh.fill_ghosts(self.c)
        return self.geometry.lyapunov(self.density, self.c, self.w, self.chi, self.weights)

    def diagnostics(self):
        sums = {"lyapunov": self.lyapunov(), "mass": self.geometry.integral(self.density)}
        if self.manufactured is not None:
            fields = {"n": self.density, "c": self.c, "w": self.w} if self.indirect else {"n": self.density, "c": self.c}
            exact = dict(zip(("n", "c", "w"), self.manufactured.exact(self.time)))
            for name, field in fields.items():
                e = self.mesh.owned(field) - self.xp.asarray(exact[name]).reshape(self.mesh.local_shape[:self.mesh.ndim])
                sums[f"error_{name}"] = float(self.xp.sum(e * e))
        out = self.fields.reductions(sums=sums)
        for name in sums:
            if name.startswith("error_"):
                out[name] = math.sqrt(out[name] * self.mesh.cell_volume)
        return out

    def checkpoint_state(self):
        state = super().checkpoint_state()
        state.values.update(dt_next=self.dt_next, step_index=self.step_index, time=self.time)
        return state

    def restore(self, state):
        super().restore(state)
        self.step_index, self.time = int(state.values["step_index"]), float(state.values["time"])
        self.survey()
        self.dt_next = float(state.values["dt_next"])


FAMILY = Family("chemotaxis", tuple(SECTIONS), ChemotaxisModel, ghost=1, time_dependent=True, check=check,
                warnings=resolution_warnings, adaptive_dt=lambda deck: deck["chemotaxis"]["cfl"] > 0)
