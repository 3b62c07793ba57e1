"""The per-cell loops of the DCDM network and the obstacle operator, declared once (`loops.CellLoop`) and
generated for the CPU (`dcdm_cpu`) and the GPU (`dcdm_gpu`). `f` is the pooling factor per axis (2 on used axes,
1 otherwise); `o`, `w` as in `linalg_loops`."""
from . import dcdm_elements as el
from ..loops import CellLoop

BODIES = (el.conv_at, el.pool_at, el.unpool_add_at, el.masked_face, el.masked_apply_at)

LOOPS = (
    CellLoop("conv", "conv_at", "x, wt, bias, res, out, add, relu, g, n",
             "x, x, wt, bias, res, out, add, relu, i, j, k",
             doc="out = act(conv(x, wt) + bias + add res) on the owned cells (ghosts of x filled)."),
    CellLoop("conv_masked", "conv_at", "x, m, wt, bias, res, out, add, relu, g, n",
             "x, m, wt, bias, res, out, add, relu, i, j, k",
             doc="out = act(conv([x, m x], wt) + bias + add res) on the owned cells (ghosts of x and m filled)."),
    CellLoop("pool", "pool_at", "fine, coarse, f, g, n, m",
             "fine, coarse, f[0], f[1], f[2], g[0], g[1], g[2], m[0], m[1], m[2], i, j, k",
             doc="coarse = average of fine over 2x blocks; g, n of the coarse level, m the fine block's cells."),
    CellLoop("unpool_add", "unpool_add_at", "coarse, fine, f, g, n",
             "coarse, fine, f[0], f[1], f[2], g[0], g[1], g[2], i, j, k",
             doc="fine += nearest-neighbour upsampling of coarse; g, n of the fine level."),
    CellLoop("masked_apply_dot", "masked_apply_at", "u, m, out, g, n, o, w, alpha, beta",
             "u, m, out, i, j, k, o[0], o[1], o[2], w[0], w[1], w[2], alpha, beta", True,
             "out = A u for the obstacle operator (ghosts of u and m filled); returns the local u.out."),
)
