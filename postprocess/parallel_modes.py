"""Linear theory of parallel-propagating electromagnetic modes in a bi-Maxwellian electron-proton plasma:
the whistler (electron-cyclotron) branch and its temperature-anisotropy instability (T_perp > T_par), and the
parallel electron firehose (T_par > T_perp).

Units as in TF-PIC: c = 1, frequencies in omega_pe, wavenumbers in omega_pe / c, temperatures in m_e c^2,
masses in m_e; B_0 = Omega_ce / omega_pe = 1 / (omega_pe / Omega_ce). Non-relativistic Vlasov-Maxwell with
k parallel to B_0, no drifts. For circular polarisation sigma = +1 (right-hand, R) or -1 (left-hand, L):

    D(omega, k) = omega^2 - k^2 + sum_s omega_ps^2 [ omega / (k w_s) Z(xi_s) + (A_s - 1)(1 + xi_s Z(xi_s)) ] = 0,
    xi_s = (omega + sigma Omega_s) / (k w_s),   w_s = sqrt(2 T_par,s / m_s),   A_s = T_perp,s / T_par,s,

Omega_s = q_s B_0 / m_s signed (negative for electrons), Z the plasma dispersion function (Fried & Conte,
`theory.plasma_z`, scipy.special.wofz) analytic in the whole complex plane, so damped roots are Landau roots
(Stix 1992, ch. 11; Gary 1993, ch. 7). Cold limit: Z(xi) -> -1/xi gives n^2 = k^2/omega^2 = 1 -
sum_s omega_ps^2 / (omega (omega + sigma Omega_s)), Stix's R (sigma = +1: resonance at omega = |Omega_e|) and L.

Root finding: secant iteration in the complex omega plane (scipy.optimize.newton without derivative, which
handles complex numbers) from an initial guess, then continuation in k (each root seeds the next k).
Initial guesses: the whistler branch starts from the cold R-mode root with 0 < omega < |Omega_e| (a real root
of the quartic that clears the denominators) plus a small positive imaginary part; the firehose branch
(left-hand, omega_r and gamma of order the proton gyrofrequency, at k d_e ~ 0.01-0.1) starts from the genuine
root with the largest growth among secant runs from a grid of guesses omega = Omega_p (x + i y) at the
smallest k of the scan, followed upwards.

Heat-flux skew (electrons, R polarisation; `skew` of `dispersion`, `root`, `whistler_branch`): the electron
distribution f_biM [1 + eps x (x^2/2 + y^2/2 - 5/2)], x = v_par / sqrt(T_par/m), y = v_perp / sqrt(T_perp/m),
is the first Chapman-Enskog correction of a temperature gradient along B_0: no current, heat flux q_par =
(eps/2) n (3 T_par + 2 T_perp) sqrt(T_par/m) along +B_0 for eps > 0 (a wave along -B_0 in a plasma of skew eps
is the mirror image of one along +B_0 at -eps). Its term in D, linear in eps, follows from the general
response of a gyrotropic f = f_biM sum a_ij x^i y^2j,

    I = int d^3v (v_perp/2)[(omega - k v_par) df/dv_perp + k v_perp df/dv_par] / (omega - k v_par + Omega_e)
      = -(1/(k w)) sum_n c_n Z_n(xi),    Z_n(xi) = pi^-1/2 int t^n exp(-t^2) / (t - xi) dt,

(v_par = w t; c_n the coefficients of the v_perp-integrated numerator, a polynomial in x; Z_0 = Z and Z_{n+1} =
xi Z_n + pi^-1/2 int t^n exp(-t^2) dt, so the continuation is that of Z), with a_ij = 1 for i = j = 0 the
bi-Maxwellian term above. An immobile ion background is `mass_ratio = math.inf`.
"""
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar, newton

from .theory import plasma_z

PROTON_ELECTRON_MASS_RATIO = 1836.15267343


