"""Linear theory for the TF-PIC validation ladder (spec section 3, items 2-4) and growth-rate fitting.

Units are those of the code: c = 1, omega_pe = 1 (the total electron plasma frequency of the density n_0),
time in 1/omega_pe, wavenumbers in omega_pe/c = 1/d_e, electron mass 1 and charge -1, temperatures as
theta = T/(m_e c^2) and thermal speeds v_th = sqrt(theta) (= sqrt(T/m), non-relativistic). Ions are an immobile
neutralising background throughout. With c = omega_pe = 1 the Debye length is lambda_D = v_th, so k lambda_D is
simply k v_th.

The plasma dispersion function is Z(xi) = i sqrt(pi) w(xi), with w the Faddeeva function (scipy.special.wofz),
valid in the whole complex plane (the Landau-continued Z, Fried & Conte 1961). Its derivative is
Z'(xi) = -2 [1 + xi Z(xi)], and on the positive imaginary axis Z(i y) = i sqrt(pi) exp(y^2) erfc(y), y > 0.

Functions
---------
langmuir_frequency(k, theta_e=0.0, kinetic=False)  cold, Bohm-Gross or exact kinetic Langmuir frequency
two_stream_roots(k, v0), two_stream_cold(k, v0), two_stream_fastest(v0)  cold symmetric two-stream
weibel_growth(k, theta_par, theta_perp), weibel_kmax(...), weibel_fastest(...)  kinetic electron Weibel
fit_growth_rate(t, amplitude, window=None, energy=False, tolerance=0.1)  exponential growth rate of a time series
"""
import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar, newton
from scipy.special import erfcx, wofz

SQRT_PI = math.sqrt(math.pi)


def plasma_z(xi):
    """Plasma dispersion function Z(xi) = i sqrt(pi) wofz(xi) for complex xi (analytic continuation below the
    real axis included)."""
    return 1j * SQRT_PI * wofz(xi)


# --------------------------------------------------------------------------------------------------------------
# Langmuir waves
# --------------------------------------------------------------------------------------------------------------

KINETIC_CONTINUATION_START = 0.3      # k lambda_D above which the kinetic root is followed by continuation
KINETIC_CONTINUATION_STEP = 0.05


def _langmuir_kinetic_xi(klambda, omega_guess):
    """Newton iteration on xi for D(xi) = 1 + [1 + xi Z(xi)] / (k lambda_D)^2, with the exact derivative
    D'(xi) = [Z(xi) - 2 xi (1 + xi Z(xi))] / (k lambda_D)^2; returns omega = sqrt(2) k lambda_D xi (units of
    omega_pe)."""
    k2 = klambda * klambda

    def dispersion(xi):
        return 1.0 + (1.0 + xi * plasma_z(xi)) / k2

    def derivative(xi):
        z = plasma_z(xi)
        return (z - 2.0 * xi * (1.0 + xi * z)) / k2

    xi0 = complex(omega_guess) / (math.sqrt(2.0) * klambda)
    xi = newton(dispersion, xi0, fprime=derivative, tol=1e-13 * abs(xi0), maxiter=100)
    return complex(xi) * math.sqrt(2.0) * klambda


def _langmuir_kinetic(klambda):
    """Least-damped kinetic Langmuir root at one k lambda_D > 0: Newton started from Bohm-Gross for
    k lambda_D <= 0.3; beyond, the branch is followed from k lambda_D = 0.3 in steps of at most 0.05, each
    Newton start linearly extrapolated from the two previous roots (Bohm-Gross alone is too far from the
    strongly damped root there for Newton to converge)."""
    if klambda <= KINETIC_CONTINUATION_START:
        return _langmuir_kinetic_xi(klambda, math.sqrt(1.0 + 3.0 * klambda**2))
    steps = int(math.ceil((klambda - KINETIC_CONTINUATION_START) / KINETIC_CONTINUATION_STEP))
    path = np.linspace(KINETIC_CONTINUATION_START, klambda, steps + 1)
    roots = [_langmuir_kinetic_xi(path[0], math.sqrt(1.0 + 3.0 * path[0]**2))]
    for index, kl in enumerate(path[1:], start=1):
        guess = roots[-1] if index == 1 else 2.0 * roots[-1] - roots[-2]
        roots.append(_langmuir_kinetic_xi(kl, guess))
    return roots[-1]


