"""The three time steps of the chemotaxis family (chemotaxis.scheme), each from t to t + dt on the model's state.

imex1 (first order): n1 = n - dt div F(n, c) with the Scharfetter-Gummel fluxes F (explicit; then the linearly
  implicit logistic step), then w', c' by backward Euler from n1 (`signals`). n1 >= 0 and the sum of n kept
  whenever dt rate(c) <= 1 (the positivity bound; chemotaxis.cfl is a fraction of it).
imex2 (second order, the same bound): Heun's method for n, n' = (n + n2) / 2 with n2 = n1 - dt div F(n1, c1) and
  stage signals c1, w1 by backward Euler from n1 (a convex combination of Euler steps: n' >= 0 and the mass kept
  under dt rate(c1) <= 1, checked; beyond it the step stays the imex1 step), then the signals by variable-step BDF2
  from n'.
sbdf2 (second order, no diffusive step bound): semi-implicit BDF2 (SBDF2) with the diffusion of n and the
  signal equations implicit and the drift (the Scharfetter-Gummel flux less its central diffusive part, chi n
  grad c to second order) and the logistic source extrapolated:
      a0 n' - dt Lap n' = a1 n - a2 n_- + dt ((1 + r) E(n, c) - r E(n_-, c_-)),   E = -div F_drift + growth
  (r = dt / dt_previous, a0, a1, a2 of `signals.bdf2_coefficients`; a Helmholtz solve, spectral or Krylov, with
  its mean restored so the mass is kept to round-off), then the signals by BDF2 from n'. The step is bounded only
  by the drift (chemotaxis.cfl times 1 / the drift part of the positivity rate). Positivity is not implied by the
  scheme: a step that would make n negative anywhere is replaced by imex1 steps at half the positivity bound
  (positive and conservative), and BDF2 restarts.

The BDF2 steps start with backward Euler (and restart with it after a step more than twice the previous one,
e.g. after a step shortened to land on an output time); their history (previous n, E, c, w and step) is part of
the checkpoint, so a restart continues bit for bit.
"""
import math

from ..errors import NumericalError
from .signals import BACKWARD_EULER, bdf2_coefficients

MAX_RATIO = 2.0


class Euler:
    """imex1."""

    history = ()

    def __init__(self, model):
        self.m = model

    def flux_step(self, dt, t, c):
        """density <- the explicit Euler flux step with the signal c (ghosts of density and c filled here), plus
        the manufactured forcing at t."""
        m = self.m
        m.mesh.fill_ghosts(m.density)
        m.mesh.fill_ghosts(c)
        m.geometry.density_step(m.density, c, m.scratch, m.chi, dt, m.growth)
        m.density[m.mesh.interior] = m.scratch[m.mesh.interior]
        if m.manufactured is not None:
            m.density[m.mesh.interior] += dt * m.xp.asarray(m.manufactured.density_forcing(t))

    def forcing(self, t):
        return None if self.m.manufactured is None else self.m.manufactured.signal_forcing(t)

    def step(self, dt, t):
        self.flux_step(dt, t, self.m.c)
        return self.m.signals.advance(self.m.density, self.m.c, self.m.w, dt, self.forcing(t + dt))

    def state(self):
        return {}

    def restore(self, values):
        pass


class BDF2History(Euler):
    """The previous signals and step of the BDF2 signal update."""

    def __init__(self, model):
        super().__init__(model)
        m = model
        self.c_previous = m.fields.add("c_previous", output=False)
        self.w_previous = m.fields.add("w_previous", output=False) if m.indirect else self.c_previous
        self.dt_previous = 0.0

    def ratio(self, dt):
        """dt / dt_previous, or None where BDF2 (re)starts with backward Euler."""
        if self.dt_previous <= 0.0 or dt > MAX_RATIO * self.dt_previous:
            return None
        return dt / self.dt_previous

    def signals(self, dt, t, ratio):
        m = self.m
        if ratio is None:
            self.c_previous[...] = m.c
            if m.indirect:
                self.w_previous[...] = m.w
            previous = None
        else:
            previous = (ratio, self.c_previous, self.w_previous)
        out = m.signals.advance(m.density, m.c, m.w, dt, self.forcing(t + dt), previous)
        self.dt_previous = dt
        return out

    def state(self):
        return {"dt_previous": self.dt_previous}

    def restore(self, values):
        self.dt_previous = float(values["dt_previous"])


