"""The compact Esirkepov deposition (3-node window, 2 nodes for moves inside one cell, one compiled loop per
dimensionality) equals the textbook form on a 4-node stencil from floor(xi_old) - 1 to round-off, in 1-D, 2-D
and 3-D, for moves up to 0.9 cells in every direction (crossing cell edges both ways)."""
import math

import numpy as np
import pytest

from hpcsim.kernels.pic import deposit_cpu


def reference_current(shape, x_old, x_new, u, qw, dt, inv_h, shift, h):
    """Esirkepov (2001) with linear shapes on 4 nodes per used axis, written out plainly."""
    j = [np.zeros(shape) for _ in range(3)]
    used = [ih > 0.0 for ih in inv_h]
    for p in range(x_new.shape[1]):
        o = [x_old[a, p] * inv_h[a] + shift[a] for a in range(3)]
        e = [x_new[a, p] * inv_h[a] + shift[a] for a in range(3)]
        base = [math.floor(o[a]) - 1 if used[a] else 0 for a in range(3)]
        s0 = [[max(0.0, 1.0 - abs(base[a] + m - o[a])) if used[a] else float(m == 0) for m in range(4)]
              for a in range(3)]
        s1 = [[max(0.0, 1.0 - abs(base[a] + m - e[a])) if used[a] else float(m == 0) for m in range(4)]
              for a in range(3)]
        v = u[:, p] / math.sqrt(1.0 + u[:, p] @ u[:, p])
        for a in range(3):
            b, c = [q for q in range(3) if q != a]
            for mb in range(4 if used[b] else 1):
                for mc in range(4 if used[c] else 1):
                    d_b, d_c = s1[b][mb] - s0[b][mb], s1[c][mc] - s0[c][mc]
                    f = s0[b][mb] * s0[c][mc] + 0.5 * d_b * s0[c][mc] + 0.5 * s0[b][mb] * d_c + d_b * d_c / 3.0
                    node = [0, 0, 0]
                    node[b], node[c] = base[b] + mb, base[c] + mc
                    if not used[a]:
                        node[a] = base[a]
                        j[a][tuple(node)] += qw * v[a] * f
                        continue
                    acc = 0.0
                    for m in range(3):
                        acc -= qw * h[a] / dt * (s1[a][m] - s0[a][m]) * f
                        node[a] = base[a] + m
                        j[a][tuple(node)] += acc
    return j


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_compact_esirkepov_equals_the_four_node_form(ndim):
    rng = np.random.default_rng(61 + ndim)
    n, cells = 400, 5
    shape = tuple(cells + 4 if a < ndim else 1 for a in range(3))
    x_old = np.zeros((3, n))
    x_old[:ndim] = rng.uniform(0.0, 1.0, (ndim, n))
    x_new = x_old.copy()
    x_new[:ndim] += rng.uniform(-0.9, 0.9, (ndim, n)) / cells        # up to 0.9 cells either way
    x_new[:ndim, ::3] = x_old[:ndim, ::3] + 0.01 / cells             # and moves inside one cell
    u = rng.uniform(-2.0, 2.0, (3, n))
    inv_h = tuple(float(cells) if a < ndim else 0.0 for a in range(3))
    shift = tuple(2.0 if a < ndim else 0.0 for a in range(3))
    h = tuple(1.0 / cells if a < ndim else 1.0 for a in range(3))
    qw, dt = -0.7, 0.05
    j = tuple(np.zeros(shape) for _ in range(3))
    deposit_cpu.deposit_current(j, x_old, x_new, u, qw, dt, inv_h, shift, h)
    expected = reference_current(shape, x_old, x_new, u, qw, dt, inv_h, shift, h)
    for a in range(3):
        scale = np.abs(expected[a]).max()
        np.testing.assert_allclose(j[a], expected[a], rtol=0, atol=1e-14 * scale)
