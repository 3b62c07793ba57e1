"""Cartesian domain decomposition of a structured grid over MPI ranks.

The global grid of N_a cells along axis a is cut into P_a blocks; block c holds
`N_a // P_a + (1 if c < N_a % P_a else 0)` cells starting at `c * (N_a // P_a) + min(c, N_a % P_a)`, so uneven
sizes differ by at most one cell. Every grid is handled as three-dimensional: a 1-D or 2-D grid has trailing
axes of one cell, one process and no ghosts.
"""
from dataclasses import dataclass

from ..errors import InputError
from .comm import compute_dims


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
        # MPI.Compute_dims balances the free axes; prefer cutting long axes by ordering the free axes by size.
        free = [a for a in range(ndim) if req[a] == 0]
        order = sorted(free, key=lambda a: -global_shape[a])
        dims_free = compute_dims(nprocs // fixed, [0] * len(free))
        for a, p in zip(order, sorted(dims_free, reverse=True)):
            req[a] = p
    for a, (n, p) in enumerate(zip(global_shape, req)):
        if n // p < min_cells:
            raise InputError(
                f"{p} ranks along axis {a} leave blocks of {n // p} cells of the {n} cells, fewer than the "
                f"{min_cells} the stencil needs; use fewer ranks or a larger mesh", key)
    return tuple(req)


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