def langmuir_frequency(k, theta_e=0.0, kinetic=False):
    """Langmuir (electron plasma) wave frequency in units of omega_pe for wavenumber k (units omega_pe/c) in an
    electron plasma of temperature theta_e = T_e/(m_e c^2) with immobile ions; non-relativistic.

    - theta_e = 0 (cold): omega = 1 for every k.
    - kinetic=False (fluid, Bohm-Gross): omega^2 = 1 + 3 k^2 v_th^2, v_th = sqrt(theta_e), i.e.
      omega^2 = omega_pe^2 + 3 k^2 T_e/m_e (adiabatic index 3 for 1-D compression). Valid for
      k lambda_D = k v_th << 1; the exact kinetic frequency exceeds it by 3 (k lambda_D)^4 at leading order
      (omega_kin = 1 + (3/2)(k lambda_D)^2 + (15/8)(k lambda_D)^4 + ...), and Landau damping is ignored.
    - kinetic=True: the complex root omega = omega_r + i gamma (gamma < 0: Landau damping) of the Maxwellian
      electrostatic dispersion relation
          D(omega, k) = 1 + [1 + xi Z(xi)] / (k lambda_D)^2 = 0,   xi = omega / (sqrt(2) k v_th),
      continued analytically (Landau contour) through Z = i sqrt(pi) wofz. The least-damped root is found by
      Newton's method in complex xi started from Bohm-Gross (followed by continuation in k lambda_D beyond
      0.3, see `_langmuir_kinetic`), checked up to k lambda_D = 3 in the tests. Textbook values:
      omega = 1.4157 - 0.1534 i at k lambda_D = 0.5, 2.0459 - 0.8513 i at k lambda_D = 1.

    Returns a float array (complex with kinetic=True) of the shape of k, or a scalar for scalar k.
    Reference: Bohm & Gross, Phys. Rev. 75, 1851 (1949); Fried & Conte, The Plasma Dispersion Function (1961);
    Stix, Waves in Plasmas (1992), ch. 8; Krall & Trivelpiece, Principles of Plasma Physics (1973), sec. 8.
    """
    k = np.abs(np.asarray(k, dtype=float))
    if theta_e < 0:
        raise ValueError(f"theta_e must be >= 0, got {theta_e}")
    vth = math.sqrt(theta_e)
    if not kinetic:
        return np.sqrt(1.0 + 3.0 * (k * vth) ** 2)[()]
    out = np.ones(k.shape, dtype=complex)
    for index, kk in np.ndenumerate(k):
        if kk * vth > 0:
            out[index] = _langmuir_kinetic(kk * vth)
    return out[()]


# --------------------------------------------------------------------------------------------------------------
# Cold symmetric two-stream
# --------------------------------------------------------------------------------------------------------------

def two_stream_roots(k, v0):
    """The four complex roots omega (units of omega_pe) of the cold symmetric two-stream dispersion relation at
    one wavenumber k (units omega_pe/c): two cold electron beams of density 1/2 each (so that the total electron
    plasma frequency is 1) drifting at +v0 and -v0, immobile ions, electrostatic, non-relativistic:

        1 = (1/2) / (omega - k v0)^2 + (1/2) / (omega + k v0)^2,

    i.e. with a = k v0, (omega^2 - a^2)^2 = omega^2 + a^2, the quartic
        omega^4 - (2 a^2 + 1) omega^2 + a^4 - a^2 = 0,
    whose roots (numpy.roots) are omega^2 = [(2 a^2 + 1) +- sqrt(8 a^2 + 1)] / 2.
    Reference: Buneman, Phys. Rev. 115, 503 (1959); Birdsall & Langdon, Plasma Physics via Computer Simulation
    (1991), sec. 5-10; Krall & Trivelpiece (1973), sec. 9.
    """
    a2 = float(k * v0) ** 2
    return np.roots([1.0, 0.0, -(2.0 * a2 + 1.0), 0.0, a2 * a2 - a2])


