"""Per-particle exact flows of the thermodynamic forcing (spec section 2), compiled for CPU and GPU.

Relativistic generalisation used by the code: the forcing accelerations act on u = gamma v (momentum per unit
mass) in place of the peculiar velocity w; for the thermal speeds of the validation and research cases
(gamma - 1 < 1e-2) the difference is of order v^2/c^2. The temperature forcing has a second, relativistically
exact form (`temperature` switch RELATIVISTIC; deck `forcing_model = "relativistic"`): asking -div_u (a f_J) to
reproduce the Chapman-Enskog source (h_J - gamma)/theta (v . g) f_J of a Maxwell-Juttner plasma at constant
pressure (c = m = 1, theta = T/m, h_J = K_3(1/theta)/K_2(1/theta) the enthalpy per particle) gives

    du/dt = (h_J - theta - gamma) g,

which injects no momentum (<gamma> = h_J - theta over f_J) and no energy (isotropy), and tends to
(3 theta / 2 - |u|^2 / 2) g as theta -> 0.

Velocity gradient G (du/dt = -G u): u <- M u with M = expm(-G tau) computed once on the host.
Temperature gradient g = grad ln T, reference temperature T (du/dt = (3T/(2m) - |u|^2/2) g): only the component
u_par = u . g_hat changes and K = 3T/(2m) - |u_perp|^2 / 2 is constant, so with a = |g| and h = a tau / 2

    du_par/dt = (a/2)(2K - u_par^2)   =>   u_par(tau) = (u_par + 2K h T) / (1 + u_par h T),
    T = tanh(h s)/(h s), s = sqrt(2K) (K > 0);   T = tan(h r)/(h r), r = sqrt(-2K) (K < 0);   T = 1 (K = 0),

one expression for the tanh, tan and rational solutions (T from its Taylor series where h|2K|^(1/2) is small,
so that the K -> 0 limit is exact too).

The flow blows up in finite time: a particle with u_par < -sqrt(2K) (or any u_par when K < 0) runs to
u_par = -infinity at t* ~ 2 / (a |u_par|), where the denominator 1 + u_par h T reaches zero. Where that happens
within the step the kernel returns NaN (the engine then stops the run with a message) instead of the formula's
continuation through infinity: the forcing is a linear-response model for thermal particles, and a runaway
means the gradient is too strong for the collisions or instabilities that should scatter the tail.
"""
import math

TAYLOR_LIMIT = 1e-8       # below this |y| = (h s)^2 the series 1 - y/3 + 2y^2/15 is exact to round-off
RELATIVISTIC = 2          # `temperature` switch of the relativistic temperature forcing (1: the form above)
RELATIVISTIC_STEP = 1e-4  # largest a tau of one Taylor substep of the relativistic flow (error ~ (a tau)^4 / 4)


def flow_factor(y):
    """T of the temperature flow as a function of y = 2K h^2: tanh(x)/x with x = sqrt(y) for y > 0, tan(x)/x
    with x = sqrt(-y) for y < 0; both have the series 1 - y/3 + 2y^2/15 - ..., used for |y| < TAYLOR_LIMIT
    (the common case: h s ~ 1e-5 in the research decks), which needs no square root and no branch on the sign."""
    if abs(y) < TAYLOR_LIMIT:
        return 1.0 - y / 3.0 + 2.0 * y * y / 15.0
    if y > 0.0:
        x = math.sqrt(y)
        return math.tanh(x) / x
    x = math.sqrt(-y)
    return math.tan(x) / x


def gradient_flow_at(u, p, m00, m01, m02, m10, m11, m12, m20, m21, m22):
    """u[:, p] <- M u[:, p] (the exact flow of du/dt = -G u over the step M was built for)."""
    u0, u1, u2 = u[0, p], u[1, p], u[2, p]
    u[0, p] = m00 * u0 + m01 * u1 + m02 * u2
    u[1, p] = m10 * u0 + m11 * u1 + m12 * u2
    u[2, p] = m20 * u0 + m21 * u1 + m22 * u2
    return 0.0


