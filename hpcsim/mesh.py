"""The distributed, cell-centred structured mesh.

Axis a of the global domain [origin_a, origin_a + L_a] holds N_a cells of width h_a = L_a / N_a with centres at
origin_a + (i + 1/2) h_a, i = 0 .. N_a - 1. Each rank owns one block of cells plus `ghost` layers on every side
of every used axis. All arrays are stored three-dimensional: a 1-D or 2-D mesh has trailing axes of one cell and
no ghosts, so one kernel serves every dimensionality.

Boundary conditions are given per face: `periodic` (both faces of an axis), `dirichlet` (value on the face) or
`neumann` (outward normal derivative on the face). Physical ghosts are filled by reflection through the face:
Dirichlet `u_ghost = 2 v - u_mirror`, Neumann `u_ghost = u_mirror + q d` with d the distance between the two
cell centres; both make the 3/5/7-point Laplacian second-order accurate.
"""
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .parallel.topology import CartTopology, block_range, choose_process_grid

BC_KINDS = ("periodic", "dirichlet", "neumann")
AXIS_LABELS = ("x", "y", "z")


def parse_boundaries(bc, ndim, key="mesh.bc"):
    """Normalise the deck's boundary list to ((low, high), ...) per axis and check periodic pairs."""
    if isinstance(bc, str):
        bc = [bc] * ndim
    if len(bc) != ndim:
        raise InputError(f"needs one entry per axis ({ndim}), got {len(bc)}", key)
    faces = []
    for a, entry in enumerate(bc):
        pair = (entry, entry) if isinstance(entry, str) else tuple(entry)
        if len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise InputError(f"axis {a}: give one kind or a [low, high] pair of kinds, got {entry!r}", key)
        for p in pair:
            if p not in BC_KINDS:
                raise InputError(f"axis {a}: unknown boundary kind {p!r}; choose from {', '.join(BC_KINDS)}", key)
        if (pair[0] == "periodic") != (pair[1] == "periodic"):
            raise InputError(f"axis {a}: periodic must apply to both faces, got {list(pair)}", key)
        faces.append(pair)
    return tuple(faces)


