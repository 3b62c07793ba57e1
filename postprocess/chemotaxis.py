"""Chemotaxis runs (the `chemotaxis` family): linear theory, growth-rate fits, convergence tables and figures.

Linear theory of the indirect-signalling system about n = n_bar, c = w = n_bar: a perturbation along a Laplacian
eigenfunction with eigenvalue mu grows as e^{lambda t} with

    (lambda + mu)(eps lambda + 1 + mu)(eps lambda + 1 + tau mu) = chi n_bar mu        (a cubic in lambda)

(direct signalling: (lambda + mu)(eps lambda + 1 + mu) = chi n_bar mu); the uniform state is unstable exactly
when chi n_bar > (1 + mu_1)(1 + tau mu_1) for the smallest positive eigenvalue mu_1 (the root lambda = 0 crosses).
"""
import math

import numpy as np

from .readers import ReadError, list_iterations, read_deck, read_mesh, read_scalars


def dispersion_polynomial(n_bar, mu, eps, tau, chi=1.0, indirect=True):
    """Coefficients (highest first) of the polynomial in lambda whose roots are the growth rates."""
    p = np.polymul([1.0, mu], [eps, 1.0 + mu])
    if indirect:
        p = np.polymul(p, [eps, 1.0 + tau * mu])
    p = np.polysub(p, [chi * n_bar * mu])
    return np.trim_zeros(p, "f")


def growth_rate(n_bar, mu, eps, tau, chi=1.0, indirect=True):
    """The largest real part of the roots: the growth rate of the mode (eps = 0 included)."""
    return float(max(np.roots(dispersion_polynomial(n_bar, mu, eps, tau, chi, indirect)).real))


def threshold(mu, tau, chi=1.0, indirect=True):
    """The n_bar above which the mode of eigenvalue mu grows: (1 + mu)(1 + tau mu) / chi."""
    return (1.0 + mu) * (1.0 + (tau if indirect else 0.0) * mu) / chi


def fit_growth(t, amplitude, window=(0.5, 1.0)):
    """Least-squares slope of log|amplitude| against t over the fraction `window` of the series."""
    t, a = np.asarray(t, dtype=float), np.abs(np.asarray(amplitude, dtype=float))
    lo, hi = t[0] + window[0] * (t[-1] - t[0]), t[0] + window[1] * (t[-1] - t[0])
    keep = (t >= lo) & (t <= hi) & (a > 0)
    if keep.sum() < 3:
        raise ReadError("fewer than three samples in the fit window")
    return float(np.polyfit(t[keep], np.log(a[keep]), 1)[0])


def mode_amplitude(n, modes, periodic, spacing):
    """<n - mean(n), phi> / <phi, phi> for phi = prod_a cos(k_a x_a) on the cell centres of a global array."""
    phi = np.ones(n.shape)
    for a, m in enumerate(modes):
        x = (np.arange(n.shape[a]) + 0.5) * spacing[a]
        length = n.shape[a] * spacing[a]
        k = (2.0 if periodic[a] else 1.0) * math.pi * m / length
        phi = phi * np.cos(k * x).reshape([-1 if b == a else 1 for b in range(n.ndim)])
    return float(np.sum((n - n.mean()) * phi) / np.sum(phi * phi))


def discrete_eigenvalue(modes, periodic, spacing, shape):
    """mu_h = sum_a 4 / h_a^2 sin^2(k_a h_a / 2), the eigenvalue of the mode for the discrete Laplacian."""
    mu = 0.0
    for m, p, h, n in zip(modes, periodic, spacing, shape):
        k = (2.0 if p else 1.0) * math.pi * m / (n * h)
        mu += 4.0 / h**2 * math.sin(k * h / 2.0) ** 2
    return mu


def observed_orders(sizes, errors):
    """log2-free observed orders between consecutive entries: log(e_i / e_{i+1}) / log(s_i / s_{i+1})."""
    s, e = np.asarray(sizes, dtype=float), np.asarray(errors, dtype=float)
    return list(np.log(e[:-1] / e[1:]) / np.log(s[:-1] / s[1:]))


def fitted_order(sizes, errors):
    """Least-squares slope of log(error) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(errors), 1)[0])
