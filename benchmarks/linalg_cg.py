"""CG iteration time: hpcsim matrix-free CG against scipy CG on the assembled CSR matrix of the same problem,
and against the memory-bandwidth floor, measured side by side in one run.

Problem: the 7-point cell-centred Dirichlet Laplacian on an n^3 mesh (default 128^3), float64, b random,
x0 = 0, rtol 1e-8. The matrix-free CG iteration moves 88 bytes per unknown (apply fused with p.Ap: read p,
write q; update fused with r.r: read x, p, r, q, write x, r; direction: read r, p, write p); the floor is
88 N / (triad bandwidth). Run: `python benchmarks/linalg_cg.py [--n 128]` (one rank, NUMBA_NUM_THREADS
threads), or through `benchmarks/run.py`.
"""
import argparse
import time

import numpy as np
import scipy.sparse.linalg as spla

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

from bandwidth import triad_bandwidth

BYTES_PER_UNKNOWN = 88


def run(n=128, rtol=1e-8, scipy_iterations=60):
    comm = Comm()
    mesh = Mesh.create(comm, (n, n, n), (1.0, 1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    rng = np.random.default_rng(0)
    b = mesh.zeros()
    b[mesh.interior] = rng.standard_normal(mesh.local_shape)
    solver = CG(op, rtol=rtol, max_iterations=5000)
    solver.solve(b.copy(), mesh.zeros())  # compile and warm up
    x = mesh.zeros()
    t0 = time.perf_counter()
    res = solver.solve(b.copy(), x)
    hp_total = time.perf_counter() - t0
    hp_iter = hp_total / res.iterations

    A = op.to_csr()
    bb = mesh.owned(b).ravel().copy()
    count = [0]
    t0 = time.perf_counter()
    spla.cg(A, bb, rtol=rtol, maxiter=scipy_iterations, callback=lambda xk: count.__setitem__(0, count[0] + 1))
    sp_iter = (time.perf_counter() - t0) / max(count[0], 1)
    _, info_iters = _scipy_iterations(A, bb, rtol)

    bandwidth = triad_bandwidth()
    floor = BYTES_PER_UNKNOWN * n**3 / bandwidth
    return {
        "n": n, "unknowns": n**3, "hpcsim_iterations": res.iterations, "hpcsim_residual": res.residual,
        "scipy_iterations": info_iters, "hpcsim_ms_per_iteration": 1e3 * hp_iter,
        "scipy_ms_per_iteration": 1e3 * sp_iter, "triad_GBps": bandwidth / 1e9, "floor_ms_per_iteration": 1e3 * floor,
        "speedup_vs_scipy": sp_iter / hp_iter, "ratio_to_floor": hp_iter / floor,
    }


def _scipy_iterations(A, b, rtol):
    """Iterations scipy CG needs for rtol (counted, not timed; capped for time)."""
    count = [0]
    _, info = spla.cg(A, b, rtol=rtol, maxiter=2000, callback=lambda xk: count.__setitem__(0, count[0] + 1))
    return info, count[0]


def report(r):
    return "\n".join([
        f"CG, 7-point Dirichlet Laplacian {r['n']}^3 ({r['unknowns']:,} unknowns), rtol 1e-8, x0 = 0",
        f"  hpcsim matrix-free CG : {r['hpcsim_ms_per_iteration']:8.2f} ms/iteration, {r['hpcsim_iterations']} iterations",
        f"  scipy CG on CSR       : {r['scipy_ms_per_iteration']:8.2f} ms/iteration, {r['scipy_iterations']} iterations",
        f"  bandwidth floor       : {r['floor_ms_per_iteration']:8.2f} ms/iteration "
        f"({BYTES_PER_UNKNOWN} B/unknown at {r['triad_GBps']:.1f} GB/s triad)",
        f"  speed-up vs scipy     : {r['speedup_vs_scipy']:8.2f} x",
        f"  time / floor          : {r['ratio_to_floor']:8.2f}",
    ])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128)
    print(report(run(ap.parse_args().n)))
