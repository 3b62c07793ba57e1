"""Per-element bodies of the chemotaxis kernels, written once and compiled for CPU and GPU.

The cell density (n of the equations; `rho` here, since `n` names the owned extent of a loop) obeys
dn/dt = div(grad n - chi n grad c) + r n (1 - n). Its finite-volume flux through the face between cells L and R
(spacing h, along the axis) is the Scharfetter-Gummel flux

    F = (B(-d) n_L - B(d) n_R) / h,    d = chi (c_R - c_L),    B(x) = x / (e^x - 1),

exact for a steady one-dimensional flux with c linear between the centres: it is the central diffusive flux
-(n_R - n_L)/h for d = 0 and the upwind drift flux chi n_upwind (c_R - c_L)/h for |d| >> 1. One explicit step
n - dt div F keeps n >= 0 exactly when dt * rate <= 1 with rate = sum_a (B(-d_a+) + B(d_a-)) / h_a^2
(`positivity_rate_at`), and conserves the sum of n (the face fluxes telescope). Ghost cells are filled
(mirrored at no-flux faces, which makes the face flux vanish). Unused axes have offset 0 and 1/h = 0.
"""
import math

from ..stencil import laplacian_at


def bernoulli(x):
    """B(x) = x / (e^x - 1), with B(0) = 1 and B(x) = 0 where e^x overflows; for |x| < 0.1 its Taylor series
    1 - x/2 + x^2/12 - x^4/720 + x^6/30240 - x^8/1209600 (the next term is below 2.1e-18: round-off), which
    spares the exponential where the drift is weak across a cell (resolved signals)."""
    if abs(x) < 0.1:
        y = x * x
        return 1.0 - 0.5 * x + y * (1.0 / 12.0 + y * (-1.0 / 720.0 + y * (1.0 / 30240.0 - y * (1.0 / 1209600.0))))
    if x > 700.0:
        return 0.0
    return x / math.expm1(x)


def sg_flux(left, right, d, inv_h, removed):
    """Scharfetter-Gummel flux from the left cell to the right one, (B(-d) n_L - B(d) n_R) / h, less `removed`
    times the central diffusive flux (n_L - n_R) / h (0: the whole flux; 1: its drift part, for steps that treat
    diffusion implicitly). One exponential: B(-x) = B(x) + x gives ((B(|d|) - removed) (n_L - n_R) + d n_upwind)
    / h (n_upwind = n_L for d >= 0, else n_R), no cancellation in either sign."""
    x = abs(d)
    upwind = left if d >= 0.0 else right
    return inv_h * ((bernoulli(x) - removed) * (left - right) + d * upwind)


def bernoulli_minus(y):
    """B(-y) = B(|y|) + max(y, 0) (one exponential, no cancellation)."""
    return bernoulli(abs(y)) + max(y, 0.0)


def flux_divergence_at(rho, c, i, j, k, ox, oy, oz, ix, iy, iz, chi, removed):
    """div F at cell (i, j, k): sum over axes of (F_+ - F_-) / h_a (F: `sg_flux` less `removed` times diffusion)."""
    n0, c0 = rho[i, j, k], c[i, j, k]
    return (ix * (sg_flux(n0, rho[i + ox, j, k], chi * (c[i + ox, j, k] - c0), ix, removed)
                  - sg_flux(rho[i - ox, j, k], n0, chi * (c0 - c[i - ox, j, k]), ix, removed))
            + iy * (sg_flux(n0, rho[i, j + oy, k], chi * (c[i, j + oy, k] - c0), iy, removed)
                    - sg_flux(rho[i, j - oy, k], n0, chi * (c0 - c[i, j - oy, k]), iy, removed))
            + iz * (sg_flux(n0, rho[i, j, k + oz], chi * (c[i, j, k + oz] - c0), iz, removed)
                    - sg_flux(rho[i, j, k - oz], n0, chi * (c0 - c[i, j, k - oz]), iz, removed)))


def density_step_at(rho, c, out, i, j, k, ox, oy, oz, ix, iy, iz, chi, dt, growth):
    """out = m (1 + dt r) / (1 + dt r m) with m = n - dt div F: the explicit flux step followed by the
    positivity-preserving linearly implicit logistic step (r = `growth`; out = m exactly for r = 0)."""
    m = rho[i, j, k] - dt * flux_divergence_at(rho, c, i, j, k, ox, oy, oz, ix, iy, iz, chi, 0.0)
    out[i, j, k] = m * (1.0 + dt * growth) / (1.0 + dt * growth * m)
    return 0.0


def drift_divergence_at(rho, c, out, i, j, k, ox, oy, oz, ix, iy, iz, chi):
    """out = div of the drift part of the Scharfetter-Gummel flux (the flux less its central diffusive part:
    chi n grad c to second order), the explicit term of the sbdf2 step."""
    out[i, j, k] = flux_divergence_at(rho, c, i, j, k, ox, oy, oz, ix, iy, iz, chi, 1.0)
    return 0.0


