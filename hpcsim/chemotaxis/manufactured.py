"""A manufactured solution of the chemotaxis system, for convergence tests (chemotaxis.manufactured = true).

With phi = prod_a cos(k_a x_a) (the `modes` eigenfunction, -Lap phi = mu phi) and A the deck's amplitude:

    n* = n_bar + a(t) phi,   c* = b(t) phi,   w* = a(t) phi,     a = A e^{-t},  b = A e^{-t} / 2

solve the system with the forcing terms
    f_n = a' phi + mu a phi + chi b (a |grad phi|^2 - (n_bar + a phi) mu phi)
    f_c = eps b' phi + (1 + mu) b phi - s*             (s* = w*, or n* for direct signalling)
    f_w = eps a' phi + (1 + tau mu) a phi - n*
added to the right-hand sides (dn/dt = ... + f_n, eps dc/dt = ... + f_c, eps dw/dt = ... + f_w). The solution is
smooth and the same for every eps, so its errors measure the scheme's order uniformly in eps.

The initial signals are the discretely prepared ones (`prepared_signals`): c*, w* plus the O(h^2) corrections
that put the discrete signal equations on their slow manifold at t = 0 (phi is an eigenfunction of the discrete
-Lap too, with mu_h = sum_a (4/h_a^2) sin^2(k_a h_a / 2)). Starting from c*, w* themselves would give the
discrete solution an initial layer of amplitude O(h^2) and width eps, which adds an O(h^2 min(dt, eps)) term to
the time error of any scheme and hides a second-order time step's order on a fixed mesh.
"""
import math

import numpy as np

from .initial import eigenvalue, mode_shape, wavenumbers


class Manufactured:
    def __init__(self, mesh, p, indirect):
        self.mesh, self.indirect = mesh, indirect
        self.n_bar, self.A, self.eps, self.tau, self.chi = p["n_bar"], p["amplitude"], p["eps"], p["tau"], p["chi"]
        k = wavenumbers(mesh, p["modes"])
        self.mu = sum(v * v for v in k)
        self.mu_h = eigenvalue(mesh, p["modes"])
        self.phi = mode_shape(mesh, p["modes"])
        coords = mesh.coordinates()
        grad2 = np.zeros(mesh.local_shape)
        for a in range(mesh.ndim):
            others = np.ones(mesh.local_shape)
            for b in range(mesh.ndim):
                if b != a:
                    others = others * np.cos(k[b] * (coords[b] - mesh.origin[b])) ** 2
            grad2 = grad2 + k[a] ** 2 * np.sin(k[a] * (coords[a] - mesh.origin[a])) ** 2 * others
        self.grad2 = grad2

    def amplitudes(self, t):
        a = self.A * math.exp(-t)
        return a, 0.5 * a

    def exact(self, t):
        """(n*, c*, w*) on the owned cells at time t."""
        a, b = self.amplitudes(t)
        return self.n_bar + a * self.phi, b * self.phi, a * self.phi

    def prepared_signals(self):
        """(c, w) at t = 0 on the owned cells: c*, w* plus the discrete slow-manifold corrections (docstring)."""
        a, b = self.amplitudes(0.0)
        gap = self.mu - self.mu_h
        dw = self.tau * gap * a / (1.0 + self.tau * self.mu_h) if self.indirect else 0.0
        dc = (gap * b + dw) / (1.0 + self.mu_h)
        return (b + dc) * self.phi, (a + dw) * self.phi

    def density_forcing(self, t):
        a, b = self.amplitudes(t)
        phi, mu = self.phi, self.mu
        return -a * phi + mu * a * phi + self.chi * b * (a * self.grad2 - (self.n_bar + a * phi) * mu * phi)

    def signal_forcing(self, t):
        """(f_c, f_w) at time t."""
        a, b = self.amplitudes(t)
        n, _, w = self.exact(t)
        f_c = -self.eps * b * self.phi + (1.0 + self.mu) * b * self.phi - (w if self.indirect else n)
        f_w = -self.eps * a * self.phi + (1.0 + self.tau * self.mu) * a * self.phi - n
        return f_c, f_w
