"""Per-cell bodies of the phase-field thermomigration family (dimensionless), compiled for CPU and GPU.

Free energy density f(c, T) (energy per mole in units of R T_u, T in units of T_u), selected by `model`:
  DOUBLE_WELL  f = A (c - c_a(T))^2 (c_b(T) - c)^2,  c_a = ca0 + ca1 (T - t_ref),  c_b = cb0 + cb1 (T - t_ref)
               (PFHub BM1: A = rho = 5, c_a = 0.3, c_b = 0.7, no T dependence)
  IDEAL        f = T (c ln c + (1 - c) ln(1 - c))      (ideal dilute interstitial, reference mu0(T) = 0)
Chemical potential mu = df/dc - kappa Lap c and its temperature derivative at constant composition
s = d^2 f / dc dT (minus the partial molar entropy), which the constant-temperature convention of the flux needs.

Face flux between cells p and q a distance h apart (p -> q), from linear irreversible thermodynamics:
    J_pq = -M_pq [ (mu_q - mu_p) - theta (s_p + s_q)/2 (T_q - T_p) + (Q_p + Q_q)/2 / T_f (T_q - T_p) ] / h
with M_pq the harmonic mean of the cells' mobilities (0 across a no-flux wall: its ghost mobility is 0),
T_f = (T_p + T_q)/2, theta = 1 for the gradient of mu at constant temperature (the default convention) and 0
for the full spatial gradient. J_pq = -J_qp exactly, so dc/dt = -div J conserves solute to round-off.
Mobility: constant M, or the dilute-interstitial M = D(T) c (1 - c) / T with D(T) = exp(-qd (1/T - 1)).
Heat of transport: Q = Q_a + (Q_b - Q_a) h(phi), phi = (c - c_a)/(c_b - c_a) clipped to [0, 1],
h = phi^2 (3 - 2 phi).
"""
import math

DOUBLE_WELL = 0
IDEAL = 1
CONSTANT_MOBILITY = 0
DILUTE_MOBILITY = 1


def equilibrium_compositions(t, ca0, ca1, cb0, cb1, t_ref):
    """(c_a(T), c_b(T)) of the double well."""
    return ca0 + ca1 * (t - t_ref), cb0 + cb1 * (t - t_ref)


def bulk_free_energy(model, c, t, a, ca0, ca1, cb0, cb1, t_ref):
    """f(c, T)."""
    if model == IDEAL:
        return t * (c * math.log(c) + (1.0 - c) * math.log(1.0 - c))
    ca, cb = equilibrium_compositions(t, ca0, ca1, cb0, cb1, t_ref)
    p, q = c - ca, cb - c
    return a * p * p * q * q


def bulk_potential(model, c, t, a, ca0, ca1, cb0, cb1, t_ref):
    """df/dc."""
    if model == IDEAL:
        return t * math.log(c / (1.0 - c))
    ca, cb = equilibrium_compositions(t, ca0, ca1, cb0, cb1, t_ref)
    p, q = c - ca, cb - c
    return 2.0 * a * p * q * (q - p)


def potential_temperature_derivative(model, c, t, a, ca0, ca1, cb0, cb1, t_ref):
    """d^2 f / dc dT at constant c."""
    if model == IDEAL:
        return math.log(c / (1.0 - c))
    ca, cb = equilibrium_compositions(t, ca0, ca1, cb0, cb1, t_ref)
    p, q = c - ca, cb - c
    return 2.0 * a * (-ca1 * q * (q - p) + cb1 * p * (q - p) + (ca1 + cb1) * p * q)


def potential_at(c, temp, mu, s, i, j, k, ox, oy, oz, wx, wy, wz, model, a, ca0, ca1, cb0, cb1, t_ref, kappa):
    """mu = df/dc - kappa Lap c and s = d mu / dT at constant c, at the cell (ghosts of c filled)."""
    cc, t = c[i, j, k], temp[i, j, k]
    lap = (wx * (c[i - ox, j, k] + c[i + ox, j, k] - 2.0 * cc)
           + wy * (c[i, j - oy, k] + c[i, j + oy, k] - 2.0 * cc)
           + wz * (c[i, j, k - oz] + c[i, j, k + oz] - 2.0 * cc))
    mu[i, j, k] = bulk_potential(model, cc, t, a, ca0, ca1, cb0, cb1, t_ref) - kappa * lap
    s[i, j, k] = potential_temperature_derivative(model, cc, t, a, ca0, ca1, cb0, cb1, t_ref)
    return 0.0


