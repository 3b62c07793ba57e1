"""Thermodynamic descriptions and transport coefficients of the phase-field family, and the analytical
results the validation ladder compares with (dimensionless: see `scales`).

  bm1        PFHub benchmark 1: f = rho (c - c_a)^2 (c_b - c)^2, rho = 5, c_a = 0.3, c_b = 0.7, kappa = 2, M = 5
  two_phase  f = A (c - c_a(T))^2 (c_b(T) - c)^2, c_a(T) = c_a + c_a' (T - T_ref), c_b likewise (linear in T)
  ideal      f = T (c ln c + (1 - c) ln(1 - c)): mu = T ln(c / (1 - c)) (reference mu0(T) = 0: in the
             constant-temperature convention a reference potential of T alone drops out of the flux)

Two-phase equilibrium. The double well has equal minima f = 0 at c_a(T) and c_b(T), so the common tangent is
horizontal at every T: mu_eq(T) = 0, and the phases in local equilibrium have c = c_eq(T(x)). The gradient of
mu at constant temperature in such a phase is (grad mu)_T = f_cc(c_eq) grad c = f_cc(c_eq) c_eq'(T) grad T,
with f_cc(c_a) = f_cc(c_b) = 2 A (c_b - c_a)^2. This is the "dmu_eq/dT" of the constant-T convention, so

  Darken-Oriani flux through a phase held at c_eq(T):  J = -M [ 2 A (c_b - c_a)^2 c_eq'(T) + Q*/T ] G
  1-D precipitate (beta in alpha, alpha flux-free: c_a' = 0, Q*_a = 0):  v = J_beta / (c_b - c_a)
      v = -M_beta G [ 2 A (c_b - c_a)^2 c_b' + Q*_beta / T ] / (c_b - c_a)

(solute flows through the particle, deposits at the leading interface and is taken from the trailing one).
Q* < 0 with G > 0 drives solute, and the particle, toward the hot end. Ideal single phase: the flux is
Shewmon's J = -D [grad c + c (1 - c) Q* grad T / T^2] with steady state c / (1 - c) ~ exp(Q* / T).
"""
import math
from dataclasses import dataclass

from ..kernels.phasefield import phasefield_elements as el

# Diffusion of interstitials in iron (D0 in m^2/s, Qd in J/mol) with their sources; Q* values are inputs.
SOLUTES = {
    "C_in_alpha_Fe": (1.1e-6, 87.4e3, "Callister & Rethwisch, Materials Science and Engineering, Table 5.2"),
    "C_in_gamma_Fe": (2.3e-5, 148.0e3, "Callister & Rethwisch, Materials Science and Engineering, Table 5.2"),
    "N_in_alpha_Fe": (6.6e-7, 77.9e3, "Fast & Verrijp, J. Iron Steel Inst. 176 (1954) 24"),
    "N_in_gamma_Fe": (9.1e-5, 168.6e3, "Grieveson & Turkdogan, Trans. Metall. Soc. AIME 230 (1964) 407"),
}
# Illustrative heat of transport (J/mol) where no primary value is at hand: negative, i.e. toward the hot end.
ILLUSTRATIVE_HEAT_OF_TRANSPORT = -50.0e3
BM1 = dict(rho=5.0, c_alpha=0.3, c_beta=0.7, kappa=2.0, M=5.0)


@dataclass(frozen=True)
class Thermodynamics:
    """Dimensionless constants of the free energy, the mobility and the heat of transport."""

    model: int             # el.DOUBLE_WELL or el.IDEAL
    a: float               # double-well height A (rho)
    ca0: float
    ca1: float             # dc_a/dT
    cb0: float
    cb1: float             # dc_b/dT
    t_ref: float
    kappa: float
    mobility: int          # el.CONSTANT_MOBILITY or el.DILUTE_MOBILITY
    m0: float              # constant M, or the prefactor of the dilute mobility (D~ at T~ = 1)
    qd: float              # dimensionless activation energy of D (dilute mobility)
    q_alpha: float         # heat of transport in the alpha (matrix) and beta phases
    q_beta: float

    def free_energy_args(self):
        return (self.model, self.a, self.ca0, self.ca1, self.cb0, self.cb1, self.t_ref)

    def transport_args(self):
        return (self.mobility, self.m0, self.qd, self.q_alpha, self.q_beta, self.ca0, self.ca1, self.cb0,
                self.cb1, self.t_ref)

    def compositions(self, t):
        return el.equilibrium_compositions(t, self.ca0, self.ca1, self.cb0, self.cb1, self.t_ref)

    def diffusivity(self, t):
        """Dimensionless D(T) of the dilute mobility."""
        return self.m0 * math.exp(-self.qd * (1.0 / t - 1.0))

    def well_curvature(self, t):
        """f_cc at either equilibrium composition of the double well: 2 A (c_b - c_a)^2."""
        ca, cb = self.compositions(t)
        return 2.0 * self.a * (cb - ca) ** 2

    def darken_oriani_flux(self, t, gradient, phase):
        """Steady flux through a phase held at its equilibrium composition c_eq(T) (module docstring)."""
        slope, heat = (self.ca1, self.q_alpha) if phase == "alpha" else (self.cb1, self.q_beta)
        return -self.m0 * (self.well_curvature(t) * slope + heat / t) * gradient

    def migration_velocity(self, t, gradient):
        """Velocity of a 1-D beta precipitate in a flux-free alpha matrix (module docstring)."""
        ca, cb = self.compositions(t)
        return self.darken_oriani_flux(t, gradient, "beta") / (cb - ca)

    def stabilising_diffusivity(self, t_max):
        """The diffusivity of the stabilising term: M max f''/2 on [c_a, c_b] (double well), max D (ideal)."""
        if self.model == el.IDEAL:
            return self.diffusivity(t_max)
        return self.m0 * 0.5 * self.well_curvature(self.t_ref)

    def largest_mobility(self, t_min, t_max):
        """An upper bound of M (for the fourth-order term of the stabilised operator and explicit limits)."""
        if self.mobility == el.DILUTE_MOBILITY:
            return 0.25 * self.diffusivity(t_max) / t_min
        return self.m0
