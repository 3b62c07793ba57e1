"""Per-element bodies of the fused vector updates of the CG variants (`hpcsim.linalg.krylov`), written once and
compiled for CPU (`krylov_fused_cpu`) and GPU (`krylov_fused_gpu`).

Each function updates cell (i, j, k) of 3-D ghosted block arrays (flexible CG keeps its directions in 4-D
stacks of them, slot first) in one pass and returns that cell's contributions to the dot products the solver
reduces next: one float, or a tuple when the solver fuses several dots into one reduction. Without a
preconditioner the solvers' u = M^-1 r is r itself (and m = w, q = s): those cases have their own `plain`
bodies, because no array a kernel writes may be passed to it twice (numba.cuda copies host arrays argument by
argument, so aliases would not see each other's writes).
"""


def cg1_step_at(x, r, u, w, p, s, alpha, beta, i, j, k):
    """Chronopoulos-Gear with u = M^-1 r, w = A u: p = u + beta p; s = w + beta s (= A p); x += alpha p;
    r -= alpha s; returns r^2."""
    pv = u[i, j, k] + beta * p[i, j, k]
    sv = w[i, j, k] + beta * s[i, j, k]
    p[i, j, k] = pv
    s[i, j, k] = sv
    x[i, j, k] += alpha * pv
    rv = r[i, j, k] - alpha * sv
    r[i, j, k] = rv
    return rv * rv


def cg1_plain_step_at(x, r, w, p, s, alpha, beta, i, j, k):
    """Chronopoulos-Gear without preconditioner (u = r), w = A r: p = r + beta p; s = w + beta s;
    x += alpha p; r -= alpha s; returns r^2."""
    pv = r[i, j, k] + beta * p[i, j, k]
    sv = w[i, j, k] + beta * s[i, j, k]
    p[i, j, k] = pv
    s[i, j, k] = sv
    x[i, j, k] += alpha * pv
    rv = r[i, j, k] - alpha * sv
    r[i, j, k] = rv
    return rv * rv


def pipelined_step_at(x, r, u, w, mv, nv, p, s, q, z, alpha, beta, i, j, k):
    """Ghysels-Vanroose with m = M w, n = A m:
        z = n + beta z; q = m + beta q; s = w + beta s; p = u + beta p;
        x += alpha p; r -= alpha s; u -= alpha q; w -= alpha z;
    returns (r u, w u, r r) of the updated vectors."""
    zv = nv[i, j, k] + beta * z[i, j, k]
    qv = mv[i, j, k] + beta * q[i, j, k]
    sv = w[i, j, k] + beta * s[i, j, k]
    pv = u[i, j, k] + beta * p[i, j, k]
    z[i, j, k] = zv
    q[i, j, k] = qv
    s[i, j, k] = sv
    p[i, j, k] = pv
    x[i, j, k] += alpha * pv
    rv = r[i, j, k] - alpha * sv
    uv = u[i, j, k] - alpha * qv
    wv = w[i, j, k] - alpha * zv
    r[i, j, k] = rv
    u[i, j, k] = uv
    w[i, j, k] = wv
    return rv * uv, wv * uv, rv * rv


def pipelined_plain_step_at(x, r, w, nv, p, s, z, alpha, beta, i, j, k):
    """Ghysels-Vanroose without preconditioner (u = r, m = w, q = s), n = A w:
        z = n + beta z; s = w + beta s; p = r + beta p; x += alpha p; r -= alpha s; w -= alpha z;
    returns (r r, w r) of the updated vectors."""
    zv = nv[i, j, k] + beta * z[i, j, k]
    sv = w[i, j, k] + beta * s[i, j, k]
    pv = r[i, j, k] + beta * p[i, j, k]
    z[i, j, k] = zv
    s[i, j, k] = sv
    p[i, j, k] = pv
    x[i, j, k] += alpha * pv
    rv = r[i, j, k] - alpha * sv
    wv = w[i, j, k] - alpha * zv
    r[i, j, k] = rv
    w[i, j, k] = wv
    return rv * rv, wv * rv


def stack_dot_at(a, stack, slot, i, j, k):
    """a * stack[slot] at the cell (flexible CG: z . A p_j for the stored directions)."""
    return a[i, j, k] * stack[slot, i, j, k]


def direction_at(z, r, stack, coef, slot, i, j, k):
    """Flexible CG direction: stack[slot] = z - sum_j coef[j] stack[j] over the slots with coef[j] != 0
    (coef[slot] must be 0); returns p r."""
    v = z[i, j, k]
    for t in range(len(coef)):
        if coef[t] != 0.0:
            v -= coef[t] * stack[t, i, j, k]
    stack[slot, i, j, k] = v
    return v * r[i, j, k]
