"""Geometric multigrid V-cycle on the distributed cell-centred mesh: a CG preconditioner and a solver.

Hierarchy. Every level is coarsened along each axis of at least 3 cells whose spacing is within 1.5x of the
finest spacing among them (semi-coarsening of anisotropic grids), from N to ceil(N / 2) cells, on any block
sizes: odd extents give non-nested coarse grids, and each rank keeps the coarse cells whose centres lie in its
block (`transfer`), so no data moves between ranks until the blocks are small. The coarse operators are
rediscretisations or Galerkin products R A P (`coarse_operators`). A multi-rank level is gathered onto rank 0
(`Agglomerate`), which goes on with a serial hierarchy, when its largest block has fewer than
`agglomerate_below` cells or coarsening would leave a block under two cells (or under the coarse stencil's
radius) along an axis. The hierarchy ends on one rank at a level of at most `direct_max` cells (or one that
cannot be coarsened further), solved exactly (`DirectBottom`).

Cycle. Smoothing (pre and post, `sweeps` steps each; Chebyshev on D^-1 A by default, see `smoothers`),
restriction R = c P^T of the residual, interpolation P of the correction, with the ghosts of both filled by the
homogeneous boundary condition so that R is exactly c P^T. All pieces are symmetric, so the V-cycle is an SPD
preconditioner for CG (positive semi-definite on the constants for singular problems).
"""
import math
import time

import numpy as np
import scipy.sparse.linalg as spla

from ..mesh import Mesh
from .coarse_operators import COARSE_OPERATORS, cell_fields, galerkin_radii, on_mesh
from .smoothers import SMOOTHERS
from .transfer import Transfer

ANISOTROPY = 1.5     # an axis coarsens while its spacing is at most this times the finest coarsened spacing


class Level:
    def __init__(self, op, sweeps, smoother):
        self.op, self.mesh = op, op.mesh
        self.smoother = SMOOTHERS[smoother](op, sweeps)
        self.b, self.x, self.r = (self.mesh.zeros(op.xp) for _ in range(3))
        self.transfer = None   # towards the next level
        self.bottom = None


def coarsening_axes(mesh, ghost=1):
    """The axes to coarsen: at least 3 cells (and at least `ghost` once coarsened, so that a periodic axis on
    one rank fills its ghosts), and spacing within ANISOTROPY of the finest such axis."""
    axes = [a for a in range(mesh.ndim) if mesh.global_shape[a] >= max(3, 2 * ghost - 1)]
    if not axes:
        return []
    finest = min(mesh.spacing[a] for a in axes)
    return [a for a in axes if mesh.spacing[a] <= ANISOTROPY * finest]


class DirectBottom:
    """Exact solve of a small serial level by sparse LU of the assembled operator. A singular operator has
    its first unknown pinned to 0 (row and column replaced by the identity, that entry of the right-hand side
    zeroed) and the right-hand side and solution projected to zero mean: x = P A_pinned^-1 E P b, the
    pseudo-inverse on compatible data."""

    def __init__(self, op):
        self.op = op
        a = op.to_csr().tolil()
        if op.singular:
            a[0, :] = 0.0
            a[:, 0] = 0.0
            a[0, 0] = 1.0
        self.lu = spla.splu(a.tocsc(), permc_spec="MMD_AT_PLUS_A")

    def __call__(self, b, x):
        mesh = self.op.mesh
        rhs = np.array(self.op.backend.to_host(mesh.owned(b)), dtype=np.float64).ravel()
        if self.op.singular:
            rhs -= rhs.mean()
            rhs[0] = 0.0
        sol = self.lu.solve(rhs)
        if self.op.singular:
            sol -= sol.mean()
        x[mesh.interior] = self.op.xp.asarray(sol.reshape(mesh.local_shape))


def _block(mesh):
    """Global 3-D index slices of this rank's block."""
    return tuple(slice(o, o + n) for o, n in zip(mesh.local_offset, mesh.local_shape))


def _assemble(blocks, shape, trail=()):
    """The global array (3-D, with trailing axes `trail` per cell) from (block slices, values) pairs."""
    glob = np.zeros(tuple(shape) + tuple(trail))
    for slices, values in blocks:
        glob[slices] = values
    return glob