@dataclass(frozen=True)
class BiMaxwellianPlasma:
    """Electron-proton plasma: beta_e_par = 2 n T_e,par / B_0^2, omega_pe / Omega_ce, anisotropies
    A_s = T_perp,s / T_par,s, and T_p,par / T_e,par."""

    beta_e_par: float
    wpe_over_wce: float
    anisotropy_e: float
    mass_ratio: float = PROTON_ELECTRON_MASS_RATIO
    temperature_ratio: float = 1.0
    anisotropy_p: float = 1.0

    @property
    def b0(self):
        return 1.0 / self.wpe_over_wce

    @property
    def theta_e_par(self):
        return 0.5 * self.beta_e_par * self.b0**2

    def species(self):
        """(omega_ps^2, signed Omega_s, w_s, A_s) of electrons and protons."""
        mu, b0, theta = self.mass_ratio, self.b0, self.theta_e_par
        return ((1.0, -b0, math.sqrt(2.0 * theta), self.anisotropy_e),
                (1.0 / mu, b0 / mu, math.sqrt(2.0 * theta * self.temperature_ratio / mu), self.anisotropy_p))


GAUSS_MOMENTS = (1.0, 0.0, 0.5, 0.0, 0.75, 0.0)      # pi^-1/2 int t^n exp(-t^2) dt, n = 0..5
HEAT_FLUX_SKEW = {(3, 0): 0.5, (1, 1): 0.5, (1, 0): -2.5}     # a_ij / eps of the Chapman-Enskog skew


def _skew_numerator(omega, k, w_par, w_perp):
    """c_n (n = 0..5) of int d^2v_perp (v_perp/2)[(omega - k v_par) df/dv_perp + k v_perp df/dv_par] / g(x) for
    f = f_biM sum a_ij x^i y^2j with the a_ij of HEAT_FLUX_SKEW (x, y in units of the spreads w_par, w_perp;
    g the unit Gaussian in x; <y^2j> = 2^j j! over the plane)."""
    c = np.zeros(len(GAUSS_MOMENTS), dtype=complex)
    for (i, j), a in HEAT_FLUX_SKEW.items():
        m_j, m_j1 = 2.0 ** j * math.factorial(j), 2.0 ** (j + 1) * math.factorial(j + 1)
        perp = 0.5 * a * (2 * j * m_j - m_j1)               # (1/2)(omega - k w_par x) x^i [2j M_j - M_j+1]
        c[i] += perp * omega
        c[i + 1] -= perp * k * w_par
        par = a * k * w_perp ** 2 / (2.0 * w_par) * m_j1     # (k w_perp^2 / 2 w_par)[i x^(i-1) - x^(i+1)] M_j+1
        if i > 0:
            c[i - 1] += par * i
        c[i + 1] -= par
    return c


def heat_flux_skew_response(omega, k, plasma):
    """dD/d eps: the electron term of the heat-flux skew per unit eps (module docstring; k > 0, R mode)."""
    wp2, gyro, w, anisotropy = plasma.species()[0]
    w_par = w / math.sqrt(2.0)
    xi = (omega + gyro) / (k * w)
    z_n, total = plasma_z(xi), 0.0
    for n, cn in enumerate(_skew_numerator(omega, k, w_par, math.sqrt(anisotropy) * w_par)):
        total += cn * 2.0 ** (0.5 * n) * z_n                 # x^n = (sqrt 2 t)^n
        z_n = xi * z_n + GAUSS_MOMENTS[n]
    return -wp2 * total / (k * w)


def dispersion(omega, k, plasma, polarization=+1, skew=0.0):
    """D(omega, k) of the module docstring (complex omega, k > 0, polarization +1 = R, -1 = L; `skew` eps of
    the electrons' heat-flux skew, R only)."""
    out = omega * omega - k * k
    for wp2, gyro, w, anisotropy in plasma.species():
        if wp2 == 0.0:
            continue                                          # immobile species
        xi = (omega + polarization * gyro) / (k * w)
        z = plasma_z(xi)
        out += wp2 * (omega / (k * w) * z + (anisotropy - 1.0) * (1.0 + xi * z))
    if skew:
        if polarization != +1:
            raise ValueError("the heat-flux skew is implemented for the R mode (polarization = +1)")
        out += skew * heat_flux_skew_response(omega, k, plasma)
    return out


