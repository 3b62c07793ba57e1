"""Plasma parameters in TF-PIC's normalised units, from the physical inputs decks may give.

Units: c = 1, time in 1/omega_pe, length in d_e = c/omega_pe, mass in m_e, charge in e, momentum u = gamma v
in m_e c, temperature in m_e c^2, fields in m_e c omega_pe / e, density in the reference n_0 (the electron
density that defines omega_pe). In these units the background field B_0 equals Omega_ce / omega_pe and

    beta_e = 2 n_e T_e / B_0^2       (Gaussian 8 pi n T / B^2, or SI 2 mu_0 n T / B^2)

so any two of beta_e, omega_pe/Omega_ce and theta_e = T_e / m_e c^2 fix the third. Derived: thermal speeds
v_th,s = sqrt(T_s / m_s), Debye length lambda_De = v_th,e (in d_e), gyro-frequencies Omega_cs = |q_s| B_0 / m_s,
gyro-radii v_th,s / Omega_cs, proton skin depth d_p = sqrt(m_p / m_e) d_e (n_p = n_e), and, for a mesh and step,
cells per Debye length and the Courant number dt / dt_max of the Yee scheme.
"""
import math
from dataclasses import asdict, dataclass

from ..errors import InputError
from ..io.openpmd import ELECTRON_MASS_SI, ELEMENTARY_CHARGE_SI, SPEED_OF_LIGHT_SI
from .fields import courant_limit

PROTON_ELECTRON_MASS_RATIO = 1836.15267343   # CODATA 2018


@dataclass(frozen=True)
class PlasmaParameters:
    beta_e: float
    wpe_over_wce: float
    theta_e: float            # T_e / m_e c^2
    mass_ratio: float         # m_p / m_e
    temperature_ratio: float  # T_p / T_e

    @classmethod
    def from_inputs(cls, beta_e=None, wpe_over_wce=None, theta_e=None, mass_ratio=PROTON_ELECTRON_MASS_RATIO,
                    temperature_ratio=1.0, key="pic.plasma"):
        """Complete (beta_e, omega_pe/Omega_ce, theta_e) from exactly two of them."""
        given = {"beta_e": beta_e, "wpe_over_wce": wpe_over_wce, "theta_e": theta_e}
        if sum(v is not None for v in given.values()) != 2:
            raise InputError("give exactly two of beta_e, wpe_over_wce, theta_e "
                             f"(got {', '.join(k for k, v in given.items() if v is not None) or 'none'})", key)
        for name, value in given.items():
            if value is not None and not value > 0:
                raise InputError(f"{name} must be > 0, got {value}", key)
        if beta_e is None:
            beta_e = 2.0 * theta_e * wpe_over_wce**2
        elif wpe_over_wce is None:
            wpe_over_wce = math.sqrt(beta_e / (2.0 * theta_e))
        else:
            theta_e = 0.5 * beta_e / wpe_over_wce**2
        if theta_e >= 1.0:
            raise InputError(f"theta_e = T_e / m_e c^2 = {theta_e:.3g}: the plasma would be relativistically hot",
                             key)
        return cls(beta_e, wpe_over_wce, theta_e, mass_ratio, temperature_ratio)

    @property
    def b0(self):
        """Background field in normalised units (= Omega_ce / omega_pe)."""
        return 1.0 / self.wpe_over_wce

    def derived(self, spacing=None, dt=None):
        """The derived quantities (normalised units), plus resolution figures for a mesh spacing and step."""
        v_the = math.sqrt(self.theta_e)
        theta_p = self.theta_e * self.temperature_ratio
        v_thp = math.sqrt(theta_p / self.mass_ratio)
        omega_ce, omega_cp = self.b0, self.b0 / self.mass_ratio
        out = dict(asdict(self), b0=self.b0, theta_p=theta_p, v_th_e=v_the, v_th_p=v_thp, debye_length=v_the,
                   omega_ce=omega_ce, omega_cp=omega_cp, gyroradius_e=v_the / omega_ce,
                   gyroradius_p=v_thp / omega_cp, skin_depth_p=math.sqrt(self.mass_ratio),
                   beta_p=self.beta_e * self.temperature_ratio)
        if spacing is not None:
            out["cells_per_debye_length"] = v_the / max(spacing)
        if spacing is not None and dt is not None:
            out["courant_number"] = dt / courant_limit(spacing)
            out["dt_omega_ce"] = dt * omega_ce
        return out


VACUUM_PERMITTIVITY_SI = 8.8541878128e-12    # CODATA 2018


@dataclass(frozen=True)
class OutputUnits:
    """SI values of the normalised units for a reference density n_0 (m^-3): omega_pe = sqrt(n_0 e^2 /
    (eps_0 m_e)), d_e = c / omega_pe; E in m_e c omega_pe / e (V/m), B in m_e omega_pe / e (T), J in e n_0 c
    (A/m^2), rho in e n_0 (C/m^3)."""

    length: float
    time: float
    electric: float
    magnetic: float
    current: float
    charge_density: float

    @classmethod
    def from_density(cls, n0):
        e, m, c = ELEMENTARY_CHARGE_SI, ELECTRON_MASS_SI, SPEED_OF_LIGHT_SI
        wpe = math.sqrt(n0 * e * e / (VACUUM_PERMITTIVITY_SI * m))
        return cls(c / wpe, 1.0 / wpe, m * c * wpe / e, m * wpe / e, e * n0 * c, e * n0)