def two_stream_cold(k, v0):
    """Growth rate gamma (units of omega_pe) of the cold symmetric two-stream instability at wavenumber k: the
    largest imaginary part of the roots of the quartic in `two_stream_roots` (same assumptions), 0 where all
    four roots are real. Closed form: gamma^2 = [sqrt(8 a^2 + 1) - (2 a^2 + 1)] / 2 for a = k v0 < 1 (unstable
    band 0 < k v0 < 1 = omega_pe, i.e. k v0 < sqrt(2) omega_b with the beam frequency omega_b = 1/sqrt(2)), and
    gamma = 0 for k v0 >= 1. For beams of Lorentz factor g the longitudinal response has omega_b^2 / g^3, so
    gamma scales by g^(-3/2) at k v0 scaled by the same factor (not included here).
    Returns an array of the shape of k, or a scalar for scalar k."""
    k = np.asarray(k, dtype=float)
    out = np.empty(k.shape)
    for index, kk in np.ndenumerate(k):
        out[index] = max(0.0, float(np.max(two_stream_roots(kk, v0).imag)))
    return out[()]


def two_stream_fastest(v0):
    """Wavenumber and growth rate (k_fastest, gamma_max) of the fastest-growing cold symmetric two-stream mode,
    closed form. With x = omega^2 = -gamma^2 and a^2 = (k v0)^2, the unstable root is
    x = [(2 a^2 + 1) - sqrt(8 a^2 + 1)] / 2; dx/d(a^2) = 1 - 2 / sqrt(8 a^2 + 1) = 0 gives sqrt(8 a^2 + 1) = 2,
    a^2 = 3/8, x = -1/8:
        k_fastest v0 = sqrt(3/8) ~ 0.6124,   gamma_max = 1/(2 sqrt 2) ~ 0.35355 omega_pe
    (in beam units omega_b = omega_pe/sqrt 2: k v0 = (sqrt 3 / 2) omega_b, gamma_max = omega_b / 2). The test
    suite checks it against the numerical maximum of `two_stream_cold`."""
    return math.sqrt(3.0 / 8.0) / v0, 1.0 / (2.0 * math.sqrt(2.0))


# --------------------------------------------------------------------------------------------------------------
# Electron Weibel instability
# --------------------------------------------------------------------------------------------------------------

def weibel_dispersion(omega, k, theta_par, theta_perp):
    """Complex dispersion function D(omega, k) of the transverse electromagnetic mode of an unmagnetised
    bi-Maxwellian electron plasma, f ~ exp(-v_par^2 / 2 v_par^2 - v_perp^2 / 2 v_perp^2) with v_par^2 = theta_par,
    v_perp^2 = theta_perp, wave vector k along the parallel (here: the colder) direction, E and delta-B
    perpendicular, immobile ions, non-relativistic Vlasov-Maxwell, units c = omega_pe = 1:

        D(omega, k) = omega^2 - k^2 - 1 + A [1 + xi Z(xi)],   A = T_perp / T_par,   xi = omega / (sqrt 2 k v_par),

    (in dimensional form omega^2 - k^2 c^2 - omega_pe^2 + omega_pe^2 (T_perp/T_par) [1 + xi Z(xi)] = 0).
    Limits that fix the signs: for A = 1 (isotropic) and |xi| >> 1, 1 + xi Z ~ -1/(2 xi^2) gives the light wave
    omega^2 = 1 + k^2 (1 + ...); for cold parallel motion (v_par -> 0, |xi| -> infinity) it becomes the fluid
    Weibel relation omega^4 - (1 + k^2) omega^2 - k^2 v_perp^2 = 0; at omega = 0 (1 + xi Z = 1) it gives the
    marginal wavenumber k^2 = A - 1.
    Reference: Weibel, Phys. Rev. Lett. 2, 83 (1959); Krall & Trivelpiece (1973), sec. 9.10; Davidson, in
    Handbook of Plasma Physics vol. 1 (1983), sec. 3.4."""
    xi = omega / (math.sqrt(2.0 * theta_par) * k)
    return omega**2 - k**2 - 1.0 + (theta_perp / theta_par) * (1.0 + xi * plasma_z(xi))