def cold_frequencies(k, plasma, polarization=+1):
    """Real positive roots omega of the cold relation omega^2 - k^2 = sum_s omega_ps^2 omega / (omega + sigma
    Omega_s), i.e. the quartic (omega^2 - k^2)(omega + a)(omega + b) - omega [wp_e^2 (omega + b) +
    wp_p^2 (omega + a)] = 0 with a, b = sigma Omega_e, sigma Omega_p; sorted."""
    (wpe2, ge, _, _), (wpp2, gp, _, _) = plasma.species()
    a, b = polarization * ge, polarization * gp
    quad = np.polynomial.Polynomial([-k * k, 0.0, 1.0])
    poly = quad * np.polynomial.Polynomial([a, 1.0]) * np.polynomial.Polynomial([b, 1.0]) \
        - np.polynomial.Polynomial([0.0, 1.0]) * (wpe2 * np.polynomial.Polynomial([b, 1.0])
                                                 + wpp2 * np.polynomial.Polynomial([a, 1.0]))
    roots = poly.roots()
    return np.sort([r.real for r in roots if abs(r.imag) < 1e-9 * (1 + abs(r)) and r.real > 0])


def cold_whistler(k, plasma):
    """The cold R-mode frequency on the whistler branch, 0 < omega < |Omega_e|."""
    limit = plasma.b0
    below = [w for w in cold_frequencies(k, plasma, +1) if w < limit]
    if not below:
        raise ValueError(f"no cold whistler root at k = {k}")
    return max(below)


def root(k, plasma, guess, polarization=+1, skew=0.0):
    """The root of D(omega, k) = 0 reached by the complex secant iteration from `guess`."""
    scale = max(abs(guess), 1e-12)
    value = newton(lambda w: dispersion(w, k, plasma, polarization, skew), complex(guess), tol=1e-12 * scale,
                   maxiter=200)
    return complex(value)


def whistler_branch(ks, plasma, skew=0.0):
    """Complex omega(k) on the whistler branch for increasing wavenumbers `ks` (continuation from the cold
    root, see the module docstring), with the electrons' heat-flux skew eps. Where the branch is lost
    (strongly damped at large k, the secant iteration stops converging) the remaining entries are NaN."""
    out, guess = np.full(len(ks), complex(np.nan, np.nan)), None
    for i, k in enumerate(ks):
        if guess is None:
            guess = cold_whistler(k, plasma) + 1e-3j * plasma.b0
        try:
            guess = root(k, plasma, guess, +1, skew)
        except RuntimeError:
            break
        out[i] = guess
    return out


FIREHOSE_REACH = 40.0     # |omega| / Omega_p above which a left-hand root is not the firehose


def _firehose_seed(k, plasma, grid_x, grid_y):
    """The fastest genuine firehose root at k from a grid of guesses Omega_p (x + i y), or None."""
    omega_p = plasma.b0 / plasma.mass_ratio
    best = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in grid_x:
            for y in grid_y:
                try:
                    w = root(k, plasma, omega_p * complex(x, y), -1)
                except (RuntimeError, OverflowError, ZeroDivisionError):
                    continue
                if (np.isfinite(w) and w.real >= 0.0 and abs(w) < FIREHOSE_REACH * omega_p
                        and abs(dispersion(w, k, plasma, -1)) < 1e-8 * (abs(w) ** 2 + k * k)
                        and (best is None or w.imag > best.imag)):
                    best = w
    return best


def firehose_branch(ks, plasma, grid_x=(0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0), grid_y=(0.3, 2.0, 10.0, 50.0),
                    seeds=8):
    """Complex omega(k) of the parallel electron firehose (left-hand polarisation, omega_r of order Omega_p)
    for increasing `ks`. At `seeds` wavenumbers spread over `ks`, the fastest genuine root (|D| small relative
    to omega^2 + k^2, 0 <= Re omega, |omega| < 40 Omega_p so that the high-frequency left-hand roots of hot
    plasmas are not taken) from a grid of guesses Omega_p (x + i y); the fastest of these seeds the branch,
    followed by continuation to both sides (NaN where it is lost). The firehose is unstable in a band of k
    only, so seeding at one end of the scan could follow a damped root that never joins it."""
    picks = np.unique(np.linspace(0, len(ks) - 1, min(seeds, len(ks))).astype(int))
    found = [(i, w) for i in picks if (w := _firehose_seed(ks[i], plasma, grid_x, grid_y)) is not None]
    if not found:
        raise ValueError(f"no firehose root found for k = {ks[0]:.4g} .. {ks[-1]:.4g}")
    start, omega = max(found, key=lambda item: item[1].imag)
    out = np.full(len(ks), complex(np.nan, np.nan))
    out[start] = omega
    for direction in (1, -1):
        guess, i = omega, start + direction
        while 0 <= i < len(ks):
            try:
                guess = root(ks[i], plasma, guess, -1)
            except RuntimeError:
                break
            out[i] = guess
            i += direction
    return out


