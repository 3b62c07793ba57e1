"""Random numbers for particle loading: counter-based (the default) or one stream per rank.

`CounterStreams` (deck `pic.loading_rng = "counter"`): particle `id` of species number `stream` takes its numbers
from the Philox-4x64 counter blocks 2 id and 2 id + 1 under the key (run.seed, stream): DRAWS = 8 uniforms in
(0, 1) (53-bit, (k + 1/2) 2^-53, never 0 or 1), the first ndim for its position in the cell, the next three for
its momentum through the inverse normal CDF (`ndtri`, one uniform per normal: no rejection, so no number
depends on another particle's). Particle ids are global (`species.cell_positions`), so 1, 2 or 4 ranks load
the same plasma bit for bit; mirrored momenta pair the particles k, k + 1 (k even) of a cell.

`RankStreams` (`"per_rank"`): the numpy Generator of the rank (seeded [run.seed, rank]), drawn as before the
counter-based loading existed: the plasma then depends on the decomposition; kept for reproducing such runs.
"""
import numpy as np
from scipy.special import ndtri

DRAWS = 8
MOMENTUM = slice(3, 6)


class CounterStreams:
    def __init__(self, seed, stream):
        self.key = np.array([seed, stream], dtype=np.uint64)

    def uniforms(self, ids):
        """(DRAWS, N) uniforms of the particles `ids` (increasing; one Philox stream per run of consecutive ids)."""
        raw = np.empty((len(ids), DRAWS), dtype=np.uint64)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(ids) != 1) + 1, [len(ids)]])
        for a, b in zip(starts[:-1], starts[1:]):
            if b > a:
                bits = np.random.Philox(key=self.key, counter=[2 * int(ids[a]), 0, 0, 0])
                raw[a:b] = bits.random_raw((b - a) * DRAWS).reshape(b - a, DRAWS)
        return ((raw >> np.uint64(11)).astype(np.float64).T + 0.5) * 2.0**-53

    def offsets(self, ids, ndim):
        return list(self.uniforms(ids)[:ndim])

    def normals(self, ids, ppc, symmetric):
        """(3, N) standard normals; with `symmetric`, particle k + 1 of a cell takes -(those of k), k even."""
        g = ndtri(self.uniforms(ids)[MOMENTUM])
        if symmetric:
            odd = np.flatnonzero(ids % ppc % 2 == 1)
            g[:, odd] = -g[:, odd - 1]
        return g


class RankStreams:
    def __init__(self, rng):
        self.rng = rng

    def offsets(self, ids, ndim):
        return [self.rng.random(len(ids)) for _ in range(ndim)]

    def normals(self, ids, ppc, symmetric):
        """(3, N) standard normals; with `symmetric`, the second half of the rank's particles mirrors the first."""
        count = len(ids)
        g = self.rng.standard_normal((3, (count + 1) // 2 if symmetric else count))
        return np.concatenate([g, -g], axis=1)[:, :count] if symmetric else g