def transport_at(c, temp, mob, heat, i, j, k, mobility, m0, qd, q_a, q_b, ca0, ca1, cb0, cb1, t_ref):
    """Cell mobility and heat of transport (see the module docstring)."""
    cc, t = c[i, j, k], temp[i, j, k]
    if mobility == DILUTE_MOBILITY:
        mob[i, j, k] = m0 * math.exp(-qd * (1.0 / t - 1.0)) * cc * (1.0 - cc) / t
    else:
        mob[i, j, k] = m0
    ca, cb = equilibrium_compositions(t, ca0, ca1, cb0, cb1, t_ref)
    phi = min(1.0, max(0.0, (cc - ca) / (cb - ca)))
    heat[i, j, k] = q_a + (q_b - q_a) * phi * phi * (3.0 - 2.0 * phi)
    return 0.0


def face_mobility(p, q):
    """Harmonic mean of two cell mobilities (0 where either is 0: a no-flux wall)."""
    total = p + q
    return 2.0 * p * q / total if total != 0.0 else 0.0


def face_drive(mu, s, temp, heat, i, j, k, di, dj, dk, theta):
    """The bracket of J_pq (module docstring) for the face from (i, j, k) to (i+di, j+dj, k+dk)."""
    dt = temp[i + di, j + dj, k + dk] - temp[i, j, k]
    t_face = 0.5 * (temp[i + di, j + dj, k + dk] + temp[i, j, k])
    return (mu[i + di, j + dj, k + dk] - mu[i, j, k]
            - theta * 0.5 * (s[i, j, k] + s[i + di, j + dj, k + dk]) * dt
            + 0.5 * (heat[i, j, k] + heat[i + di, j + dj, k + dk]) / t_face * dt)


def face_term(mu, s, temp, heat, mob, i, j, k, di, dj, dk, theta):
    """M_pq times the driving difference of one face (0 on an unused axis, where the offset is 0)."""
    if di == 0 and dj == 0 and dk == 0:
        return 0.0
    m = face_mobility(mob[i, j, k], mob[i + di, j + dj, k + dk])
    return m * face_drive(mu, s, temp, heat, i, j, k, di, dj, dk, theta)


def rate_at(mu, s, temp, heat, mob, rate, i, j, k, ox, oy, oz, wx, wy, wz, theta):
    """rate = dc/dt = -div J = sum over faces of M_pq drive_pq / h^2 (ghosts of mu, s, T, Q, M filled)."""
    rate[i, j, k] = (wx * (face_term(mu, s, temp, heat, mob, i, j, k, ox, 0, 0, theta)
                           + face_term(mu, s, temp, heat, mob, i, j, k, -ox, 0, 0, theta))
                     + wy * (face_term(mu, s, temp, heat, mob, i, j, k, 0, oy, 0, theta)
                             + face_term(mu, s, temp, heat, mob, i, j, k, 0, -oy, 0, theta))
                     + wz * (face_term(mu, s, temp, heat, mob, i, j, k, 0, 0, oz, theta)
                             + face_term(mu, s, temp, heat, mob, i, j, k, 0, 0, -oz, theta)))
    return 0.0


def free_energy_at(c, temp, i, j, k, ox, oy, oz, wx, wy, wz, model, a, ca0, ca1, cb0, cb1, t_ref, kappa):
    """f(c, T) + kappa/2 |grad c|^2 at the cell, the gradient from the forward faces (each face once;
    a mirrored ghost at a wall gives 0). Summed over cells and times the cell volume: the free energy F."""
    cc = c[i, j, k]
    grad2 = (wx * (c[i + ox, j, k] - cc) ** 2 + wy * (c[i, j + oy, k] - cc) ** 2
             + wz * (c[i, j, k + oz] - cc) ** 2)
    return bulk_free_energy(model, cc, temp[i, j, k], a, ca0, ca1, cb0, cb1, t_ref) + 0.5 * kappa * grad2


def advance_at(c, increment, scale, i, j, k):
    """c += scale * increment at the cell; returns the increment's square (for the update's size)."""
    d = scale * increment[i, j, k]
    c[i, j, k] += d
    return d * d