class HeunBDF2(BDF2History):
    """imex2."""

    def __init__(self, model):
        super().__init__(model)
        m, xp = model, model.xp
        self.density_old, self.c_stage = m.mesh.zeros(xp), m.mesh.zeros(xp)
        self.w_stage = m.mesh.zeros(xp) if m.indirect else self.c_stage

    def step(self, dt, t):
        m, xp, interior = self.m, self.m.xp, self.m.mesh.interior
        self.density_old[...] = m.density
        self.flux_step(dt, t, m.c)
        self.c_stage[...] = m.c
        if m.indirect:
            self.w_stage[...] = m.w
        stage = m.signals.advance(m.density, self.c_stage, self.w_stage, dt, self.forcing(t + dt))
        m.mesh.fill_ghosts(self.c_stage)
        m.geometry.positivity_rate(self.c_stage, m.rate, m.chi)
        rate = m.mesh.comm.reduce_named(maxima={"rate": float(xp.max(m.mesh.owned(m.rate)))})["rate"]
        if dt * rate > 1.0:
            m.c[...] = self.c_stage
            if m.indirect:
                m.w[...] = self.w_stage
            self.dt_previous = 0.0
            stage["first_order"] = 1.0
            return stage
        self.flux_step(dt, t + dt, self.c_stage)
        m.density[interior] = 0.5 * (self.density_old[interior] + m.density[interior])
        out = self.signals(dt, t, self.ratio(dt))
        out["first_order"] = 0.0
        return out


class SBDF2(BDF2History):
    """sbdf2."""

    def __init__(self, model):
        super().__init__(model)
        m, xp = model, model.xp
        self.density_previous = m.fields.add("n_previous", output=False)
        self.explicit_previous = m.fields.add("explicit_previous", output=False)
        self.explicit, self.trial, self.rhs = m.mesh.zeros(xp), m.mesh.zeros(xp), m.mesh.zeros(xp)
        self.diffusion_rate = 2.0 * sum(1.0 / h ** 2 for h in m.mesh.spacing)

    def bound(self, rate):
        """The step bound of the explicit part: cfl / (the positivity rate less its diffusive part)."""
        return max(rate - self.diffusion_rate, 1e-300)

    def step(self, dt, t):
        m, xp, interior = self.m, self.m.xp, self.m.mesh.interior
        m.mesh.fill_ghosts(m.density)
        m.mesh.fill_ghosts(m.c)
        m.geometry.drift_divergence(m.density, m.c, self.explicit, m.chi)
        self.explicit[...] *= -1.0
        if m.growth:
            self.explicit[...] += m.growth * m.density * (1.0 - m.density)
        ratio = self.ratio(dt)
        if ratio is None:
            (a0, a1, a2), e1, e2 = BACKWARD_EULER, 1.0, 0.0
        else:
            (a0, a1, a2), e1, e2 = bdf2_coefficients(ratio), 1.0 + ratio, ratio
        rhs = self.rhs
        rhs[...] = a1 * m.density + (dt * e1) * self.explicit
        if ratio is not None:
            rhs[...] -= a2 * self.density_previous + (dt * e2) * self.explicit_previous
        if m.manufactured is not None:
            rhs[interior] += dt * xp.asarray(m.manufactured.density_forcing(t + dt))
        rhs[...] *= 1.0 / dt
        self.trial[...] = m.density
        shift = a0 / dt
        r = m.signals.solver(shift, 1.0).solve(rhs, self.trial)
        if not r.converged:
            raise NumericalError(f"the n solve did not reach solver.rtol in {r.iterations} iterations (true "
                                 f"relative residual {r.residual:.3e}); raise solver.max_iterations")
        owned = m.mesh.owned
        g = m.mesh.comm.reduce_named(sums={"rhs": float(xp.sum(owned(rhs))), "trial": float(xp.sum(owned(self.trial)))},
                                     minima={"n_min": float(xp.min(owned(self.trial)))})
        if g["n_min"] < 0.0:
            return self.fallback(dt, t)
        cells = math.prod(m.mesh.global_shape)
        self.trial[interior] += (g["rhs"] / shift - g["trial"]) / cells        # the mean of the exact solve
        self.density_previous[...] = m.density
        self.explicit_previous[...] = self.explicit
        m.density[interior] = self.trial[interior]
        out = self.signals(dt, t, ratio)
        out["first_order"] = 0.0
        out["iterations_n"] = float(r.iterations)
        return out

    def fallback(self, dt, t):
        """imex1 steps at half the positivity bound over [t, t + dt]; BDF2 restarts."""
        m = self.m
        substeps = max(1, math.ceil(2.0 * dt * m.last_rate))
        h = dt / substeps
        for j in range(substeps):
            rate = m.last_rate if j == 0 else m.survey()["rate"]
            if h * rate > 1.0:
                raise NumericalError(f"sbdf2 fallback: dt = {h:.4g} exceeds the positivity bound "
                                     f"{1.0 / rate:.4g} at step {m.step_index}: lower chemotaxis.cfl")
            out = Euler.step(self, h, t + j * h)
        self.dt_previous = 0.0
        out["first_order"] = 1.0
        out["iterations_n"] = 0.0
        return out


SCHEMES = {"imex1": Euler, "imex2": HeunBDF2, "sbdf2": SBDF2}
