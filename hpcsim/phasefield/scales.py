"""The non-dimensional form of the phase-field family and its scales.

Equations are solved in units of a length l, a temperature T_u, a molar energy R T_u and a time tau:

    c~ = c,  x~ = x / l,  T~ = T / T_u,  mu~ = mu / (R T_u),  Q*~ = Q* / (R T_u),  t~ = t / tau,
    M~ = M R T_u tau / l^2   (M in mol^2 m^2 / (J m^3 s) per mole fraction: J in mole fraction * m / s)

For the ideal interstitial description the inputs are physical (T in K, Q* and Qd in J/mol, D0 in m^2/s,
lengths in units of `length_unit` metres): T_u = T0, tau = l^2 / D(T0), D(T0) = D0 exp(-Qd / (R T0)), and the
dimensionless diffusivity is D~(T~) = exp(-(Qd / (R T_u)) (1/T~ - 1)). For `bm1` and `two_phase` the inputs are
already dimensionless and every scale is 1.
"""
import math
from dataclasses import dataclass

GAS_CONSTANT = 8.314462618   # J / (mol K)


@dataclass(frozen=True)
class Scales:
    length: float = 1.0        # m per length unit (1: dimensionless)
    time: float = 1.0          # s per time unit
    temperature: float = 1.0   # K per temperature unit
    energy: float = 1.0        # J/mol per energy unit (R T_u)
    physical: bool = False     # whether the numbers above are SI

    def describe(self):
        if not self.physical:
            return "dimensionless (PFHub-style units: lengths, times and energies as given in the deck)"
        return (f"lengths in l = {self.length:.6g} m, time in tau = l^2/D(T0) = {self.time:.6g} s, temperature in "
                f"T0 = {self.temperature:.6g} K, energy in R T0 = {self.energy:.6g} J/mol")


def ideal_scales(length_unit, t0, d0, qd):
    """Scales of the ideal description: (Scales, dimensionless activation energy Qd / (R T0))."""
    diffusivity = d0 * math.exp(-qd / (GAS_CONSTANT * t0))
    scales = Scales(length_unit, length_unit**2 / diffusivity, t0, GAS_CONSTANT * t0, True)
    return scales, qd / (GAS_CONSTANT * t0)