def temperature_flow_at(u, p, g0, g1, g2, h, k0, series):
    """Exact flow of du/dt = (k0 - |u|^2/2) a g_hat over tau, with (g0, g1, g2) = g_hat, h = a tau / 2 and
    k0 = 3T/(2m) (see the module docstring). With `series` (a compile-time constant) T comes from its series
    whatever y and a vanishing denominator is not caught: no branch, so that a loop over particles vectorises;
    the return value says whether that result cannot be trusted (|y| >= TAYLOR_LIMIT or 1 + u_par h T <= 0),
    and the caller then redoes the particle without `series`. Without it, the result is always exact (NaN past
    a blow-up) and the return value is the same flag."""
    u0, u1, u2 = u[0, p], u[1, p], u[2, p]
    par = u0 * g0 + u1 * g1 + u2 * g2
    perp2 = (u0 * u0 + u1 * u1 + u2 * u2) - par * par
    k = k0 - 0.5 * perp2
    y = 2.0 * k * h * h
    if series:
        t = 1.0 - y / 3.0 + 2.0 * y * y / 15.0
    else:
        t = flow_factor(y)
    den = 1.0 + par * h * t
    if series:
        new = (par + 2.0 * k * h * t) / den
    else:
        new = (par + 2.0 * k * h * t) / den if den > 0.0 else math.nan
    d = new - par
    u[0, p] = u0 + d * g0
    u[1, p] = u1 + d * g1
    u[2, p] = u2 + d * g2
    return (abs(y) >= TAYLOR_LIMIT) | (den <= 0.0)


def relativistic_substep(par, s2, k0, e):
    """u_par after d(|g| t) = e of du_par/d(|g| t) = f(u_par) = k0 - gamma, gamma = sqrt(s2 + u_par^2) (module
    docstring), by its Taylor series to third order:

        u_par + e f + (e^2 / 2) f f' + (e^3 / 6)(f f'^2 + f^2 f''),   f' = -u_par / gamma,   f'' = -s2 / gamma^3.

    The next term is bounded by e^4 gamma / 4 (|f'| <= 1, |f''| <= 1/gamma, |f^(3)| <= 1/gamma^2, |f| <= 2 gamma
    for k0 <= gamma's mean), so for e <= RELATIVISTIC_STEP the error is below round-off relative to gamma; one
    square root and one division per substep."""
    gamma = math.sqrt(s2 + par * par)
    inv = 1.0 / gamma
    f = k0 - gamma
    d1 = -par * inv
    d2 = -s2 * inv * inv * inv
    return par + e * (f + 0.5 * e * f * d1 + e * e * (f * d1 * d1 + f * f * d2) / 6.0)


def relativistic_temperature_flow_at(u, p, g0, g1, g2, h, k0, series):
    """Flow of the relativistically exact temperature forcing du/dt = (k0 - gamma) a g_hat over tau (h = a tau / 2,
    k0 = h_J(theta) - theta; module docstring): u_par only, at fixed s^2 = 1 + |u_perp|^2, in n substeps of
    a tau / n <= RELATIVISTIC_STEP (`relativistic_substep`). With `series` it takes one substep, branch-free
    (the fused step's vectorised pass), and flags the particle where that one is too long (a tau >
    RELATIVISTIC_STEP: every particle alike, since h is common), for the exact redo; n = 1 in the research
    decks (a tau ~ 1e-4). No blow-up: the rate grows only linearly in |u|."""
    u0, u1, u2 = u[0, p], u[1, p], u[2, p]
    par = u0 * g0 + u1 * g1 + u2 * g2
    s2 = 1.0 + (u0 * u0 + u1 * u1 + u2 * u2) - par * par
    if series:
        new = relativistic_substep(par, s2, k0, 2.0 * h)
    else:
        n = int(2.0 * h / RELATIVISTIC_STEP) + 1
        step = 2.0 * h / n
        new = par
        for _ in range(n):
            new = relativistic_substep(new, s2, k0, step)
    d = new - par
    u[0, p] = u0 + d * g0
    u[1, p] = u1 + d * g1
    u[2, p] = u2 + d * g2
    return series and 2.0 * h > RELATIVISTIC_STEP


def forcing_half_at(u, p, m00, m01, m02, m10, m11, m12, m20, m21, m22, g0, g1, g2, h, k0, velocity, temperature,
                    series):
    """One half step of the forcing, symmetric in itself: G over dt/4, T over dt/2, G over dt/4 (M is
    expm(-G dt/4), h = |g| dt/4); either flow alone is then its exact half step. `temperature`: 0 off, 1 the
    form of `temperature_flow_at` (k0 = 3T/(2m)), RELATIVISTIC the exact relativistic form (k0 = h_J - theta).
    Returns the flag of the temperature flow (False otherwise)."""
    if velocity:
        gradient_flow_at(u, p, m00, m01, m02, m10, m11, m12, m20, m21, m22)
    suspect = False
    if temperature == RELATIVISTIC:
        suspect = relativistic_temperature_flow_at(u, p, g0, g1, g2, h, k0, series)
    elif temperature:
        suspect = temperature_flow_at(u, p, g0, g1, g2, h, k0, series)
    if velocity:
        gradient_flow_at(u, p, m00, m01, m02, m10, m11, m12, m20, m21, m22)
    return suspect
