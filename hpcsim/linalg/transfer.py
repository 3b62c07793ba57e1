"""Grid transfer between a multigrid level and the next coarser one, for any block size and rank layout.

Coarsening. Along a coarsened axis of N cells on [origin, origin + L] the coarse grid has N_c = ceil(N / 2)
cells of width H = L / N_c on the same domain: nested (H = 2h) for even N, not nested for odd N (the coarse
centres X_I = (I + 1/2) H fall between or on fine centres x_i = (i + 1/2) h). Each rank owns the coarse cells
whose centres lie in its fine block [a, b):  a <= X_I < b  <=>  2 o N_c <= (2 I + 1) N < 2 (o + n) N_c  for the
block's first cell o and size n, so blocks that differ by one cell (or any uneven split) coarsen without moving
data between ranks; coarse blocks again differ by at most a cell or two.

Operators. P is linear interpolation between coarse centres (weights from exact integer arithmetic on the
positions above); R = c P^T with c = prod_a N_c,a / N_a, which makes R an average (rows sum to about one) and
keeps the V-cycle symmetric for any c. Boundaries: both grids share the faces, and the ghosts of both are
filled by the same reflection through the face (Dirichlet odd, Neumann even, periodic wrap), so the transfers
see the boundary condition and R stays exactly c P^T there too.

Reach. P needs one coarse ghost layer. The support of a coarse cell, |x_i - X_I| < H, can reach two fine cells
past a block's edge when that edge is not at an even global index (an odd block on a rank boundary); the
residual is then copied into an array with two ghost layers before restriction (`wide`).
"""
import numpy as np

from ..mesh import Mesh

MARGIN = 2          # fine cells past each block edge that the tables cover (the largest reach)
SUPPORT = 4         # fine cells in the support of a coarse cell along an axis, at most: |x_i - X_I| < H <= 2h


def coarse_cells(n):
    """N_c = ceil(N / 2)."""
    return (n + 1) // 2


def first_coarse_cell(n, nc, offset):
    """The first coarse cell whose centre is at or right of the fine face `offset`: ceil((2 o N_c - N) / 2N)."""
    return -((n - 2 * offset * nc) // (2 * n))


def _axis_tables(n, nc, fine_offset, fine_size, coarse_offset, coarse_size, coarsened):
    """(lo, hi, w) per fine cell t = -MARGIN .. n_f + MARGIN - 1 relative to the block, and (first, count,
    weights) of the support per owned coarse cell, all relative to the first owned fine and coarse cells."""
    t = np.arange(-MARGIN - 1, fine_size + MARGIN + 1)      # one more cell each side, to check the reach
    if not coarsened:
        lo, w = t.copy(), np.ones(t.size)
        hi = lo.copy()
    else:
        num = (2 * (fine_offset + t) + 1) * nc - n       # (x_i / H - 1/2) * 2N, exactly
        lo_global = num // (2 * n)
        rem = num - lo_global * 2 * n
        w = 1.0 - rem / (2.0 * n)
        lo = lo_global - coarse_offset
        hi = np.where(rem == 0, lo, lo + 1)
    first, count = np.zeros(coarse_size, dtype=np.int64), np.zeros(coarse_size, dtype=np.int64)
    rweight = np.zeros((coarse_size, SUPPORT))
    for rel in range(coarse_size):
        weights = np.where(lo == rel, w, 0.0) + np.where(hi == rel, 1.0 - w, 0.0)
        support = np.nonzero(weights)[0]
        if support[0] == 0 or support[-1] == t.size - 1 or support.size > SUPPORT:
            raise AssertionError("a coarse cell's support reaches past the transfer tables")
        first[rel], count[rel] = t[support[0]], support.size
        rweight[rel, : support.size] = weights[support[0]: support[0] + support.size]
    return lo[1:-1], hi[1:-1], w[1:-1], first, count, rweight


class Transfer:
    """Prolongation P and restriction R = c P^T between `fine` (a Mesh) and its coarse mesh `coarse`.

    `axes` are the coarsened axes, `ghost` the ghost width of the coarse mesh (the coarse operator's radius).
    """

    def __init__(self, fine, axes, ghost, backend):
        self.fine, self.axes, self.backend, xp = fine, tuple(axes), backend, backend.xp
        self.wide = None
        self.kernels = backend.kernels("linalg.multigrid")
        glob = tuple(coarse_cells(n) if a in axes else n for a, n in enumerate(fine.global_shape))
        offset, size = list(fine.local_offset), list(fine.local_shape)
        for a in axes:
            n, nc, o, m = fine.global_shape[a], glob[a], offset[a], size[a]
            offset[a] = first_coarse_cell(n, nc, o)
            size[a] = first_coarse_cell(n, nc, o + m) - offset[a]
        self.min_block = min((size[a] for a in axes), default=0)
        self.scale = float(np.prod([glob[a] / fine.global_shape[a] for a in axes]))
        length = max(fine.local_shape) + 2 * MARGIN
        index, weight = np.zeros((3, 2, length), dtype=np.int64), np.ones((3, length))
        span = np.zeros((3, 2, max(max(size), 1)), dtype=np.int64)
        rweight = np.zeros((3, max(max(size), 1), SUPPORT))
        reach = 0
        for a in range(3):
            if size[a] < 1:
                continue
            n, nc = (fine.global_shape[a], glob[a]) if a < fine.ndim else (1, 1)
            lo, hi, w, first, count, rweight[a, : size[a]] = _axis_tables(n, nc, fine.local_offset[a], fine.local_shape[a], offset[a],
                                                   size[a], a in axes)
            index[a, 0, : lo.size], index[a, 1, : hi.size], weight[a, : w.size] = lo, hi, w
            span[a, 0, : size[a]], span[a, 1, : size[a]] = first, count
            reach = max(reach, -int(first.min()), int((first + count).max()) - fine.local_shape[a])
        self.index, self.weight = xp.asarray(index), xp.asarray(weight)
        self.span, self.rweight = xp.asarray(span), xp.asarray(rweight)
        self.reach = reach
        if min(size) < 1:
            self.coarse = None      # an empty coarse block: the hierarchy agglomerates instead
            return
        self.coarse = Mesh(glob, fine.length, fine.origin, fine.boundaries, ghost, fine.topology, fine.comm,
                           (tuple(offset), tuple(size)))

    def widen(self, reach):
        """Restrict through a copy with `reach` ghost layers when the fine mesh's own ghosts are too few
        (`reach` is the largest over the ranks: the halo exchange is collective)."""
        fine = self.fine
        if reach > fine.ghost:
            mesh = Mesh(fine.global_shape, fine.length, fine.origin, fine.boundaries, reach, fine.topology,
                        fine.comm, fine.block)
            self.wide = mesh, mesh.zeros(self.backend.xp)

    def restrict(self, rf, rc, even=False):
        """rc = c P^T rf on the owned coarse cells; fills rf's ghosts (`even`: mirror every physical face)."""
        mesh = self.fine
        if self.wide is not None:
            mesh, wide = self.wide
            wide[mesh.interior] = rf[self.fine.interior]
            rf = wide
        mesh.fill_ghosts(rf, even=even)
        self.kernels.restrict(rf, rc, mesh.ghosts, self.coarse.ghosts, self.coarse.local_shape, self.span,
                              self.rweight, self.scale)

    def prolong_add(self, ec, ef):
        """ef += P ec on the owned fine cells; fills ec's ghosts."""
        self.coarse.fill_ghosts(ec)
        self.kernels.prolong_add(ec, ef, self.fine.ghosts, self.fine.local_shape, self.coarse.ghosts, self.index,
                                 self.weight)