@dataclass
class Mesh:
    """A structured mesh distributed over a Cartesian process grid."""

    global_shape: tuple   # cells per used axis (length ndim)
    length: tuple         # domain length per used axis
    origin: tuple
    boundaries: tuple     # ((low, high), ...) per used axis
    ghost: int
    topology: CartTopology
    comm: object          # hpcsim.parallel.Comm of the ranks sharing this mesh
    block: tuple = None   # ((offset per axis), (cells per axis)) of this rank's block, 3-D; default: block_range

    def __post_init__(self):
        self.ndim = len(self.global_shape)
        self.spacing = tuple(L / n for L, n in zip(self.length, self.global_shape))
        self.periodic = tuple(lo == "periodic" for lo, _ in self.boundaries)
        if self.block is None:
            shape3 = tuple(self.global_shape) + (1,) * (3 - self.ndim)
            ranges = [block_range(shape3[a], self.topology.dims[a], self.topology.coords[a]) for a in range(3)]
            self.block = (tuple(r[0] for r in ranges), tuple(r[1] for r in ranges))
        self.local_offset, self.local_shape = (tuple(int(v) for v in part) for part in self.block)
        self.ghosts = tuple(self.ghost if a < self.ndim else 0 for a in range(3))
        self.interior = tuple(slice(g, g + n) for g, n in zip(self.ghosts, self.local_shape))
        self.array_shape = tuple(n + 2 * g for n, g in zip(self.local_shape, self.ghosts))
        from .parallel.halo import HaloExchange  # MPI is initialised only when a mesh is built

        self.halo = HaloExchange(self.topology, self.ghosts)
        self.axis_labels = AXIS_LABELS[: self.ndim]

    @classmethod
    def create(cls, comm, shape, length, boundaries, ghost=1, process_grid=None, origin=None):
        shape = tuple(int(n) for n in shape)
        boundaries = parse_boundaries(boundaries, len(shape))
        dims = choose_process_grid(shape, comm.size, process_grid, min_cells=max(ghost, 1))
        topology = CartTopology.create(comm, dims, [lo == "periodic" for lo, _ in boundaries])
        origin = tuple(origin) if origin is not None else (0.0,) * len(shape)
        return cls(shape, tuple(float(L) for L in length), origin, boundaries, ghost, topology, comm)

    @classmethod
    def from_deck(cls, deck, comm, ghost=1):
        m = deck["mesh"]
        return cls.create(comm, m["shape"], m["length"], m["bc"], ghost, m.get("process_grid"))

    def coarsened(self, axes, round_up=False):
        """The mesh with every block halved along `axes` (a multigrid level): same ranks and topology, spacing
        doubled there. Each block must have an even number of cells along those axes, or, with `round_up`, an
        even offset: an odd block (and global) count n then becomes ceil(n / 2), the last coarse cell covering one
        fine cell (the DCDM network's pooling; the spacing is then length / ceil(n / 2))."""
        factor = [2 if a in axes else 1 for a in range(3)]
        offset = tuple(o // f for o, f in zip(self.local_offset, factor))
        shape = tuple(-(-n // f) if round_up else n // f for n, f in zip(self.local_shape, factor))
        glob = tuple(-(-n // factor[a]) if round_up else n // factor[a] for a, n in enumerate(self.global_shape))
        return Mesh(glob, self.length, self.origin, self.boundaries, self.ghost, self.topology, self.comm,
                    (offset, shape))

    # -- geometry ---------------------------------------------------------------------------------------
    @property
    def cell_volume(self):
        return float(np.prod(self.spacing))

    @property
    def global_cells(self):
        return int(np.prod(self.global_shape))

    def centres(self, axis, with_ghosts=False):
        """Cell-centre coordinates along `axis` for this block (1-D numpy array)."""
        if axis >= self.ndim:
            return np.zeros(1)
        g = self.ghosts[axis] if with_ghosts else 0
        i = np.arange(self.local_offset[axis] - g, self.local_offset[axis] + self.local_shape[axis] + g)
        return self.origin[axis] + (i + 0.5) * self.spacing[axis]

    def coordinates(self):
        """Broadcastable (x, y, z) cell-centre arrays of the owned block, each of 3-D shape."""
        return tuple(self.centres(a).reshape([-1 if b == a else 1 for b in range(3)]) for a in range(3))

    def global_index(self):
        """Broadcastable global (i, j, k) integer indices of the owned cells."""
        return tuple(
            np.arange(self.local_offset[a], self.local_offset[a] + self.local_shape[a]).reshape(
                [-1 if b == a else 1 for b in range(3)]) for a in range(3))

    def at_low(self, axis):
        return self.topology.coords[axis] == 0 and not self.periodic[axis]

    def at_high(self, axis):
        return self.topology.coords[axis] == self.topology.dims[axis] - 1 and not self.periodic[axis]

    # -- arrays ---------------------------------------------------------------------------------------------
    def zeros(self, xp=np, dtype=np.float64):
        return xp.zeros(self.array_shape, dtype=dtype)

    def owned(self, u):
        """View of the owned cells of a block array, reshaped to the mesh's dimensionality."""
        return u[self.interior].reshape(self.local_shape[: self.ndim])

    def block_slices(self):
        """Global index slices (per used axis) of this rank's block, for I/O."""
        return tuple(slice(o, o + n) for o, n in zip(self.local_offset[: self.ndim], self.local_shape[: self.ndim]))

    # -- ghosts -------------------------------------------------------------------------------------------
    def fill_ghosts(self, u, face_values=None, even=False):
        """Fill all ghost layers: neighbour data by halo exchange, physical faces by their boundary condition.

        `face_values[a][side]` is the Dirichlet value or Neumann derivative of face (a, side); None means 0
        (the homogeneous operator). `even` mirrors every physical face instead (for coefficient fields).
        Axes are processed in order so that corners are consistent.
        """
        for axis in range(self.ndim):
            self.halo.exchange_axis(u, axis)
            for side, present in ((0, self.at_low(axis)), (1, self.at_high(axis))):
                if present:
                    value = 0.0 if face_values is None else face_values[axis][side]
                    kind = "neumann" if even else self.boundaries[axis][side]
                    self._fill_face(u, axis, side, kind, value)

    def sum_ghosts(self, u):
        """Add deposits that landed in ghost cells into the cells that own them (periodic axes, or the
        neighbouring blocks), axis by axis; the ghosts end zero. Physical (non-periodic) faces keep theirs."""
        for axis in range(self.ndim):
            self.halo.accumulate_axis(u, axis)

    def _fill_face(self, u, axis, side, kind, value):
        g, n, h = self.ghosts[axis], self.local_shape[axis], self.spacing[axis]
        for layer in range(g):
            ghost = g - 1 - layer if side == 0 else n + g + layer
            mirror = g + layer if side == 0 else n + g - 1 - layer
            gi, mi = [slice(None)] * 3, [slice(None)] * 3
            gi[axis], mi[axis] = ghost, mirror
            ghost_slab, mirror_slab = u[tuple(gi)], u[tuple(mi)]
            if value == 0.0:                 # the homogeneous operator: one copy each (one launch on a GPU)
                if kind == "dirichlet":
                    (np if isinstance(u, np.ndarray) else _cupy()).negative(mirror_slab, out=ghost_slab)
                else:
                    ghost_slab[...] = mirror_slab
            elif kind == "dirichlet":
                ghost_slab[...] = 2.0 * value - mirror_slab
            else:
                ghost_slab[...] = mirror_slab + value * (2 * layer + 1) * h


def _cupy():
    import cupy

    return cupy
