"""Per-species moments and field spectra of a distributed PIC state (spec section 4).

Moments relative to the unit vector b (the background-field direction), with v = u / gamma and every
macro-particle of a species carrying the same weight (averages are over particles):
    P_ij   = n m (<u_i v_j> - <u_i><v_j>)                         (pressure tensor, n_0 m_e c^2)
    T_par  = b . P b / n,   T_perp = (tr P - b . P b) / (2 n)
    q      = (n m / 2) <|w|^2 w>,   w = v - <v>                   (heat flux, n_0 m_e c^3)
reported along the temperature gradient of a forced species, else along b
(the pressure-tensor definition of the temperature, exact for a relativistic drifting Maxwellian's rest frame
only in the non-relativistic limit, which is the regime of the validation cases).

Spectra along the first axis: for the field components perpendicular to it (E_y, E_z; B_y, B_z), with
F_m = sum_i f_i exp(-2 pi i m i / N) along axis 0 on every line of the other axes,
    W_m = (V_cell / 2) (c_m / N) sum_lines sum_components |F_m|^2,   c_m = 1 (m = 0, N/2), else 2,
so that sum over m = 0..N/2 of W_m is the energy of those components; `spectrum_Ex` is the same for the
longitudinal E_x. The DFT along axis 0 is summed across
the ranks that share the same lines (a sub-communicator of the Cartesian grid).
"""
import math

import numpy as np


def moments(species, b_hat, density, comm, xp, q_hat=None, b0=0.0):
    """Moments of one species (global): T_par, T_perp, anisotropy T_perp/T_par, beta_par = 2 n T_par / B_0^2
    (when B_0 != 0), the pressure tensor P_ij = n m (<u_i v_j> - <u_i><v_j>) (components xx yy zz xy xz yz)
    and the heat flux q = (n m / 2) <|w|^2 w>, w = v - <v>: `heat_flux` along q_hat (default b), and its
    x, y, z components."""
    u = species.u
    v = u / xp.sqrt(1.0 + xp.sum(u * u, axis=0))
    uv = [xp.sum(u[i] * v[j]) for i in range(3) for j in range(3)]
    local = np.array([u.shape[1], *(float(x) for x in uv), *(float(x) for x in xp.sum(u, axis=1)),
                      *(float(x) for x in xp.sum(v, axis=1))], dtype=float)
    total = comm.allreduce(local)
    n = max(total[0], 1.0)
    mean = total[1:] / n
    mean_u, mean_v = mean[9:12], mean[12:15]
    spread = mean[:9].reshape(3, 3) - np.outer(mean_u, mean_v)     # <u_i v_j> - <u_i><v_j>
    b = np.asarray(b_hat, dtype=float)
    t_par = species.mass * float(b @ spread @ b)
    t_perp = 0.5 * species.mass * (float(np.trace(spread)) - float(b @ spread @ b))
    w = v - xp.asarray(mean_v)[:, None]
    w2 = xp.sum(w * w, axis=0)
    q = 0.5 * density * species.mass * comm.allreduce(np.array([float(xp.sum(w2 * w[a])) for a in range(3)])) / n
    direction = b if q_hat is None else np.asarray(q_hat, dtype=float)
    out = {"T_par": t_par, "T_perp": t_perp, "anisotropy": t_perp / t_par if t_par > 0 else math.nan,
           "heat_flux": float(q @ direction)}
    if b0 > 0.0:
        out["beta_par"] = 2.0 * density * t_par / b0**2
    pressure = density * species.mass * spread
    for i, j in ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)):
        out[f"P_{'xyz'[i]}{'xyz'[j]}"] = 0.5 * float(pressure[i, j] + pressure[j, i])
    for a, c in enumerate("xyz"):
        out[f"heat_flux_{c}"] = float(q[a])
    return out


class Spectra:
    """Energy per Fourier mode along axis 0 of the fields perpendicular to it (see the module docstring)."""

    def __init__(self, mesh, modes, xp):
        self.mesh, self.xp = mesh, xp
        n = mesh.global_shape[0]
        self.modes = min(modes, n // 2 + 1)
        m = np.arange(self.modes)
        i = np.arange(mesh.local_offset[0], mesh.local_offset[0] + mesh.local_shape[0])
        self.dft = xp.asarray(np.exp(-2j * math.pi * np.outer(m, i) / n))
        self.weight = np.where((m == 0) | (2 * m == n), 1.0, 2.0) * 0.5 * mesh.cell_volume / n
        self.k = 2.0 * math.pi * m / mesh.length[0]
        self.lines = mesh.topology.line(0) if mesh.comm.size > 1 else None
        self.first_on_line = mesh.topology.coords[0] == 0

    def energy(self, components):
        """W_m (numpy, length `modes`) summed over `components` (block arrays)."""
        mesh, xp = self.mesh, self.xp
        total = np.zeros(self.modes)
        for c in components:
            owned = mesh.owned(c).reshape(mesh.local_shape[0], -1)
            partial = np.asarray(xp.asnumpy(self.dft @ owned) if xp is not np else self.dft @ owned)
            if self.lines is not None:
                partial = self.lines.allreduce(partial)
            if self.first_on_line:
                total += np.sum(np.abs(partial) ** 2, axis=1)
        return mesh.comm.allreduce(total) * self.weight

    def __call__(self, fields):
        """{spectrum_E, spectrum_B} from the Yee fields (components y, z), and the longitudinal spectrum_Ex
        (E_x: Langmuir waves, two-stream and other electrostatic modes along the first axis)."""
        return {"spectrum_E": self.energy(fields.e[1:]), "spectrum_B": self.energy(fields.b[1:]),
                "spectrum_Ex": self.energy(fields.e[:1])}
