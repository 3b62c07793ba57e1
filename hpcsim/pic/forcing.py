"""Thermodynamic forcing of one species: the deck's gradients in both forms, and its half step.

The deck gives the bulk-velocity gradient G (3 x 3, omega_pe) or a strain rate S in units of Omega_ce
(incompressible stretching along b: G = S Omega_ce (b b - (I - b b)/2)), and the temperature gradient
g = grad ln T (omega_pe/c) or a gradient length L_T (g = b / L_T) or, with Krook collisions at rate nu, the
Knudsen number lambda_mfp / L_T (lambda_mfp = v_th / nu, v_th = sqrt(T/m)). Both forms are reported:
`parameters()` gives G, g, S = (b . G b) / Omega_ce, L_T = 1/|g| and lambda_mfp/L_T.

The pusher applies the exact forcing flow over dt/2 before and after the Lorentz step (Strang splitting,
`kernels/pic_elements.push_forced_move_at`; each half is G over dt/4, g over dt/2, G over dt/4, so either
gradient alone advances by its exact flow). `coefficients` are the kernel's 14 numbers.
"""
import math

import numpy as np
from scipy.linalg import expm
from scipy.special import kve

from ..kernels.pic.forcing_elements import RELATIVISTIC
from .deck import forcing_temperature, species_mass


def relativistic_k0(theta):
    """h_J(theta) - theta, h_J = K_3(1/theta) / K_2(1/theta) the enthalpy per particle of a Maxwell-Juttner
    plasma in m c^2 (exponentially scaled Bessel functions: no overflow at small theta): the mean gamma of that
    plasma, the constant of the relativistic temperature forcing du/dt = (k0 - gamma) g."""
    return kve(3, 1.0 / theta) / kve(2, 1.0 / theta) - theta


def forced(s):
    """Whether a resolved [[species]] table asks for forcing (switched on and with a gradient)."""
    return s["forcing"] and any(k in s for k in ("velocity_gradient", "strain_rate_wce", "temperature_gradient",
                                                  "gradient_length", "mfp_over_gradient_length"))


class Forcing:
    def __init__(self, s, p, b0, b_hat):
        self.mass = species_mass(s, p)
        self.temperature = forcing_temperature(s, p, "species")
        self.omega_c = math.sqrt(sum(v * v for v in b0)) * abs(s["charge"]) / self.mass
        b = np.asarray(b_hat, dtype=float)
        self.nu = s["krook_rate"]
        if "strain_rate_wce" in s:
            bb = np.outer(b, b)
            self.G = s["strain_rate_wce"] * self.omega_c * (bb - 0.5 * (np.eye(3) - bb))
        else:
            self.G = np.asarray(s.get("velocity_gradient", np.zeros((3, 3))), dtype=float)
        v_th = math.sqrt(self.temperature / self.mass)
        if "gradient_length" in s:
            self.g = b / s["gradient_length"]
        elif "mfp_over_gradient_length" in s:
            self.g = b * s["mfp_over_gradient_length"] * self.nu / v_th
        else:
            self.g = np.asarray(s.get("temperature_gradient", [0.0, 0.0, 0.0]), dtype=float)
        self.b, self.v_th = b, v_th
        self.velocity = bool(np.any(self.G))
        norm = float(np.linalg.norm(self.g))
        self.temperature_on = norm > 0.0
        self.relativistic = s["forcing_model"] == "relativistic"
        self.temperature_mode = (RELATIVISTIC if self.relativistic else 1) if self.temperature_on else 0
        self.ghat = tuple(self.g / norm) if self.temperature_on else (1.0, 0.0, 0.0)
        self._coefficients = {}

    def coefficients(self, dt, xp):
        """The pusher's 14 numbers for step dt (expm(-G dt/4) row by row, g_hat, |g| dt/4, k0), built once per
        (dt, array module); k0 = 3T/(2m), or h_J(theta) - theta of the relativistic form (`relativistic_k0`)."""
        key = (dt, xp.__name__)
        if key not in self._coefficients:
            norm = float(np.linalg.norm(self.g))
            theta = self.temperature / self.mass
            k0 = relativistic_k0(theta) if self.relativistic else 1.5 * theta
            self._coefficients[key] = xp.asarray(np.concatenate([expm(-self.G * dt / 4.0).ravel(), self.ghat,
                                                                 [norm * dt / 4.0, k0]]))
        return self._coefficients[key]

    def parameters(self, name):
        """Both forms of each drive that is on, for the output."""
        out = {f"forcing_reference_temperature_{name}": self.temperature}
        if self.velocity:
            out.update({f"forcing_G{i}{j}_{name}": float(self.G[i, j]) for i in range(3) for j in range(3)})
            if self.omega_c > 0:
                out[f"strain_rate_wce_{name}"] = float(self.b @ self.G @ self.b) / self.omega_c
        if self.temperature_on:
            norm = float(np.linalg.norm(self.g))
            out.update({f"forcing_g{c}_{name}": float(self.g[a]) for a, c in enumerate("xyz")})
            out[f"gradient_length_{name}"] = 1.0 / norm
            if self.nu > 0:
                out[f"mfp_over_gradient_length_{name}"] = self.v_th / self.nu * norm
        return out
