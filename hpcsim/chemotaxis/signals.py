"""The implicit signal update of one IMEX step: backward Euler (or variable-step BDF2) for the signal equations,
given the new density.

    ((1 + s) I - tau Lap) w' = s w + n'        s = eps / dt  (s = 0: the elliptic solves of eps = 0)
    ((1 + s) I -     Lap) c' = s c + w'        (direct signalling: s c + n')

BDF2 with the step ratio r = dt / dt_previous and the previous signals w_-, c_- (`bdf2_coefficients`):

    ((1 + a0 s) I - tau Lap) w' = s (a1 w - a2 w_-) + n',   a0 = (1 + 2r)/(1 + r), a1 = 1 + r, a2 = r^2/(1 + r)

and likewise for c (a0 = a1 = 1, a2 = 0 is backward Euler). Both are L-stable, so eps -> 0 gives the elliptic
solves of eps = 0 (no eps in the error constant).

Each is a Helmholtz (shifted Laplacian) solve of the geometry (`geometry`: on a Cartesian box the spectral
DFT/DCT solve on one rank with periodic / no-flux faces, else the [solver] section's Krylov method, warm-started
from the old signal; on a radial mesh a banded direct solve); tau = 0 makes the w update pointwise. The
operators depend on dt only through the shift 1 + a0 s, so their solvers are kept per shift (a few: the
controller's steps are quantised, output times shorten single steps), and small eps makes the shift smaller, the
operators no stiffer than the elliptic ones of eps = 0.
"""
from ..errors import NumericalError

KEPT = 9
BACKWARD_EULER = (1.0, 1.0, 0.0)


def bdf2_coefficients(ratio):
    """(a0, a1, a2) of variable-step BDF2, y' = f: a0 y' - a1 y + a2 y_- = dt f(y'), for dt = ratio dt_previous."""
    return (1.0 + 2.0 * ratio) / (1.0 + ratio), 1.0 + ratio, ratio * ratio / (1.0 + ratio)


class SignalUpdate:
    def __init__(self, geometry, eps, tau, indirect):
        self.geometry, self.mesh, self.backend = geometry, geometry.mesh, geometry.backend
        self.eps, self.tau, self.indirect = eps, tau, indirect
        self.rhs = self.mesh.zeros(self.backend.xp)
        self.solvers = {}

    def solver(self, shift, diffusivity):
        """The solver of (shift I - diffusivity Lap), built once per (shift, diffusivity)."""
        key = (shift, diffusivity)
        if key not in self.solvers:
            if len(self.solvers) >= KEPT:
                self.solvers.pop(next(iter(self.solvers)))
            self.solvers[key] = self.geometry.helmholtz(shift, diffusivity)
        return self.solvers[key]

    def advance(self, n, c, w, dt, forcing=None, previous=None):
        """c, w at the new time from the new density n (dt = None: the elliptic solves, s = 0), with the
        optional forcing (f_c, f_w) of the owned cells added to the right-hand sides; `previous` = (ratio, c_-,
        w_-) makes it a BDF2 step (c_-, w_- are then overwritten with the current c, w). Returns the Krylov
        iterations {iterations_w, iterations_c}."""
        s = self.eps / dt if dt else 0.0
        a0, a1, a2 = BACKWARD_EULER if previous is None else bdf2_coefficients(previous[0])
        out = {}
        source = n
        if self.indirect:
            self.history(w, s, a1, a2, previous, 2)
            self.rhs[...] += n
            self.force(forcing, 1)
            if self.tau > 0.0:
                out["iterations_w"] = self.solve(self.solver(1.0 + a0 * s, self.tau), w, "w")
            else:
                w[...] = self.rhs / (1.0 + a0 * s)
            source = w
        self.history(c, s, a1, a2, previous, 1)
        self.rhs[...] += source
        self.force(forcing, 0)
        out["iterations_c"] = self.solve(self.solver(1.0 + a0 * s, 1.0), c, "c")
        return out

    def history(self, u, s, a1, a2, previous, which):
        """rhs = s (a1 u - a2 u_-); u_- = u afterwards (BDF2)."""
        if previous is None:
            self.rhs[...] = s * u
            return
        old = previous[which]
        self.rhs[...] = (s * a1) * u - (s * a2) * old
        old[...] = u

    def force(self, forcing, which):
        if forcing is not None:
            self.rhs[self.mesh.interior] += self.backend.xp.asarray(forcing[which])

    def solve(self, solver, x, name):
        r = solver.solve(self.rhs, x)
        if not r.converged:
            raise NumericalError(f"the {name} solve did not reach solver.rtol in {r.iterations} iterations (true "
                                 f"relative residual {r.residual:.3e}); raise solver.max_iterations or use "
                                 "solver.preconditioner = 'multigrid'")
        return float(r.iterations)