def fastest_growing(plasma, branch="whistler", kmin=0.05, kmax=None, points=60):
    """(k, omega_r, gamma) of the fastest-growing mode of a branch: scan with continuation on `points`
    wavenumbers (in omega_pe / c), then a bounded Brent search around the best one (the root followed by
    continuation from its neighbour)."""
    if branch == "whistler":
        kmax = kmax or 2.0
        ks = np.linspace(kmin, kmax, points)
        omegas = whistler_branch(ks, plasma)

        def at(k, guess):
            return root(k, plasma, guess, +1)
    elif branch == "firehose":
        # the parallel electron firehose grows at k rho_e ~ 0.2-0.5 (rho_e = v_th,par / Omega_ce = sqrt(beta/2))
        kmin, kmax = min(kmin, 0.01), kmax or max(0.3, 1.0 / math.sqrt(0.5 * plasma.beta_e_par))
        ks = np.linspace(kmin, kmax, points)
        omegas = firehose_branch(ks, plasma)

        def at(k, guess):
            return root(k, plasma, guess, -1)
    else:
        raise ValueError(f"branch must be 'whistler' or 'firehose', got {branch!r}")
    best = int(np.argmax(np.where(np.isfinite(omegas), omegas.imag, -np.inf)))
    lo, hi = ks[max(best - 1, 0)], ks[min(best + 1, len(ks) - 1)]
    lo, hi = min(lo, hi), max(lo, hi)
    guess = omegas[best]
    result = minimize_scalar(lambda k: -at(k, guess).imag, bounds=(lo, hi), method="bounded",
                             options={"xatol": 1e-6 * hi})
    w = at(result.x, guess)
    return float(result.x), w.real, w.imag


def threshold_anisotropy(beta_e_par, growth, branch="whistler", wpe_over_wce=5.0, bracket=None, **kwargs):
    """The electron anisotropy T_perp/T_par at which the branch's maximum growth rate equals `growth` (in
    units of |Omega_e| for the whistler branch, of Omega_p for the firehose), by Brent's method on the
    anisotropy: what the published threshold fits (Gary & Wang 1996 for the whistler anisotropy instability)
    parametrise. Without a `bracket` the search starts next to isotropy (A = 1.02 or 0.98) and moves the
    unstable end away from 1 by doubling steps until the growth exceeds `growth` (strong anisotropies,
    where the root following is least reliable, are visited only when needed)."""
    b0 = 1.0 / wpe_over_wce
    unit = b0 if branch == "whistler" else b0 / kwargs.get("mass_ratio", PROTON_ELECTRON_MASS_RATIO)

    def excess(anisotropy):
        plasma = BiMaxwellianPlasma(beta_e_par, wpe_over_wce, anisotropy, **kwargs)
        return fastest_growing(plasma, branch)[2] / unit - growth

    if bracket is None:
        sign = 1.0 if branch == "whistler" else -1.0
        stable, step = 1.0 + 0.02 * sign, 0.1
        while True:
            unstable = 1.0 + sign * step if sign > 0 else max(1.0 - step, 0.02)
            if excess(unstable) > 0:
                break
            if step > 16.0 or unstable <= 0.02:
                raise ValueError(f"no {branch} threshold for growth {growth} at beta_e_par = {beta_e_par}")
            stable, step = unstable, 2.0 * step
        bracket = (stable, unstable) if sign > 0 else (unstable, stable)
    lo, hi = bracket
    return brentq(excess, lo, hi, xtol=1e-5)
