"""The fused vector updates of the CG variants (`hpcsim.linalg.krylov`), declared once (`loops.CellLoop`) and
generated for the CPU (`krylov_fused_cpu`) and the GPU (`krylov_fused_gpu`). A loop fusing several dots returns
them as one array, the send buffer of the solver's single (non-blocking) `Allreduce`."""
from . import krylov_fused_elements as el
from ..loops import CellLoop

BODIES = (el.cg1_step_at, el.cg1_plain_step_at, el.pipelined_step_at, el.pipelined_plain_step_at,
          el.stack_dot_at, el.direction_at)

LOOPS = (
    CellLoop("cg1_step", "cg1_step_at", "x, r, u, w, p, s, alpha, beta, g, n",
             "x, r, u, w, p, s, alpha, beta, i, j, k", 1,
             "p = u + beta p; s = w + beta s; x += alpha p; r -= alpha s; returns the local r.r."),
    CellLoop("cg1_plain_step", "cg1_plain_step_at", "x, r, w, p, s, alpha, beta, g, n",
             "x, r, w, p, s, alpha, beta, i, j, k", 1,
             "p = r + beta p; s = w + beta s; x += alpha p; r -= alpha s; returns the local r.r."),
    CellLoop("pipelined_step", "pipelined_step_at", "x, r, u, w, mv, nv, p, s, q, z, alpha, beta, g, n",
             "x, r, u, w, mv, nv, p, s, q, z, alpha, beta, i, j, k", 3,
             "The eight pipelined-CG updates in one pass; returns the local [r.u, w.u, r.r]."),
    CellLoop("pipelined_plain_step", "pipelined_plain_step_at", "x, r, w, nv, p, s, z, alpha, beta, g, n",
             "x, r, w, nv, p, s, z, alpha, beta, i, j, k", 2,
             "The six unpreconditioned pipelined-CG updates in one pass; returns the local [r.r, w.r]."),
    CellLoop("stack_dot", "stack_dot_at", "a, stack, slot, g, n", "a, stack, slot, i, j, k", 1,
             "The local a.stack[slot]."),
    CellLoop("direction", "direction_at", "z, r, stack, coef, slot, g, n", "z, r, stack, coef, slot, i, j, k", 1,
             "stack[slot] = z - sum_t coef[t] stack[t] (coef a tuple, coef[slot] = 0); returns the local p.r."),
)
