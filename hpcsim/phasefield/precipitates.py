"""Beta-phase particles: labelling, centres, equivalent radii and tracks over time.

On the gathered global field the phase fraction phi = (c - c_a(T)) / (c_b(T) - c_a(T)), clipped to [0, 1], is
thresholded at 1/2 and the connected regions labelled (joined across periodic faces); every cell within `reach`
(about two interface widths) of a region joins the nearest one, so each particle's volume V = sum phi dV and
centre (phi-weighted, nearest image on periodic axes) include its diffuse interface and move smoothly as it
migrates, while a supersaturated matrix farther away does not count. The equivalent radius is V/2 in
1-D (the half-length), sqrt(V/pi) in 2-D and (3V/(4 pi))^(1/3) in 3-D. A particle keeps its id from one
diagnostic to the next when its centre is the nearest to a previous one within that one's radius; its velocity
is the displacement since that diagnostic over the time between them (0 for a new particle).
"""
import math

import numpy as np
from scipy import ndimage

COLUMNS = ("time", "step", "id", "x", "y", "z", "radius", "volume", "vx", "vy", "vz")


def equivalent_radius(volume, ndim):
    if ndim == 1:
        return 0.5 * volume
    if ndim == 2:
        return math.sqrt(volume / math.pi)
    return (3.0 * volume / (4.0 * math.pi)) ** (1.0 / 3.0)


def _join_periodic(labels, periodic):
    """Merge labels that touch across periodic faces (union-find); returns the relabelled array."""
    parent = {}

    def find(a):
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    for axis, wrap in enumerate(periodic):
        if not wrap:
            continue
        low, high = np.take(labels, 0, axis=axis), np.take(labels, -1, axis=axis)
        for a, b in zip(low.ravel(), high.ravel()):
            if a and b and find(a) != find(b):
                parent[find(a)] = find(b)
    if not parent:
        return labels
    lookup = np.arange(labels.max() + 1)
    for a in range(1, len(lookup)):
        lookup[a] = find(a)
    return lookup[labels]


def particles(phi, spacing, origin, periodic, reach):
    """[(centre per axis, volume)] of the particles of the global phase-fraction array `phi`; `reach`: the
    distance (length units) of the diffuse shell counted with each particle."""
    ndim = phi.ndim
    labels, count = ndimage.label(phi > 0.5)
    if count == 0:
        return []
    labels = _join_periodic(labels, periodic)
    distance, nearest = ndimage.distance_transform_edt(labels == 0, sampling=spacing, return_indices=True)
    owner = labels[tuple(nearest)]
    owner[distance > reach] = 0
    volume_cell = float(np.prod(spacing))
    out = []
    for label in np.unique(owner[owner > 0]):
        weight = np.where(owner == label, phi, 0.0)
        total = weight.sum()
        centre = []
        for a in range(ndim):
            n = phi.shape[a]
            x = (np.arange(n) + 0.5) * spacing[a]
            shape = [1] * ndim
            shape[a] = n
            w = weight.sum(axis=tuple(b for b in range(ndim) if b != a))
            if periodic[a]:
                angle = 2.0 * np.pi * (np.arange(n) + 0.5) / n
                mean = math.atan2(float((w * np.sin(angle)).sum()), float((w * np.cos(angle)).sum()))
                centre.append(origin[a] + (mean % (2.0 * np.pi)) / (2.0 * np.pi) * n * spacing[a])
            else:
                centre.append(origin[a] + float((w * x).sum() / total))
        out.append((centre, total * volume_cell))
    return out


class Tracker:
    """Per-diagnostic rows (COLUMNS) of every particle, with ids kept along tracks (module docstring)."""

    def __init__(self, ndim):
        self.ndim = ndim
        self.rows = np.zeros((0, len(COLUMNS)))
        self.next_id = 0

    def record(self, time, step, found):
        previous = self.rows[self.rows[:, 0] == self.rows[-1, 0]] if len(self.rows) else self.rows
        rows = []
        for centre, volume in found:
            radius = equivalent_radius(volume, self.ndim)
            xyz = list(centre) + [0.0] * (3 - self.ndim)
            match = self._match(previous, centre)
            if match is None:
                ident, self.next_id, velocity = self.next_id, self.next_id + 1, [0.0] * 3
            else:
                before = previous[match]
                ident, elapsed = int(before[2]), time - before[0]
                velocity = [(xyz[a] - before[3 + a]) / elapsed if elapsed > 0 else 0.0 for a in range(3)]
            rows.append([time, step, ident, *xyz, radius, volume, *velocity])
        if rows:
            self.rows = np.vstack([self.rows, np.array(rows)])

    def _match(self, previous, centre):
        """The row index in `previous` of the particle this centre continues, or None."""
        if not len(previous):
            return None
        d = np.sqrt(sum((previous[:, 3 + a] - centre[a]) ** 2 for a in range(self.ndim)))
        best = int(np.argmin(d))
        return best if d[best] <= max(previous[best, 6], 1e-300) else None

    def columns(self):
        return {name: self.rows[:, i] for i, name in enumerate(COLUMNS)}

    def state(self):
        return {"precipitate_rows": self.rows, "precipitate_next_id": self.next_id}

    def restore(self, values):
        self.rows = np.asarray(values["precipitate_rows"]).reshape(-1, len(COLUMNS))
        self.next_id = int(values["precipitate_next_id"])
