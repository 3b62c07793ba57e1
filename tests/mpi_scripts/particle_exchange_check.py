"""Particle migration on every process grid of this run's rank count, for 1-D, 2-D and 3-D meshes with uneven
blocks and every mix of periodic and non-periodic axes.

Each rank scatters particles in its block and moves each one, per axis, into its own block, a neighbouring one
(across the periodic seam too, diagonally across corners) or out through a non-periodic face, with block edges
and seam-rounding positions among them; after `migrate` it checks ownership, positions, the attached arrays,
the global multiset of ids and the removed count. Then a too-fast particle must raise on every rank, and
particles orbiting a periodic box for many steps must not drift.

Usage: python particle_exchange_check.py  (any number of ranks). Prints 'particles ok N' on rank 0.
"""
import itertools

import numpy as np

from hpcsim.errors import InputError, NumericalError
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm, block_range
from hpcsim.parallel.particles import migrate

comm = Comm()
MESHES = [((13,), (2.0,), (0.5,)), ((11, 7), (1.1, 0.7), (0.0, -1.0)), ((7, 6, 5), (0.7, 1.2, 0.5), (-0.3, 0.2, 1.0))]
PER_RANK = 60


def grids(ndim, size):
    return [g for g in itertools.product(range(1, size + 1), repeat=ndim) if np.prod(g) == size]


def block(mesh, axis, coord=None):
    """(low, high) coordinates of block `coord` (default: this rank's) along `axis`."""
    n, p = mesh.global_shape[axis], mesh.topology.dims[axis]
    off, cells = block_range(n, p, mesh.topology.coords[axis] if coord is None else coord)
    o, h = mesh.origin[axis], mesh.spacing[axis]
    return o + off * h, o + (off + cells) * h


def top(mesh, axis):
    return mesh.origin[axis] + mesh.global_shape[axis] * mesh.spacing[axis]


def attached(ids):
    """Arrays derived from the ids, of several dtypes and shapes, that must travel with their particle."""
    u = ids[None, :] * 10.0 + np.arange(3)[:, None]
    return {"u": u, "ids": ids.copy(), "w": 0.5 * ids, "tag": (ids % 977).astype(np.int32)}