def weibel_kmax(theta_par, theta_perp):
    """Marginal (cut-off) wavenumber of the electron Weibel instability, k_max = sqrt(T_perp/T_par - 1) in units of
    omega_pe/c (D(0, k_max) = 0 in `weibel_dispersion`); modes with k >= k_max are stable, 0 if T_perp <= T_par."""
    return math.sqrt(max(theta_perp / theta_par - 1.0, 0.0))


def _weibel_growth_one(k, theta_par, anisotropy):
    """Purely growing Weibel root gamma at one k in (0, k_max), by brentq on the real function
    F(gamma) = -gamma^2 - k^2 - 1 + A [1 - sqrt(pi) y erfcx(y)], y = gamma / (sqrt 2 k v_par),
    which is D(i gamma) (xi = i y, xi Z(xi) = -sqrt(pi) y exp(y^2) erfc(y)). F is strictly decreasing in gamma
    (y erfcx(y) increases), F(0) = A - 1 - k^2 > 0 and F(sqrt(A - 1 - k^2)) < 0, so that bracket holds exactly
    one root."""
    scale = math.sqrt(2.0 * theta_par) * k

    def real_dispersion(gamma):
        y = gamma / scale
        return -gamma * gamma - k * k - 1.0 + anisotropy * (1.0 - SQRT_PI * y * erfcx(y))

    upper = math.sqrt(anisotropy - 1.0 - k * k)
    return brentq(real_dispersion, 0.0, upper, xtol=1e-15 * upper, rtol=4 * np.finfo(float).eps, maxiter=200)


def weibel_growth(k, theta_par, theta_perp):
    """Growth rate gamma (units of omega_pe) of the electron Weibel instability at wavenumber k (units
    omega_pe/c, along the parallel = cold direction), root omega = i gamma of `weibel_dispersion`
    D(omega, k) = omega^2 - k^2 - 1 + (T_perp/T_par) [1 + xi Z(xi)] = 0 (non-relativistic, unmagnetised,
    immobile ions, theta = T/(m_e c^2)). For a bi-Maxwellian with T_perp > T_par the unstable root is purely
    imaginary, so D(i gamma) is real: with y = gamma / (sqrt 2 k v_par) and Z(i y) = i sqrt(pi) exp(y^2) erfc(y),
        -gamma^2 - k^2 - 1 + (T_perp/T_par) [1 - sqrt(pi) y exp(y^2) erfc(y)] = 0,
    solved by brentq (`_weibel_growth_one`). gamma = 0 for k = 0, for k >= k_max = sqrt(T_perp/T_par - 1) and
    when T_perp <= T_par. Small-anisotropy limit (A - 1 << 1): gamma ~ sqrt(2/pi) k v_par (A - 1 - k^2)/A.
    Returns an array of the shape of k, or a scalar for scalar k.
    Reference: Weibel, Phys. Rev. Lett. 2, 83 (1959); Davidson, Handbook of Plasma Physics vol. 1 (1983)."""
    if theta_par <= 0 or theta_perp <= 0:
        raise ValueError("the kinetic Weibel relation needs theta_par > 0 and theta_perp > 0")
    anisotropy = theta_perp / theta_par
    k = np.abs(np.asarray(k, dtype=float))
    kmax = weibel_kmax(theta_par, theta_perp)
    out = np.zeros(k.shape)
    for index, kk in np.ndenumerate(k):
        if 0.0 < kk < kmax:
            out[index] = _weibel_growth_one(kk, theta_par, anisotropy)
    return out[()]


