"""Estimate of a PIC run's numerical collisionality from the measured noise budget (docs/tf_results.md, 2c).

Finite macro-particles relax a plasma like a weakly coupled one whose plasma parameter is the number of
macro-particles per Debye area N_D = ppc (lambda_D / h)^2 (2-D; per Debye length in 1-D, per Debye volume in 3-D),
with the particle's width s_n h as the smallest impact parameter of its Coulomb logarithm:

    nu_num = A omega_p / N_D  ln(B lambda_D / (s_n h)),      s_n = sqrt((n + 1) / 2)

(s_n: the rms width of the order-n B-spline relative to the linear one). A and B are fitted
(`benchmarks/pic_noise.py --fit`) to the anisotropy relaxation rate of field-free 2D3V electron plasmas at
h / lambda_D = 0.5, 1, 2, N_D = 16-64 and shapes 1-3, 3 seeds each (COEFFICIENTS: the fit and its spread); the
current filter lowers nu_num by up to 25 % there and is not counted (an upper bound for filtered runs). The
logarithm is held at LOG_FLOOR or above: past h ~ 3 lambda_D the finite-grid heating, not the relaxation, limits
a run (`deck.CELLS_PER_DEBYE_WARNING`). In 1-D and 3-D the same law with the plasma parameter of that dimension
is an extrapolation (calibrated in 2-D only).
"""
import math

A, B = 0.0267, 4.36       # fitted coefficients (see COEFFICIENTS)
COEFFICIENTS = "A = 0.0267, B = 4.36: rms deviation of nu_num from the law 9 % over 48 unfiltered runs"
LOG_FLOOR = 0.5
NOISE_FRACTION = 0.1      # warn when nu_num exceeds this fraction of the deck's pic.growth_rate


def shape_width(order):
    """rms width of the order-n B-spline relative to the linear one: sqrt((n + 1) / 12) / sqrt(2 / 12)."""
    return math.sqrt((order + 1) / 2.0)


def debye_particles(ppc, debye_length, spacing):
    """Macro-particles per Debye area (volume, length): ppc prod_a (lambda_D / h_a) over the mesh axes."""
    out = float(ppc)
    for h in spacing:
        out *= debye_length / h
    return out


def collisionality(ppc, plasma_frequency, debye_length, spacing, order):
    """nu_num (in the deck's time unit, 1/omega_pe) of a species with `ppc` particles per cell, plasma frequency
    omega_p and Debye length lambda_D on cells `spacing`, particle shape `order` (module docstring)."""
    n_d = debye_particles(ppc, debye_length, spacing)
    h = math.exp(sum(math.log(v) for v in spacing) / len(spacing))           # geometric mean cell size
    log = max(math.log(B * debye_length / (shape_width(order) * h)), LOG_FLOOR)
    return A * plasma_frequency / n_d * log
