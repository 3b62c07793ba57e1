"""The per-cell loops of the matrix-free Krylov solvers, declared once (`loops.CellLoop`) and generated for the
CPU (`linalg_cpu`) and the GPU (`linalg_gpu`). The operator is A = alpha I - beta Lap (or alpha I - beta div(a
grad)); `o` are the neighbour offsets and `w` the weights 1/h^2 per axis (0 on unused axes)."""
from . import krylov_elements as el
from .. import stencil
from ..loops import CellLoop

_STENCIL = "o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta"

BODIES = (stencil.laplacian_at, stencil.shifted_laplacian_at, stencil.harmonic_mean, stencil.div_a_grad_at,
          el.apply_at, el.apply_var_at, el.residual_at, el.dot_at, el.cg_step_at, el.jacobi_at, el.xpby_at,
          el.add_at, el.step_length, el.direction_coefficient, el.history_entry)

LOOPS = (
    CellLoop("apply_dot", "apply_at", "u, out, g, n, o, w, alpha, beta", f"u, out, i, j, k, {_STENCIL}", True,
             "out = A u on the owned cells (ghosts of u filled); returns the local sum of u * out."),
    CellLoop("apply_dot_var", "apply_var_at", "u, a, out, g, n, o, w, alpha, beta",
             f"u, a, out, i, j, k, {_STENCIL}", True,
             "out = (alpha I - beta div(a grad)) u on the owned cells; returns the local u.out."),
    CellLoop("residual", "residual_at", "b, u, r, g, n, o, w, alpha, beta", f"b, u, r, i, j, k, {_STENCIL}", True,
             "r = b - A u on the owned cells; returns the local r.r."),
    CellLoop("dot", "dot_at", "a, b, g, n", "a, b, i, j, k", True, "Local sum of a * b over the owned cells."),
    CellLoop("cg_step", "cg_step_at", "x, r, p, q, alpha, g, n", "x, r, p, q, alpha, i, j, k", True,
             "x += alpha p; r -= alpha q (one fused pass); returns the local r.r."),
    CellLoop("jacobi", "jacobi_at", "r, inv_diag, z, g, n", "r, inv_diag, z, i, j, k", True,
             "z = D^-1 r; returns the local r.z."),
    CellLoop("xpby", "xpby_at", "x, y, beta, g, n", "x, y, beta, i, j, k", doc="y = x + beta y on the owned cells."),
    CellLoop("add_constant", "add_at", "x, c, g, n", "x, c, i, j, k", doc="x += c on the owned cells."),
)
