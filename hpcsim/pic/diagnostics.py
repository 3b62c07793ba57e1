"""Per-species moments and field spectra of a distributed PIC state (spec section 4).

Moments relative to the unit vector b (the background-field direction), with v = u / gamma and every
macro-particle of a species carrying the same weight (averages are over particles):
    T_par  = m (<u_par v_par> - <u_par><v_par>)
    T_perp = (m / 2) (<u_perp . v_perp> - <u_perp> . <v_perp>)
    q_par  = (n m / 2) <|w|^2 w_par>,   w = v - <v>            (heat flux along b, in n_0 m_e c^3)
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


def moments(species, b_hat, density, comm, xp):
    """{T_par, T_perp, heat_flux} of one species (global)."""
    b = xp.asarray(b_hat, dtype=float)[:, None]
    u = species.u
    v = u / xp.sqrt(1.0 + xp.sum(u * u, axis=0))
    u_par, v_par = xp.sum(u * b, axis=0), xp.sum(v * b, axis=0)
    u_perp, v_perp = u - u_par * b, v - v_par * b
    local = [u.shape[1], *(float(x) for x in (xp.sum(u_par), xp.sum(v_par), xp.sum(u_par * v_par),
                                                xp.sum(u_perp * v_perp))),
             *(float(x) for x in xp.sum(u_perp, axis=1)), *(float(x) for x in xp.sum(v_perp, axis=1)),
             *(float(x) for x in xp.sum(v, axis=1))]
    total = comm.allreduce(np.array(local, dtype=float))
    n = max(total[0], 1.0)
    mean = total[1:] / n
    s_u_par, s_v_par, s_uv_par, s_uv_perp = mean[:4]
    m_u_perp, m_v_perp, m_v = mean[4:7], mean[7:10], mean[10:13]
    t_par = species.mass * (s_uv_par - s_u_par * s_v_par)
    t_perp = 0.5 * species.mass * (s_uv_perp - float(np.dot(m_u_perp, m_v_perp)))
    w = v - xp.asarray(m_v)[:, None]
    local_q = float(xp.sum(xp.sum(w * w, axis=0) * xp.sum(w * b, axis=0)))
    q_par = 0.5 * density * species.mass * comm.allreduce(local_q) / n
    return {"T_par": t_par, "T_perp": t_perp, "heat_flux": q_par}


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
        remain = [a == 0 for a in range(len(mesh.topology.dims))]
        self.lines = mesh.topology.cart.Sub(remain) if mesh.comm.size > 1 else None
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
