"""STREAM-like memory-bandwidth floor measured in the same process as the solver it is compared with.

The triad a = b + s c moves 24 bytes per element (32 with the write-allocate of a); it is run with the same
numba threads as the solver kernels, on arrays far larger than the caches.
"""
import time

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _triad(a, b, c, s):
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


def triad_bandwidth(n=2**25, repeats=10):
    """Best-of-`repeats` triad bandwidth in bytes/s, counting 24 bytes per element moved."""
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    _triad(a, b, c, 3.0)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        _triad(a, b, c, 3.0)
        best = min(best, time.perf_counter() - t0)
    return 24.0 * n / best
