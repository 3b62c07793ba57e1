"""Krook (BGK) collisions at rate nu that conserve momentum and energy exactly.

Each step every particle of the species is selected with probability p = 1 - exp(-nu dt) (from the rank's
seeded generator, so runs are reproducible and restartable). The selected set S gets new momenta from a
Maxwellian with the set's own moments:
    u_i = U + alpha (g_i - <g>),   g_i ~ N(0, I) in antithetic pairs (g, -g),   U = <u>_S (before),
so its total momentum is unchanged to round-off, and alpha > 0 solves
    sum_S [gamma(U + alpha (g_i - <g>)) - 1] = sum_S [gamma_i - 1]      (gamma(u) = sqrt(1 + |u|^2))
by Newton's method (the left side is convex and increasing in alpha, and exceeds the right at large alpha by
Jensen's inequality), so the set's kinetic energy is unchanged to round-off too. Both hold on every rank,
hence globally. On average the pressure tensor relaxes to its isotropic part and the heat flux to zero at the
rate nu: dP/dt = -nu (P - p I), dq/dt = -nu q (the moment equations of spec 3.6).

The antithetic pairs make every resampled set symmetric about U, so resampling adds no noise to the odd
moments (heat flux): in a forcing + Krook steady state the measured heat flux is a sum of deterministic
responses of the pairs, and its noise falls from about 3 v_th^3 / sqrt(N) to a few percent of that
(`decks/tf/krook_heat_flux.toml`).
"""
import math

import numpy as np

NEWTON_RTOL = 1e-14


def _energy_scale(u_mean, w, target):
    """alpha with sum(gamma(u_mean + alpha w) - 1) = target (see the module docstring)."""
    ww = np.sum(w * w, axis=0)
    uw = np.sum(u_mean[:, None] * w, axis=0)
    uu = float(np.dot(u_mean, u_mean))
    rest = w.shape[1] * (math.sqrt(1.0 + uu) - 1.0)
    if target <= rest or not ww.any():
        return 0.0
    # non-relativistic first guess: (alpha^2 / 2) sum |w|^2 = target - rest
    alpha = math.sqrt(2.0 * (target - rest) / float(np.sum(ww)))
    for _ in range(50):
        gamma = np.sqrt(1.0 + uu + 2.0 * alpha * uw + alpha * alpha * ww)
        f = float(np.sum(gamma - 1.0)) - target
        df = float(np.sum((uw + alpha * ww) / gamma))
        step = f / df
        alpha -= step
        if abs(step) <= NEWTON_RTOL * alpha:
            break
    return alpha


def collide(species, nu, dt, rng, xp=np):
    """Apply one step of Krook collisions to `species` in place; returns the number of particles resampled."""
    u = species.u
    count = u.shape[1]
    if nu <= 0.0 or count == 0:
        return 0
    selected = np.flatnonzero(rng.random(count) < -math.expm1(-nu * dt))
    if selected.size < 2:
        return 0
    host = np.asarray(u[:, selected].get() if xp is not np else u[:, selected])
    u_mean = host.mean(axis=1)
    target = float(np.sum(np.sqrt(1.0 + np.sum(host * host, axis=0)) - 1.0))
    half = rng.standard_normal((3, (selected.size + 1) // 2))
    g = np.concatenate([half, -half], axis=1)[:, : selected.size]      # antithetic pairs (see the docstring)
    w = g - g.mean(axis=1, keepdims=True)
    alpha = _energy_scale(u_mean, w, target)
    new = u_mean[:, None] + alpha * w
    u[:, selected] = xp.asarray(new)
    return int(selected.size)
