"""The per-cell loops of the geometric multigrid, declared once (`loops.CellLoop`) and generated for the CPU
(`multigrid_cpu`) and the GPU (`multigrid_gpu`): prolongation (over the fine owned cells; `gc` the coarse ghost
widths), restriction (over the coarse owned cells; `gf` the fine ghost widths), the assembled-stencil operator of
Galerkin levels, the polynomial smoother update and red-black Gauss-Seidel. `index`, `weight`, `span`, `rweight`
are the per-axis transfer tables (see `multigrid_elements`)."""
from . import multigrid_elements as el
from .. import stencil
from ..loops import CellLoop

BODIES = (stencil.laplacian_at, stencil.shifted_laplacian_at, el.prolong_add_at, el.restrict_at,
          el.stencil_apply_at, el.chebyshev_at, el.gauss_seidel_at)

LOOPS = (
    CellLoop("prolong_add", "prolong_add_at", "ec, ef, g, n, gc, index, weight",
             "ec, ef, i, j, k, g[0], g[1], g[2], gc[0], gc[1], gc[2], index, weight",
             doc="ef += P ec on the fine owned cells (coarse ghosts of ec filled)."),
    CellLoop("restrict", "restrict_at", "rf, rc, gf, g, n, span, rweight, scale",
             "rf, rc, i, j, k, gf[0], gf[1], gf[2], g[0], g[1], g[2], span, rweight, scale",
             doc="rc = scale P^T rf on the coarse owned cells (fine ghosts of rf filled)."),
    CellLoop("stencil_apply_dot", "stencil_apply_at", "u, coef, offsets, out, g, n",
             "u, coef, offsets, out, i, j, k, g[0], g[1], g[2]", True,
             "out = A u for the assembled stencil (coef, offsets) on the owned cells; returns the local u.out."),
    CellLoop("chebyshev", "chebyshev_at", "x, d, r, inv_diag, c1, c2, g, n", "x, d, r, inv_diag, c1, c2, i, j, k",
             doc="d = c1 d + c2 D^-1 r; x += d on the owned cells."),
    CellLoop("gauss_seidel", "gauss_seidel_at", "b, x, inv_diag, colour, parity, g, n, o, w, alpha, beta",
             "b, x, inv_diag, colour, parity, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta",
             doc="One colour of a red-black Gauss-Seidel sweep for the shifted Laplacian (ghosts of x filled)."),
)