class Agglomerate:
    """Gather a multi-rank level onto rank 0, solve it there with a serial multigrid, scatter the result."""

    def __init__(self, op, options):
        self.op, mesh = op, op.mesh
        self.sub = None
        gathered = mesh.comm.gather((_block(mesh), cell_fields(op)))
        if mesh.comm.is_root:
            serial = Mesh.create(mesh.comm.self_comm(), mesh.global_shape, mesh.length, mesh.boundaries,
                                 mesh.ghost, origin=mesh.origin)
            shape3 = serial.local_shape
            fields = [_assemble([(s, f[m]) for s, f in gathered], shape3, gathered[0][1][m].shape[3:])
                      for m in range(len(gathered[0][1]))]
            self.sub = Multigrid(on_mesh(op, serial, fields), **options)
            self.sub_b, self.sub_x = serial.zeros(op.xp), serial.zeros(op.xp)

    def __call__(self, b, x):
        mesh, host = self.op.mesh, self.op.backend.to_host
        blocks = mesh.comm.gather((_block(mesh), np.asarray(host(b[mesh.interior]))))
        parts = None
        if mesh.comm.is_root:
            serial = self.sub.levels[0].mesh
            self.sub_b[serial.interior] = self.op.xp.asarray(_assemble(blocks, serial.local_shape))
            self.sub.apply(self.sub_b, self.sub_x)
            sol = np.asarray(host(self.sub_x[serial.interior]))
            parts = [sol[slices] for slices, _ in blocks]
        x[mesh.interior] = self.op.xp.asarray(mesh.comm.scatter(parts))


class Multigrid:
    """V-cycle preconditioner (`apply(r, z)`) and stand-alone solver (`solve(b, x, rtol, max_cycles)`).

    `coarse`: "rediscretise" or "galerkin" (see `coarse_operators`)."""

    symmetric = True

    def __init__(self, operator, sweeps=2, smoother="chebyshev", coarse="rediscretise", agglomerate_below=2048,
                 direct_max=8192):
        t0 = time.perf_counter()
        options = dict(sweeps=sweeps, smoother=smoother, coarse=coarse, agglomerate_below=agglomerate_below,
                       direct_max=direct_max)
        build = COARSE_OPERATORS[coarse]
        self.levels = [Level(operator, sweeps, smoother)]
        while True:
            level = self.levels[-1]
            mesh, comm = level.mesh, level.mesh.comm
            ghost = mesh.ghost
            axes = coarsening_axes(mesh, ghost)
            if coarse == "galerkin":
                ghost = max(galerkin_radii(level.op, mesh, axes))
                axes = coarsening_axes(mesh, ghost)
            if mesh.global_cells <= direct_max or not axes:
                level.bottom = DirectBottom(level.op) if comm.size == 1 else Agglomerate(level.op, options)
                break
            transfer = Transfer(mesh, axes, ghost, level.op.backend)
            if comm.size > 1:
                small = comm.allreduce(int(np.prod(mesh.local_shape)), "max") < agglomerate_below
                if small or comm.allreduce(transfer.min_block, "min") < max(2, ghost):
                    level.bottom = Agglomerate(level.op, options)
                    break
            transfer.widen(comm.allreduce(transfer.reach, "max"))
            level.transfer = transfer
            self.levels.append(Level(build(level.op, transfer), sweeps, smoother))
        self.setup_seconds = time.perf_counter() - t0

    def describe(self):
        """One line per level: global shape and what ends the hierarchy."""
        out = []
        for lvl in self.levels:
            end = "" if lvl.bottom is None else f" <- {type(lvl.bottom).__name__}"
            out.append(f"{list(lvl.mesh.global_shape)} on {lvl.mesh.comm.size} rank(s){end}")
        if isinstance(self.levels[-1].bottom, Agglomerate) and self.levels[-1].bottom.sub is not None:
            out += ["  " + line for line in self.levels[-1].bottom.sub.describe()]
        return out

    def apply(self, r, z):
        """z = V-cycle applied to r from a zero initial guess (r is read, not changed)."""
        z[...] = 0.0
        self._cycle(0, r, z)

    def _cycle(self, index, b, x):
        level = self.levels[index]
        if level.bottom is not None:
            level.bottom(b, x)
            return
        level.smoother.smooth(b, x, zero_start=True)
        level.op.residual(b, x, level.r, reduce=False)
        coarse = self.levels[index + 1]
        level.transfer.restrict(level.r, coarse.b)
        coarse.x[...] = 0.0
        self._cycle(index + 1, coarse.b, coarse.x)
        level.transfer.prolong_add(coarse.x, x)
        level.smoother.smooth(b, x, post=True)

    def solve(self, b, x, rtol=1e-8, max_cycles=100):
        """Stand-alone V-cycle iteration x += M^-1 (b - A x) until the true relative residual is below rtol.
        Returns (converged, cycles, relative residual history)."""
        top = self.levels[0]
        op, k = top.op, top.op.kernels
        bnorm = math.sqrt(top.mesh.comm.allreduce(k.dot(b, b, op.g, op.n)))
        residual, correction = top.mesh.zeros(op.xp), top.mesh.zeros(op.xp)
        history = [math.sqrt(op.residual(b, x, residual)) / bnorm if bnorm else 0.0]
        while history[-1] > rtol and len(history) <= max_cycles:
            self.apply(residual, correction)
            x[top.mesh.interior] += correction[top.mesh.interior]
            history.append(math.sqrt(op.residual(b, x, residual)) / bnorm)
        return history[-1] <= rtol, len(history) - 1, history