def weibel_fastest(theta_par, theta_perp):
    """Fastest-growing Weibel mode (k_fastest, gamma_max) in units (omega_pe/c, omega_pe): the maximum of
    `weibel_growth` over 0 < k < k_max (bounded Brent search, relative tolerance 1e-10 in k; gamma(k) rises from 0
    at k = 0 to one maximum and falls to 0 at k_max). Limits: small anisotropy (A = T_perp/T_par -> 1),
    k_fastest -> sqrt((A - 1)/3) and gamma_max -> sqrt(8/(27 pi)) v_par (A - 1)^(3/2) / A (Davidson 1983);
    cold parallel motion (v_par -> 0 at fixed v_perp), gamma_max -> v_perp = sqrt(theta_perp), the fluid
    Weibel bound (omega_pe v_perp / c). Returns (0, 0) when T_perp <= T_par."""
    kmax = weibel_kmax(theta_par, theta_perp)
    if kmax == 0.0:
        return 0.0, 0.0
    best = minimize_scalar(lambda k: -weibel_growth(k, theta_par, theta_perp), bounds=(0.0, kmax),
                           method="bounded", options={"xatol": 1e-10 * kmax})
    return float(best.x), float(-best.fun)


# --------------------------------------------------------------------------------------------------------------
# Growth-rate fitting
# --------------------------------------------------------------------------------------------------------------

def _least_squares(t, y):
    """Slope, intercept and coefficient of determination r^2 of the straight-line fit y ~ slope t + intercept."""
    slope, intercept = np.polyfit(t, y, 1)
    residual = y - (slope * t + intercept)
    total = np.sum((y - y.mean()) ** 2)
    return float(slope), float(intercept), float(1.0 - np.sum(residual**2) / total) if total > 0 else 1.0


def _local_slopes(t, y, half):
    """Least-squares slope of y(t) in the window [i - half, i + half] (clipped to the array) at every i, from
    cumulative sums (O(n), any sampling)."""
    n = t.size
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    tc = t - t.mean()
    sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones(n), tc, y, tc * tc, tc * y)]
    count, st, sy, stt, sty = (s[hi] - s[lo] for s in sums)
    return (count * sty - st * sy) / (count * stt - st * st)


def _moving_average(y, half):
    """Mean of y over [i - half, i + half] clipped to the array."""
    n = y.size
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    s = np.concatenate([[0.0], np.cumsum(y)])
    return (s[hi] - s[lo]) / (hi - lo)


