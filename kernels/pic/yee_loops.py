"""The per-cell loops of the Yee field solver and the binomial filter, declared once (`loops.CellLoop`) and
generated for the CPU (`yee_cpu`) and the GPU (`yee_gpu`). `e`, `b`, `jc` are tuples of the three component
arrays; `o` the neighbour offsets, `d` = 1/h per axis (0 on unused axes)."""
from .. import stencil
from . import yee_elements as el
from ..loops import CellLoop

_AXES = "o[0], o[1], o[2], d[0], d[1], d[2]"

BODIES = (el.faraday_at, el.ampere_at, stencil.binomial_at)

LOOPS = (
    CellLoop("faraday", "faraday_at", "e, b, dt, g, n, o, d",
             f"e[0], e[1], e[2], b[0], b[1], b[2], dt, i, j, k, {_AXES}",
             doc="B -= dt curl E (ghosts of E filled).", tuples=("e", "b")),
    CellLoop("ampere", "ampere_at", "e, b, jc, dt, g, n, o, d",
             f"e[0], e[1], e[2], b[0], b[1], b[2], jc[0], jc[1], jc[2], dt, i, j, k, {_AXES}",
             doc="E += dt (curl B - J) (ghosts of B filled).", tuples=("e", "b", "jc")),
    CellLoop("binomial", "binomial_at", "u, out, g, n, o", "u, out, i, j, k, o[0], o[1], o[2]",
             doc="out = one (1, 2, 1)/4 pass along every used axis of u (ghosts of u filled)."),
)
