"""Cartesian domain decomposition of a structured grid over MPI ranks.

The global grid of N_a cells along axis a is cut into P_a blocks; block c holds
`N_a // P_a + (1 if c < N_a % P_a else 0)` cells starting at `c * (N_a // P_a) + min(c, N_a % P_a)`, so uneven
sizes differ by at most one cell. Every grid is handled as three-dimensional: a 1-D or 2-D grid has trailing
axes of one cell, one process and no ghosts.
"""
from dataclasses import dataclass

from ..errors import InputError


def block_range(n, p, c):
    """(start, size) of block `c` of `p` blocks over `n` cells."""
    base, extra = divmod(n, p)
    return c * base + min(c, extra), base + (1 if c < extra else 0)


def choose_process_grid(global_shape, nprocs, requested=None, min_cells=1, key="mesh.process_grid"):
    """Validate or choose the process grid for `nprocs` ranks; raise `InputError` if it cannot work.

    `requested` lists ranks per axis, 0 meaning "choose". Every block must hold at least `min_cells` cells
    per decomposed axis (the ghost width of the widest stencil).
    """
    ndim = len(global_shape)
    req = list(requested) if requested else [0] * ndim
    if len(req) != ndim:
        raise InputError(f"has {len(req)} entries but the mesh has {ndim} dimensions", key)
    fixed = 1
    for p in req:
        if p < 0:
            raise InputError(f"entries must be >= 0 (0 = choose), got {req}", key)
        fixed *= max(p, 1)
    if nprocs % fixed:
        raise InputError(f"{req} does not divide the {nprocs} MPI ranks of this run", key)
    if all(p > 0 for p in req) and fixed != nprocs:
        raise InputError(f"{req} has {fixed} blocks but the run has {nprocs} MPI ranks", key)
    if 0 in req:
        req = _least_surface(global_shape, req, nprocs // fixed, min_cells)
    for a, (n, p) in enumerate(zip(global_shape, req)):
        if n // p < min_cells:
            raise InputError(
                f"{p} ranks along axis {a} leave blocks of {n // p} cells of the {n} cells, fewer than the "
                f"{min_cells} the stencil needs; use fewer ranks or a larger mesh", key)
    return tuple(req)


def _factorisations(n, k):
    if k == 1:
        yield (n,)
        return
    for d in range(1, n + 1):
        if n % d == 0:
            for rest in _factorisations(n // d, k - 1):
                yield (d,) + rest


def _least_surface(shape, req, free_ranks, min_cells):
    """Fill the 0 entries of `req` with the factorisation of `free_ranks` that minimises the halo surface
    per block (the cells exchanged per step), among those that leave at least `min_cells` per block.
    Unlike MPI.Compute_dims, which balances the factors, this cuts long axes first (256 x 16 on 4 ranks:
    4 x 1, not 2 x 2)."""
    free = [a for a, p in enumerate(req) if p == 0]
    best, best_key = None, None
    for factors in _factorisations(free_ranks, len(free)):
        dims = list(req)
        for a, p in zip(free, factors):
            dims[a] = p
        block = [n / p for n, p in zip(shape, dims)]
        fits = all(n // p >= min_cells for n, p in zip(shape, dims))
        surface = sum(float(_prod(block)) / block[a] for a in range(len(shape)) if dims[a] > 1)
        key = (not fits, round(surface, 9), max(dims), [-p for p in dims])
        if best_key is None or key < best_key:
            best, best_key = dims, key
    return best


def _prod(values):
    out = 1.0
    for v in values:
        out *= v
    return out


@dataclass
class CartTopology:
    """This rank's place in the Cartesian process grid (always 3-D; padded axes have one process)."""

    cart: object          # mpi4py Cartcomm
    dims: tuple           # processes per axis
    coords: tuple         # this rank's block coordinates
    periodic: tuple       # per-axis periodicity
    neighbours: tuple     # ((low, high) rank per axis); MPI.PROC_NULL (negative) at a physical boundary
    rank: int

    @classmethod
    def create(cls, comm, dims, periodic):
        dims = tuple(dims) + (1,) * (3 - len(dims))
        periodic = tuple(periodic) + (True,) * (3 - len(periodic))
        cart = comm.create_cart(dims, periodic)
        coords = tuple(cart.Get_coords(cart.Get_rank()))
        neighbours = tuple(tuple(cart.Shift(a, 1)) for a in range(3))
        return cls(cart, dims, coords, periodic, neighbours, cart.Get_rank())

    def line(self, axis):
        """The `Comm` of the ranks that share this rank's block coordinates on every axis but `axis` (a line of
        blocks along `axis`, e.g. for a distributed transform along it)."""
        from .comm import Comm

        return Comm(self.cart.Sub([a == axis for a in range(3)]))