def positivity_rate_at(c, rate, i, j, k, ox, oy, oz, ix, iy, iz, chi):
    """rate = sum_a (B(-d_a+) + B(d_a-)) / h_a^2: the explicit step keeps this cell's n >= 0 for dt <= 1/rate."""
    c0 = c[i, j, k]
    rate[i, j, k] = (ix * ix * (bernoulli_minus(chi * (c[i + ox, j, k] - c0))
                                + bernoulli_minus(chi * (c[i - ox, j, k] - c0)))
                     + iy * iy * (bernoulli_minus(chi * (c[i, j + oy, k] - c0))
                                  + bernoulli_minus(chi * (c[i, j - oy, k] - c0)))
                     + iz * iz * (bernoulli_minus(chi * (c[i, j, k + oz] - c0))
                                  + bernoulli_minus(chi * (c[i, j, k - oz] - c0))))
    return 0.0


def lyapunov_density_at(rho, c, w, i, j, k, ox, oy, oz, ix, iy, iz, chi, grad_weight, lap_weight, rest_weight):
    """Cell density of the Lyapunov functional
        n log n - chi n c + chi/2 (c^2 + a |grad c|^2 + b (Lap c)^2) + chi/2 q (Lap c - c + w)^2
    with (a, b, q) = (1 + tau, tau, 1) for indirect signalling and (1, 0, 0) for direct; |grad c|^2 is half the
    sum of the squared face differences of the cell's faces (its sum over cells is the discrete Dirichlet energy)."""
    n0, c0 = rho[i, j, k], c[i, j, k]
    entropy = n0 * math.log(n0) if n0 > 0.0 else 0.0
    grad2 = 0.5 * (ix * ix * ((c[i + ox, j, k] - c0) ** 2 + (c0 - c[i - ox, j, k]) ** 2)
                   + iy * iy * ((c[i, j + oy, k] - c0) ** 2 + (c0 - c[i, j - oy, k]) ** 2)
                   + iz * iz * ((c[i, j, k + oz] - c0) ** 2 + (c0 - c[i, j, k - oz]) ** 2))
    lap = laplacian_at(c, i, j, k, ox, oy, oz, ix * ix, iy * iy, iz * iz)
    rest = lap - c0 + w[i, j, k]
    return entropy - chi * n0 * c0 + 0.5 * chi * (c0 * c0 + grad_weight * grad2 + lap_weight * lap * lap
                                                  + rest_weight * rest * rest)


# -- radially symmetric solutions in dimension N on a 1-D mesh of r: cell i (ghosted index) spans the faces
# i - 1/2 and i + 1/2 with areas area[i] and area[i + 1] (r^(N-1) there; 0 at r = 0) and volume volume[i]
# ((r_+^N - r_-^N) / N); the fluxes are those of the Cartesian scheme with h = dr, weighted by the face areas.

def radial_flux_divergence_at(rho, c, i, area, volume, inv_h, chi):
    """(A_+ F_+ - A_- F_-) / V at cell i."""
    n0, c0 = rho[i, 0, 0], c[i, 0, 0]
    return (area[i + 1] * sg_flux(n0, rho[i + 1, 0, 0], chi * (c[i + 1, 0, 0] - c0), inv_h, 0.0)
            - area[i] * sg_flux(rho[i - 1, 0, 0], n0, chi * (c0 - c[i - 1, 0, 0]), inv_h, 0.0)) / volume[i]


def radial_density_step_at(rho, c, out, i, area, volume, inv_h, chi, dt, growth):
    """`density_step_at` with the radial divergence."""
    m = rho[i, 0, 0] - dt * radial_flux_divergence_at(rho, c, i, area, volume, inv_h, chi)
    out[i, 0, 0] = m * (1.0 + dt * growth) / (1.0 + dt * growth * m)
    return 0.0


def radial_positivity_rate_at(c, rate, i, area, volume, inv_h, chi):
    """rate = (A_+ B(-d_+) + A_- B(d_-)) / (h V): the radial step keeps n >= 0 for dt <= 1/rate."""
    c0 = c[i, 0, 0]
    rate[i, 0, 0] = inv_h * (area[i + 1] * bernoulli_minus(chi * (c[i + 1, 0, 0] - c0))
                             + area[i] * bernoulli_minus(chi * (c[i - 1, 0, 0] - c0))) / volume[i]
    return 0.0


def radial_lyapunov_at(rho, c, w, i, area, volume, inv_h, chi, grad_weight, lap_weight, rest_weight):
    """V times the Lyapunov density of `lyapunov_density_at` at cell i (radial Laplacian and face gradients)."""
    n0, c0, v = rho[i, 0, 0], c[i, 0, 0], volume[i]
    entropy = n0 * math.log(n0) if n0 > 0.0 else 0.0
    up, down = c[i + 1, 0, 0] - c0, c0 - c[i - 1, 0, 0]
    grad2 = 0.5 * inv_h * inv_h * (area[i + 1] * up * up + area[i] * down * down) / v
    lap = inv_h * inv_h * (area[i + 1] * up - area[i] * down) / v
    rest = lap - c0 + w[i, 0, 0]
    return v * (entropy - chi * n0 * c0 + 0.5 * chi * (c0 * c0 + grad_weight * grad2 + lap_weight * lap * lap
                                                       + rest_weight * rest * rest))