def _longest_run(mask, t):
    """(first, last) indices of the run of consecutive True entries of mask that lasts longest in t."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    if starts.size == 0:
        return None
    best = int(np.argmax(t[ends] - t[starts]))
    return int(starts[best]), int(ends[best])


def _slope_half_width(t, y, slope, tolerance):
    """Half-width h' (samples) of the local-slope fits: large enough that the noise of a local slope is at most a
    quarter of tolerance * slope. The per-sample noise sigma of y is estimated robustly from second differences,
    sigma = 1.4826 MAD(Delta^2 y) / sqrt(6) (insensitive to the smooth trend); an unweighted slope over w samples
    spaced dt has standard error sigma sqrt(12 / w^3) / dt, whence w = (4 sqrt(12) sigma / (tolerance slope dt))^(2/3).
    h' = ceil(w / 2) is kept between 2 and max(2, m // 8) for m samples."""
    second = np.diff(y, 2)
    sigma = 1.4826 * np.median(np.abs(second - np.median(second))) / math.sqrt(6.0)
    step = (t[-1] - t[0]) / (t.size - 1)
    width = (4.0 * math.sqrt(12.0) * sigma / (tolerance * slope * step)) ** (2.0 / 3.0)
    return int(min(max(2, math.ceil(width / 2)), max(2, t.size // 8)))


def fit_growth_rate(t, amplitude, window=None, energy=False, tolerance=0.1):
    """Exponential growth rate gamma of a mode from its time series, amplitude ~ exp(gamma t) in the linear phase.

    amplitude: a positive, non-oscillating measure of one mode, either the modulus of its complex Fourier
    coefficient, |E_k| or |B_k| (energy=False), or its energy ~ |B_k|^2, e.g. one mode's column of `spectrum_B` /
    `spectrum_E` (energy=True: the log-slope of an energy is 2 gamma and is halved). Entries that are not positive
    or not finite are ignored. t in 1/omega_pe, gamma in omega_pe.

    gamma is the least-squares slope of log(amplitude) against t over the window (halved for energies).
    window=(t_start, t_end) fits every sample with t_start <= t <= t_end. window=None picks the linear phase:
      1. y = log(amplitude) is smoothed by a moving average over 2 h + 1 samples, h = max(1, n // 100); the peak
         of the smoothed curve marks saturation and the minimum before it the start of growth (end of the noise
         floor or of the initial transient). The growth phase between them must rise by more than 2 e-folds of
         amplitude (4 of energy) over at least 5 samples.
      2. A first slope is fitted to the samples whose smoothed y lies in the middle half of the rise (25 % to 75 %
         of it), which holds the linear phase whenever that phase dominates the rise.
      3. The local log-slope s(t) is the least-squares slope of y over 2 h' + 1 samples around each sample of
         the growth phase, h' from the noise of y (`_slope_half_width`), and s_ref is the median of s over the
         middle half of the rise.
      4. The window is the run of consecutive samples, longest in time, with |s - s_ref| <= tolerance * s_ref. It
         excludes the approach from the noise floor (slope still rising: with tolerance 0.1 a signal on an
         incoherent floor F is accepted from about 3 F) and the roll-over to saturation (slope falling). At least
         4 samples are required. The slightly slower ends of the window bias gamma low, by about 0.1 * tolerance
         for a soft saturation or a growth of only 7 e-folds; synthetic signals with 5 to 20 % noise per sample,
         a noise floor, a transient and saturation give gamma within 2 % (tests/pic/test_theory.py).
    Raises ValueError when no growth is found. Returns (gamma, (t_start, t_end), r2) with r2 the coefficient of
    determination of the fit of log(amplitude) on the window.
    """
    t = np.asarray(t, dtype=float)
    amplitude = np.asarray(amplitude, dtype=float)
    if t.shape != amplitude.shape or t.ndim != 1:
        raise ValueError("t and amplitude must be 1-D arrays of the same length")
    valid = np.isfinite(t) & np.isfinite(amplitude) & (amplitude > 0)
    t, y = t[valid], np.log(amplitude[valid])
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing")
    factor = 0.5 if energy else 1.0
    if window is not None:
        chosen = (t >= window[0]) & (t <= window[1])
        if chosen.sum() < 2:
            raise ValueError(f"fewer than 2 valid samples in the window {window}")
        slope, _, r2 = _least_squares(t[chosen], y[chosen])
        return factor * slope, (float(t[chosen][0]), float(t[chosen][-1])), r2
    if t.size < 8:
        raise ValueError("need at least 8 valid samples to choose the window")
    smooth = _moving_average(y, max(1, t.size // 100))
    peak = int(np.argmax(smooth))
    start = int(np.argmin(smooth[:peak + 1]))
    rise = smooth[peak] - smooth[start]
    if factor * rise < 2.0 or peak - start < 4:
        raise ValueError(f"no exponential growth found (rise of {factor * rise:.2f} e-folds in amplitude)")
    tg, yg = t[start:peak + 1], y[start:peak + 1]
    level = (smooth[start:peak + 1] - smooth[start]) / rise
    middle = (level >= 0.25) & (level <= 0.75)
    if middle.sum() < 3:
        middle = np.ones(tg.size, dtype=bool)
    first_guess = _least_squares(tg[middle], yg[middle])[0]
    if first_guess <= 0:
        raise ValueError("no exponential growth found (non-positive slope in the middle of the rise)")
    slopes = _local_slopes(tg, yg, _slope_half_width(tg, yg, first_guess, tolerance))
    reference = float(np.median(slopes[middle]))
    if reference <= 0:
        raise ValueError("no exponential growth found (non-positive median log-slope)")
    run = _longest_run(np.abs(slopes - reference) <= tolerance * reference, tg)
    if run is None or run[1] - run[0] < 3:
        raise ValueError("no linear phase of at least 4 samples with a steady log-slope")
    first, last = run
    slope, _, r2 = _least_squares(tg[first:last + 1], yg[first:last + 1])
    return factor * slope, (float(tg[first]), float(tg[last])), r2
