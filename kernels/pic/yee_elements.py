"""Per-cell bodies of the Yee FDTD update (normalised units: c = 1, fields in m c omega_pe / e, time in
1/omega_pe, J in e n_0 c), compiled for CPU and GPU.

Staggering on cell (i, j, k): E_x at (i+1/2, j, k), E_y at (i, j+1/2, k), E_z at (i, j, k+1/2); B_x at
(i, j+1/2, k+1/2), B_y at (i+1/2, j, k+1/2), B_z at (i+1/2, j+1/2, k); J like E. Faraday uses forward
differences of E, Ampere backward differences of B:
    B <- B - dt curl E,    E <- E + dt (curl B - J)
`d` = (1/h_x, 1/h_y, 1/h_z) with 0 and the offset o = 0 on unused axes, so one body serves 1-D, 2-D and 3-D.
"""


def faraday_at(ex, ey, ez, bx, by, bz, dt, i, j, k, ox, oy, oz, dx, dy, dz):
    """B -= dt curl E at the cell (forward differences)."""
    bx[i, j, k] -= dt * (dy * (ez[i, j + oy, k] - ez[i, j, k]) - dz * (ey[i, j, k + oz] - ey[i, j, k]))
    by[i, j, k] -= dt * (dz * (ex[i, j, k + oz] - ex[i, j, k]) - dx * (ez[i + ox, j, k] - ez[i, j, k]))
    bz[i, j, k] -= dt * (dx * (ey[i + ox, j, k] - ey[i, j, k]) - dy * (ex[i, j + oy, k] - ex[i, j, k]))
    return 0.0


def ampere_at(ex, ey, ez, bx, by, bz, jx, jy, jz, dt, i, j, k, ox, oy, oz, dx, dy, dz):
    """E += dt (curl B - J) at the cell (backward differences)."""
    ex[i, j, k] += dt * (dy * (bz[i, j, k] - bz[i, j - oy, k]) - dz * (by[i, j, k] - by[i, j, k - oz]) - jx[i, j, k])
    ey[i, j, k] += dt * (dz * (bx[i, j, k] - bx[i, j, k - oz]) - dx * (bz[i, j, k] - bz[i - ox, j, k]) - jy[i, j, k])
    ez[i, j, k] += dt * (dx * (by[i, j, k] - by[i - ox, j, k]) - dy * (bx[i, j, k] - bx[i, j - oy, k]) - jz[i, j, k])
    return 0.0
