"""Geometric multigrid V-cycle on the distributed cell-centred mesh: a CG preconditioner and a solver.

Hierarchy. A level is coarsened along every axis on which every rank's block has an even number of cells
(at least 2), halving the blocks in place so no data moves between ranks; axes with odd blocks stop coarsening
(semi-coarsening goes on along the others). The coarse operators are rediscretisations (same alpha, beta and
boundary kinds, doubled spacing). When the blocks become small (fewer than `agglomerate_below` cells per rank)
or no axis can be coarsened any more, a multi-rank level is gathered onto rank 0, which continues with a serial
hierarchy; the bottom level is solved directly (sparse LU of the assembled operator; see `DirectBottom` for
singular problems) when it has at most `direct_max` cells, or else by
`bottom_steps` Chebyshev iterations. Odd global sizes therefore work, with a larger bottom problem; sizes with
many factors of two coarsen furthest.

Cycle. Smoothing (pre and post, `sweeps` steps each; Chebyshev on D^-1 A by default, see `smoothers`), restriction R = P^T / 2^d of the
residual (ghosts filled with the homogeneous boundary condition so that R is exactly the transpose), linear
interpolation P of the correction. All pieces are symmetric, so the V-cycle is an SPD preconditioner for CG.
"""
import math
import time

import numpy as np
import scipy.sparse.linalg as spla

from ..mesh import Mesh
from .chebyshev import Chebyshev
from .smoothers import SMOOTHERS


class Level:
    def __init__(self, op, sweeps, smoother):
        self.op, self.mesh = op, op.mesh
        self.g, self.n = op.g, op.n
        self.smoother = SMOOTHERS[smoother](op, sweeps)
        xp = op.xp
        self.b, self.x, self.r = (self.mesh.zeros(xp) for _ in range(3))
        self.coarsen = None   # per-axis flags (0/1) towards the next level


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


class SmootherBottom:
    """Approximate bottom solve by a fixed number of Chebyshev steps over the whole spectrum (linear, SPD)."""

    def __init__(self, op, steps):
        self.cheb = Chebyshev(op, steps=steps, ratio=100.0)

    def __call__(self, b, x):
        self.cheb.apply(b, x)


class Agglomerate:
    """Gather a multi-rank level onto rank 0, solve it there with a serial multigrid, scatter the result."""

    def __init__(self, op, options):
        self.op, mesh = op, op.mesh
        self.sub = None
        if mesh.comm.is_root:
            serial = Mesh.create(mesh.comm.self_comm(), mesh.global_shape, mesh.length, mesh.boundaries,
                                 mesh.ghost, origin=mesh.origin)
            self.sub = Multigrid(op.coarsened(serial), **options)
            self.sub_b, self.sub_x = serial.zeros(op.xp), serial.zeros(op.xp)

    def __call__(self, b, x):
        mesh, host = self.op.mesh, self.op.backend.to_host
        blocks = mesh.comm.gather((mesh.block_slices(), np.asarray(host(mesh.owned(b)))))
        parts = None
        if mesh.comm.is_root:
            serial = self.sub.levels[0].mesh
            glob = np.zeros(serial.local_shape[: serial.ndim])
            for slices, values in blocks:
                glob[slices] = values
            self.sub_b[serial.interior] = self.op.xp.asarray(glob.reshape(serial.local_shape))
            self.sub.apply(self.sub_b, self.sub_x)
            sol = np.asarray(host(serial.owned(self.sub_x)))
            parts = [sol[slices] for slices, _ in blocks]
        mine = mesh.comm.scatter(parts)
        x[mesh.interior] = self.op.xp.asarray(mine.reshape(mesh.local_shape))


class Multigrid:
    """V-cycle preconditioner (`apply(r, z)`) and stand-alone solver (`solve(b, x, rtol, max_cycles)`)."""

    symmetric = True

    def __init__(self, operator, sweeps=2, smoother="chebyshev", agglomerate_below=2048, direct_max=8192,
                 bottom_steps=40, max_levels=30):
        t0 = time.perf_counter()
        options = dict(sweeps=sweeps, smoother=smoother, agglomerate_below=agglomerate_below,
                       direct_max=direct_max, bottom_steps=bottom_steps, max_levels=max_levels)
        self.kernels = operator.backend.kernels("multigrid")
        self.levels = [Level(operator, sweeps, smoother)]
        while True:
            level = self.levels[-1]
            mesh, comm = level.mesh, level.mesh.comm
            local = np.array([n % 2 == 0 and n >= 2 for n in mesh.local_shape[: mesh.ndim]], dtype=np.int64)
            axes = [a for a, ok in enumerate(comm.allreduce(local, "min")) if ok]
            cells = int(np.prod(mesh.local_shape))
            small = comm.allreduce(cells, "max") < agglomerate_below
            if comm.size > 1 and (small or not axes):
                level.bottom = Agglomerate(level.op, options)
                break
            if comm.size == 1 and mesh.global_cells <= direct_max:
                level.bottom = DirectBottom(level.op)
                break
            if not axes or len(self.levels) == max_levels:
                level.bottom = SmootherBottom(level.op, bottom_steps)
                break
            level.bottom = None
            level.coarsen = tuple(1 if a in axes else 0 for a in range(3))
            self.levels.append(Level(level.op.coarsened(mesh.coarsened(axes)), sweeps, smoother))
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
        level.mesh.fill_ghosts(level.r)
        coarse = self.levels[index + 1]
        self.kernels.restrict(level.r, coarse.b, level.g, coarse.g, coarse.n, level.coarsen)
        coarse.x[...] = 0.0
        self._cycle(index + 1, coarse.b, coarse.x)
        coarse.mesh.fill_ghosts(coarse.x)
        self.kernels.prolong_add(coarse.x, x, level.g, level.n, coarse.g, level.coarsen)
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