def displaced(mesh, rng, count):
    """Positions (3, count) of particles started in this block and pushed up to one neighbouring block per
    axis, and whether each left through a non-periodic face."""
    x, gone = np.zeros((3, count)), np.zeros(count, dtype=bool)
    for a in range(mesh.ndim):
        p, c = mesh.topology.dims[a], mesh.topology.coords[a]
        step = rng.integers(-1, 2, count)
        for s in (-1, 0, 1):
            sel = np.flatnonzero(step == s)
            t = c + s
            frac = rng.random(sel.size)
            if 0 <= t < p or mesh.periodic[a]:
                lo, hi = block(mesh, a, t % p)
                shift = (t // p) * mesh.length[a]  # -L, 0 or +L: the unwrapped image across the seam
                if shift == 0:
                    frac[::4] = 0.0  # exactly on the lower edge of the target block
                x[a, sel] = lo + frac * (hi - lo) + shift
            else:
                width = block(mesh, a)[1] - block(mesh, a)[0]
                x[a, sel] = mesh.origin[a] - (1.0 - frac) * width if t < 0 else top(mesh, a) + frac * width
                gone[sel] = True
        if mesh.periodic[a] and c == 0 and count:  # rounds onto the top of the box when wrapped
            x[a, 0] = np.nextafter(mesh.origin[a], -np.inf)
        if mesh.periodic[a] and c == p - 1 and count > 1:
            x[a, 1] = top(mesh, a)
    return x, gone


def check_owned(mesh, x, where):
    for a in range(mesh.ndim):
        lo, hi = block(mesh, a)
        if not np.all((x[a] >= lo) & (x[a] < hi)):
            raise AssertionError(f"rank {comm.rank}: {where}: particle outside block along axis {a}")


def check_attached(parts, where):
    for k, v in attached(parts["ids"]).items():
        if parts[k].dtype != v.dtype or not np.array_equal(parts[k], v):
            raise AssertionError(f"rank {comm.rank}: {where}: array {k!r} did not travel with its particles")


def one_push(mesh, rng, where):
    ids = np.arange(PER_RANK, dtype=np.int64) + 1000 * comm.rank
    x0, gone = displaced(mesh, rng, ids.size)
    parts = {"x": x0, **attached(ids)}
    before = {k: v.copy() for k, v in parts.items()}
    out, removed = migrate(mesh, parts)
    for k, v in before.items():
        if not np.array_equal(parts[k], v):
            raise AssertionError(f"{where}: migrate modified its input {k!r}")
    if sorted(out) != sorted(parts):
        raise AssertionError(f"{where}: keys changed to {sorted(out)}")
    check_owned(mesh, out["x"], where)
    check_attached(out, where)
    # each particle at its pushed position, or its image one box length away across a periodic seam
    start = dict(zip(np.concatenate(comm.allgather(ids)).tolist(), np.concatenate(comm.allgather(x0), axis=1).T))
    for j, i in enumerate(out["ids"].tolist()):
        for a in range(mesh.ndim):
            d = out["x"][a, j] - start[i][a]
            k = round(d / mesh.length[a])
            if (k != 0 and not mesh.periodic[a]) or abs(k) > 1 or abs(d - k * mesh.length[a]) > 1e-12 * (
                    mesh.length[a] + abs(mesh.origin[a])) or (k == 0 and d != 0.0):
                raise AssertionError(f"rank {comm.rank}: {where}: particle {i} at {out['x'][a, j]} along axis "
                                     f"{a}, pushed to {start[i][a]}")
    kept = np.sort(np.concatenate(comm.allgather(ids[~gone])))
    final = np.sort(np.concatenate(comm.allgather(out["ids"])))
    if not np.array_equal(final, kept):
        raise AssertionError(f"{where}: ids after migration differ from the survivors")
    if removed != comm.allreduce(int(gone.sum())):
        raise AssertionError(f"{where}: removed {removed}, expected {comm.allreduce(int(gone.sum()))}")
    return int(gone.sum())


def too_fast(mesh, a, where):
    """The last rank pushes one particle one cell beyond its low neighbour's block along axis `a`."""
    x = np.array([[block(mesh, b)[0] + 0.5 * mesh.spacing[b] for b in range(mesh.ndim)]]).T
    x = np.vstack([x, np.zeros((3 - mesh.ndim, 1))])
    ids = np.array([777], dtype=np.int64)
    if comm.rank == comm.size - 1:
        low_lo, low_hi = block(mesh, a, (mesh.topology.coords[a] - 1) % mesh.topology.dims[a])
        x[a, 0] = block(mesh, a)[0] - (low_hi - low_lo) - mesh.spacing[a]
    else:
        x, ids = x[:, :0], ids[:0]
    try:
        migrate(mesh, {"x": x, "ids": ids})
    except NumericalError as exc:
        message = str(exc)
    else:
        raise AssertionError(f"rank {comm.rank}: {where}: a particle two blocks away did not raise")
    messages = comm.allgather(message)
    named = [m for m in messages if "particle id 777" in m]
    if len(named) != 1 or not all("Courant" in m for m in messages) or not named[0].startswith("rank "):
        raise AssertionError(f"{where}: unclear too-fast errors: {messages}")


def orbits(mesh, rng, steps=240):
    """Particles with fixed velocities crossing blocks and the seam every few steps, migrated after each step:
    at the end each sits at x0 + v t modulo the box, and none is lost or duplicated."""
    dt = 0.05
    reach = [min(block(mesh, a, c)[1] - block(mesh, a, c)[0] for c in range(mesh.topology.dims[a]))
             for a in range(mesh.ndim)]
    ids = np.arange(PER_RANK, dtype=np.int64) + 1000 * comm.rank
    x0 = np.zeros((3, ids.size))
    v = np.zeros((3, ids.size))
    for a in range(mesh.ndim):
        lo, hi = block(mesh, a)
        x0[a] = lo + rng.random(ids.size) * (hi - lo)
        v[a] = (2.0 * rng.random(ids.size) - 1.0) * 0.9 * reach[a] / dt
    parts = {"x": x0.copy(), "x0": x0, "v": v, **attached(ids)}
    for _ in range(steps):
        parts = {**parts, "x": parts["x"] + parts["v"] * dt}
        parts, removed = migrate(mesh, parts)
        if removed:
            raise AssertionError(f"orbits: {removed} particles removed from a periodic box")
    check_owned(mesh, parts["x"], "orbits")
    check_attached(parts, "orbits")
    for a in range(mesh.ndim):
        length = mesh.length[a]
        d = np.mod(parts["x"][a] - parts["x0"][a] - parts["v"][a] * dt * steps, length)
        drift = np.max(np.minimum(d, length - d), initial=0.0)
        if drift > 1e-10 * length:
            raise AssertionError(f"rank {comm.rank}: orbits drifted along axis {a} by {drift}")
    final = np.sort(np.concatenate(comm.allgather(parts["ids"])))
    if not np.array_equal(final, np.sort(np.concatenate(comm.allgather(ids)))):
        raise AssertionError("orbits: ids lost or duplicated")


rng = np.random.default_rng(12345 + comm.rank)
cases = removed = 0
for shape, length, origin in MESHES:
    ndim = len(shape)
    for grid in grids(ndim, comm.size):
        for periodic in itertools.product((True, False), repeat=ndim):
            bcs = ["periodic" if p else "dirichlet" for p in periodic]
            try:
                mesh = Mesh.create(comm, shape, length, bcs, ghost=1, process_grid=grid, origin=origin)
            except InputError:
                continue  # more ranks than cells along an axis
            where = f"shape {shape} grid {grid} periodic {periodic}"
            removed += one_push(mesh, rng, where)
            # the last rank's low neighbour along a non-periodic axis of one process is the face, not a block
            axes = [a for a in range(ndim) if periodic[a] or grid[a] > 1]
            if axes:
                too_fast(mesh, axes[-1], where)
            cases += 1
            if all(periodic) and grid == max(grids(ndim, comm.size), key=lambda g: sum(p > 1 for p in g)):
                orbits(mesh, rng)
if comm.allreduce(removed) == 0:
    raise AssertionError("no particle crossed a non-periodic face")
if comm.is_root:
    print(f"particles ok {cases}")
