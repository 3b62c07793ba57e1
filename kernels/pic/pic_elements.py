"""Per-particle bodies of the PIC pushers, written once and compiled for CPU (numba) and GPU (numba.cuda).

Normalised units: c = 1, time in 1/omega_pe, momentum u = gamma v (in m c), fields in m c omega_pe / e;
`qm_dt` is (q/m) dt. Both pushers advance u from n-1/2 to n+1/2 given E, B at the particle at time n.

Vay (2008, Phys. Plasmas 15, 056701), with tau = (q dt / 2m) B:
    u* = u + (q dt/m) (E + v x B / 2),  v = u / gamma(u)
    gamma'^2 = 1 + u*^2,  w = u* . tau,  sigma = gamma'^2 - tau^2
    gamma_new = sqrt((sigma + sqrt(sigma^2 + 4 (tau^2 + w^2))) / 2)
    t = tau / gamma_new,  s = 1 / (1 + t^2),  u_new = s [u* + (u* . t) t + u* x t]
It is exact for E + v x B = 0 (the relativistic force-free drift), where Boris is not.

Boris: u- = u + (q dt/2m) E; rotation by t = (q dt / 2m) B / gamma(u-), s = 2 t / (1 + t^2):
    u' = u- + u- x t,  u+ = u- + u' x s;  u_new = u+ + (q dt/2m) E.
The pushers return the new (ux, uy, uz); `push_move_at` stores them and moves x += dt u_new / gamma_new;
`push_forced_move_at` wraps the Lorentz step in the thermodynamic forcing (`forcing_elements`).
"""
import math

from .forcing_elements import forcing_half_at  # called by name: compile_for binds the compiled version


def push_vay(ux, uy, uz, ex, ey, ez, bx, by, bz, qm_dt):
    ginv = 1.0 / math.sqrt(1.0 + ux * ux + uy * uy + uz * uz)
    h = 0.5 * qm_dt
    # u* = u + qm dt E + (qm dt / 2) v x B
    sx = ux + qm_dt * ex + h * ginv * (uy * bz - uz * by)
    sy = uy + qm_dt * ey + h * ginv * (uz * bx - ux * bz)
    sz = uz + qm_dt * ez + h * ginv * (ux * by - uy * bx)
    tx, ty, tz = h * bx, h * by, h * bz
    tau2 = tx * tx + ty * ty + tz * tz
    w = sx * tx + sy * ty + sz * tz
    sigma = 1.0 + sx * sx + sy * sy + sz * sz - tau2
    gamma = math.sqrt(0.5 * (sigma + math.sqrt(sigma * sigma + 4.0 * (tau2 + w * w))))
    tx, ty, tz = tx / gamma, ty / gamma, tz / gamma
    s = 1.0 / (1.0 + tx * tx + ty * ty + tz * tz)
    st = sx * tx + sy * ty + sz * tz
    return (s * (sx + st * tx + (sy * tz - sz * ty)),
            s * (sy + st * ty + (sz * tx - sx * tz)),
            s * (sz + st * tz + (sx * ty - sy * tx)))


def push_boris(ux, uy, uz, ex, ey, ez, bx, by, bz, qm_dt):
    h = 0.5 * qm_dt
    mx, my, mz = ux + h * ex, uy + h * ey, uz + h * ez
    ginv = 1.0 / math.sqrt(1.0 + mx * mx + my * my + mz * mz)
    tx, ty, tz = h * bx * ginv, h * by * ginv, h * bz * ginv
    f = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz)
    px = mx + (my * tz - mz * ty)
    py = my + (mz * tx - mx * tz)
    pz = mz + (mx * ty - my * tx)
    mx += f * (py * tz - pz * ty)
    my += f * (pz * tx - px * tz)
    mz += f * (px * ty - py * tx)
    return mx + h * ex, my + h * ey, mz + h * ez


def inverse_gamma(ux, uy, uz):
    return 1.0 / math.sqrt(1.0 + ux * ux + uy * uy + uz * uz)


def push_at(u, e, b, p, qm_dt, pusher):
    """u[:, p] <- the Lorentz step of particle p (pusher 0: Vay, 1: Boris; arrays [3, N])."""
    if pusher == 0:
        ux, uy, uz = push_vay(u[0, p], u[1, p], u[2, p], e[0, p], e[1, p], e[2, p], b[0, p], b[1, p], b[2, p], qm_dt)
    else:
        ux, uy, uz = push_boris(u[0, p], u[1, p], u[2, p], e[0, p], e[1, p], e[2, p], b[0, p], b[1, p], b[2, p],
                                qm_dt)
    u[0, p], u[1, p], u[2, p] = ux, uy, uz
    return 0.0


def move_at(x, u, p, dt):
    """x[:, p] += dt u / gamma (u at n+1/2)."""
    ux, uy, uz = u[0, p], u[1, p], u[2, p]
    g = dt * inverse_gamma(ux, uy, uz)
    x[0, p] += g * ux
    x[1, p] += g * uy
    x[2, p] += g * uz
    return 0.0


def push_move_at(x, u, e, b, p, qm_dt, dt, pusher):
    """Push particle p and move it by dt u_new / gamma_new."""
    push_at(u, e, b, p, qm_dt, pusher)
    move_at(x, u, p, dt)
    return 0.0


def push_forced_move_at(x, u, e, b, p, qm_dt, dt, pusher, f, velocity, temperature):
    """The modified pusher (TF-PIC spec section 2): Strang splitting of the exact forcing flow around the
    unchanged Lorentz step, forcing over dt/2, Lorentz step, forcing over dt/2, then the move with the final
    u^{n+1/2}. `f` holds the forcing coefficients of `forcing_elements.forcing_half_at`: the 9 entries of
    expm(-G dt/4) row by row, g_hat (3), h = |g| dt/4 and k0 = 3T/(2m)."""
    forcing_half_at(u, p, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13],
                    velocity, temperature, False)
    push_at(u, e, b, p, qm_dt, pusher)
    forcing_half_at(u, p, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13],
                    velocity, temperature, False)
    move_at(x, u, p, dt)
    return 0.0
