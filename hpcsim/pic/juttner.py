"""Momenta of an isotropic Maxwell-Juttner plasma, the relativistic Maxwellian (c = 1, u = gamma v):

    f(u) d^3u  ∝  exp(-gamma m / T) d^3u,     gamma = sqrt(1 + |u|^2),

whose pressure is exactly n T and whose mean energy per mass is <gamma> = K_1(1/t)/K_2(1/t) + 3 t (t = T / m).
The non-relativistic sampler (`species.maxwellian_momenta`, sqrt(T/m) g) loads a plasma whose pressure falls below
n T by O(t) (0.973 T at t = 0.01, 0.93 T at 0.03).

Sampled from the same three standard normals g per particle as the Maxwellian, without rejection (so that the
counter-based streams stay one number per draw): the direction of g, isotropic, and the speed |u| whose quantile
in the Juttner speed distribution p(u) ∝ u^2 exp(-(gamma - 1) m / T) equals the quantile of |g| in the chi
distribution with three degrees of freedom, P(3/2, |g|^2 / 2) (regularised lower incomplete gamma). So mirrored
normals give mirrored momenta, and as T/m -> 0 the sample tends to sqrt(T/m) g. The speed quantile is inverted
on the tabulated CDF (`speed_table`; cumulative Simpson on QUANTILE_NODES nodes up to where the tail falls below
e^-TAIL, relative error of the inverse below 1e-7).
"""
import functools

import numpy as np
from scipy.integrate import cumulative_simpson
from scipy.special import gammainc

QUANTILE_NODES = 1 << 15
TAIL = 60.0


@functools.lru_cache(maxsize=16)
def speed_table(t):
    """(speeds, CDF at them) of the Juttner speed distribution at t = T / m."""
    u_max = np.sqrt((1.0 + TAIL * t) ** 2 - 1.0)
    u = np.linspace(0.0, u_max, QUANTILE_NODES)
    density = u * u * np.exp(-(np.sqrt(1.0 + u * u) - 1.0) / t)
    cdf = cumulative_simpson(density, x=u, initial=0.0)
    return u, cdf / cdf[-1]


def juttner_momenta(g, mass, temperature):
    """Momenta u[3, N] of an isotropic Maxwell-Juttner distribution of temperature T (in m_e c^2) for particles
    of `mass` (in m_e), from standard normals g[3, N] (module docstring)."""
    g = np.asarray(g, dtype=float)
    radius = np.sqrt(np.sum(g * g, axis=0))
    speeds, cdf = speed_table(float(temperature / mass))
    speed = np.interp(gammainc(1.5, 0.5 * radius * radius), cdf, speeds)
    return g * np.divide(speed, radius, out=np.zeros_like(radius), where=radius > 0.0)
