"""The per-cell loops of the phase-field family, declared once (`loops.CellLoop`) and generated for the CPU
(`phasefield_cpu`) and the GPU (`phasefield_gpu`). `o` are the neighbour offsets and `w` = 1/h^2 per axis (0 on
unused axes); the thermodynamic constants (model, a, ca0, ca1, cb0, cb1, t_ref) are those of
`phasefield_elements`."""
from . import phasefield_elements as el
from ..loops import CellLoop

_STENCIL = "o[0], o[1], o[2], w[0], w[1], w[2]"
_THERMO = "model, a, ca0, ca1, cb0, cb1, t_ref"

BODIES = (el.equilibrium_compositions, el.bulk_free_energy, el.bulk_potential, el.potential_temperature_derivative,
          el.potential_at, el.transport_at, el.face_mobility, el.face_drive, el.face_term, el.rate_at,
          el.free_energy_at, el.advance_at)

LOOPS = (
    CellLoop("potential", "potential_at", f"c, temp, mu, s, g, n, o, w, {_THERMO}, kappa",
             f"c, temp, mu, s, i, j, k, {_STENCIL}, {_THERMO}, kappa",
             doc="mu = df/dc - kappa Lap c and s = d mu/dT at constant c (ghosts of c filled)."),
    CellLoop("transport", "transport_at", "c, temp, mob, heat, g, n, mobility, m0, qd, q_a, q_b, ca0, ca1, cb0, "
             "cb1, t_ref", "c, temp, mob, heat, i, j, k, mobility, m0, qd, q_a, q_b, ca0, ca1, cb0, cb1, t_ref",
             doc="Cell mobility and heat of transport."),
    CellLoop("rate", "rate_at", "mu, s, temp, heat, mob, rate, g, n, o, w, theta",
             f"mu, s, temp, heat, mob, rate, i, j, k, {_STENCIL}, theta",
             doc="rate = dc/dt = -div J (ghosts of mu, s, temp, heat, mob filled)."),
    CellLoop("free_energy", "free_energy_at", f"c, temp, g, n, o, w, {_THERMO}, kappa",
             f"c, temp, i, j, k, {_STENCIL}, {_THERMO}, kappa", True,
             "Local sum of f + kappa/2 |grad c|^2 over the owned cells (ghosts of c filled)."),
    CellLoop("advance", "advance_at", "c, increment, scale, g, n", "c, increment, scale, i, j, k", True,
             "c += scale * increment on the owned cells; returns the local sum of the squared change."),
)
