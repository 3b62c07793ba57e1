"""The `chemotaxis` family: positivity- and mass-preserving finite volumes with IMEX steps, on a Cartesian box or,
for radially symmetric data in dimension 2, 3 or 4, on a 1-D mesh of r (`geometry`).

One step from t to t + dt: `stepping` (chemotaxis.scheme): imex1 (first order, the default), imex2 (Heun and
BDF2, second order, the same positivity bound), sbdf2 (semi-implicit BDF2, diffusion and signals implicit, second
order, bounded by the drift only). The explicit flux steps use the Scharfetter-Gummel fluxes of
`kernels.chemotaxis.chemotaxis_elements`; the signals are Helmholtz solves (`signals`), so the stiffness of small
eps costs nothing.

Adaptive step (chemotaxis.cfl > 0): dt = cfl / max rate(c) (sbdf2: the drift part of the rate), rounded down
to run.dt 2^(-j/4) (so few distinct Helmholtz operators occur) and capped by run.dt (and, with
chemotaxis.dt_initial > 0 and eps > 0, by dt_initial exp(t / (3 eps)): small first steps through the initial
layer of ill-prepared data, whose transients decay at least like exp(-t / eps)); the next step is part of the
checkpoint. Blow-up detector: the run stops with exit status 1, naming the step, max n and its position, once
max n > blowup_max or one cell holds more than blowup_cell_mass of the mass.

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
from .stepping import SBDF2, SCHEMES

LEVELS_PER_OCTAVE = 4
LAYER_GROWTH = 3.0      # the ramp's step grows by e every 3 eps: the layer's error (~ e^(-t/eps)) falls faster


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
        self.geometry = Radial(mesh, backend, radial) if radial else Cartesian(mesh, backend, deck["solver"],
                                                                                 p["linear_solver"])
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
            exact = self.manufactured.exact(0.0)
            if not radial:
                exact = exact[:1] + self.manufactured.prepared_signals()
            for field, value in zip((self.density, self.c, self.w), exact):
                field[mesh.interior] = xp.asarray(value)
        elif self.eps == 0.0 or p["signal_initial"] == "prepared":
            self.signals.advance(self.density, self.c, self.w, None)
        else:
            self.c[...] = p["c0"]
            if self.indirect:
                self.w[...] = p["w0"]
        self.scheme = SCHEMES[p["scheme"]](self)
        self.dt_initial = p["dt_initial"]
        self.stop, self.step_index, self.time = None, 0, 0.0
        self.dt_next = self.next_dt(self.survey()["rate"])
        mu1 = first_eigenvalue(mesh)
        self.parameters = {"eps": self.eps, "tau": self.tau, "chi": self.chi, "mu_1": mu1,
                           "unstable_above_n_bar": (1.0 + mu1) * (1.0 + (self.tau if self.indirect else 0.0) * mu1)
                           / max(self.chi, 1e-300)}

    # -- one step ----------------------------------------------------------------------------------------
    def step(self, dt):
        rate = self.last_rate
        if dt * rate > 1.0 and not isinstance(self.scheme, SBDF2):
            raise NumericalError(f"dt = {dt:.4g} exceeds the positivity bound 1 / max rate = {1.0 / rate:.4g} at "
                                 f"step {self.step_index}: lower run.dt or set chemotaxis.cfl > 0")
        return self.finish(dt, self.scheme.step(dt, self.time))

    def finish(self, dt, out):
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
        """cfl / rate (sbdf2: its drift part) on the quantised levels, capped by run.dt and by the initial-layer
        ramp dt_initial exp(t / (3 eps))."""
        if self.cfl == 0.0:
            dt = self.run_dt
        else:
            bound = self.scheme.bound(rate) if isinstance(self.scheme, SBDF2) else rate
            dt = quantised(self.cfl / bound, self.run_dt)
        if self.dt_initial > 0.0 and self.eps > 0.0:
            growth = math.exp(min(self.time / (LAYER_GROWTH * self.eps), 700.0))
            dt = min(dt, quantised(self.dt_initial * growth, self.run_dt))
        return dt

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
        state.values.update(dt_next=self.dt_next, step_index=self.step_index, time=self.time, **self.scheme.state())
        return state

    def restore(self, state):
        super().restore(state)
        self.step_index, self.time = int(state.values["step_index"]), float(state.values["time"])
        self.survey()
        self.dt_next = float(state.values["dt_next"])
        self.scheme.restore(state.values)


FAMILY = Family("chemotaxis", tuple(SECTIONS), ChemotaxisModel, ghost=1, time_dependent=True, check=check,
                warnings=resolution_warnings, adaptive_dt=lambda deck: deck["chemotaxis"]["cfl"] > 0)
