"""The linear solvers on one GPU (CuPy arrays, numba.cuda kernels) against that GPU's memory-bandwidth floor,
measured side by side in one run.

Problem: the 7-point cell-centred Dirichlet Laplacian on n^3 (default 256^3), float64, random b, x0 = 0, rtol
1e-8 (true relative residual). The CG iteration moves 88 bytes per unknown (see `linalg_cg`); the floor is
88 N / (triad bandwidth of the same GPU, measured here with a CuPy triad a = b + s c on 2^28 doubles, 24 bytes
per element). Reported: CG time per iteration with the scalars on the device and the convergence check every
k iterations (`DeferredCheckCG`, what `method = "cg"` runs on one GPU) beside the host-synchronised `CG`
(two device-to-host reads per iteration); MG-preconditioned CG setup + solve; MG-CG iteration counts by size.
Run on a GPU machine: `python benchmarks/run.py linalg_gpu` or `python benchmarks/linalg_gpu.py [--n 256]`.
"""
import argparse
import time

import numpy as np

from hpcsim.backend import GPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.cg_deferred import DeferredCheckCG
from hpcsim.linalg.multigrid import Multigrid
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

BYTES_PER_UNKNOWN = 88


def triad_bandwidth(cp, n=2**28, repeats=10):
    """Best-of-`repeats` CuPy triad bandwidth in bytes/s (24 bytes per element)."""
    triad = cp.ElementwiseKernel("float64 b, float64 c, float64 s", "float64 a", "a = b + s * c", "triad")
    a, b, c = cp.zeros(n), cp.ones(n), cp.full(n, 2.0)
    triad(b, c, 3.0, a)
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    best = np.inf
    for _ in range(repeats):
        start.record()
        triad(b, c, 3.0, a)
        stop.record()
        stop.synchronize()
        best = min(best, cp.cuda.get_elapsed_time(start, stop) / 1e3)
    del a, b, c
    cp.get_default_memory_pool().free_all_blocks()
    return 24.0 * n / best


def _problem(n, backend):
    mesh = Mesh.create(Comm(), (n, n, n), (1.0, 1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, backend)
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(0).standard_normal(mesh.local_shape)
    return mesh, op, backend.xp.asarray(b)


def _timed_solve(backend, solver, b, mesh):
    x = mesh.zeros(backend.xp)
    backend.synchronize()
    t0 = time.perf_counter()
    res = solver.solve(b.copy(), x)
    backend.synchronize()
    return res, time.perf_counter() - t0


def cg_figures(n, backend, check_every):
    mesh, op, b = _problem(n, backend)
    out = {}
    for key, solver in (("deferred", DeferredCheckCG(op, 1e-8, 20000, None, check_every)),
                        ("synchronised", CG(op, 1e-8, 20000))):
        _timed_solve(backend, type(solver)(op, 1e-8, 30, None, *([check_every] if key == "deferred" else [])),
                     b, mesh)                                   # compile and warm up
        res, seconds = _timed_solve(backend, solver, b, mesh)
        out[key] = {"iterations": res.iterations, "residual": res.residual, "seconds": seconds,
                    "ms_per_iteration": 1e3 * seconds / res.iterations}
    return out


def mgcg(n, backend):
    mesh, op, b = _problem(n, backend)
    backend.synchronize()
    t0 = time.perf_counter()
    mg = Multigrid(op)
    backend.synchronize()
    setup = time.perf_counter() - t0
    res, solve = _timed_solve(backend, CG(op, 1e-8, 500, mg), b, mesh)
    return {"setup_s": setup, "solve_s": solve, "iterations": res.iterations, "residual": res.residual}


def run(n=256, sizes=(64, 128, 256, 512), check_every=8):
    backend = GPUBackend()
    cp = backend.xp
    bandwidth = triad_bandwidth(cp)
    floor = BYTES_PER_UNKNOWN * n**3 / bandwidth
    cg = cg_figures(n, backend, check_every)
    mgcg(32, backend)                                            # compile the multigrid kernels
    mg = mgcg(n, backend)
    by_size = {m: mgcg(m, backend)["iterations"] for m in sizes}
    return {"n": n, "unknowns": n**3, "device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode(),
            "triad_GBps": bandwidth / 1e9, "floor_ms_per_iteration": 1e3 * floor, "check_every": check_every,
            "cg": cg, "ratio_to_floor": cg["deferred"]["ms_per_iteration"] / (1e3 * floor),
            "deferred_speedup": cg["synchronised"]["ms_per_iteration"] / cg["deferred"]["ms_per_iteration"],
            "mgcg": mg, "mgcg_iterations_by_size": by_size}


def report(r):
    d, s, mg = r["cg"]["deferred"], r["cg"]["synchronised"], r["mgcg"]
    return "\n".join([
        f"Linear solvers on {r['device']}: 7-point Dirichlet Laplacian {r['n']}^3 ({r['unknowns']:,} unknowns), "
        f"rtol 1e-8, x0 = 0",
        f"  CG, scalars on device, check every {r['check_every']:2d}: {d['ms_per_iteration']:8.3f} ms/iteration, "
        f"{d['iterations']} iterations",
        f"  CG, host-synchronised            : {s['ms_per_iteration']:8.3f} ms/iteration, {s['iterations']} iterations",
        f"  bandwidth floor                  : {r['floor_ms_per_iteration']:8.3f} ms/iteration "
        f"({BYTES_PER_UNKNOWN} B/unknown at {r['triad_GBps']:.0f} GB/s triad)",
        f"  time / floor                     : {r['ratio_to_floor']:8.2f}   (deferred check vs synchronised: "
        f"{r['deferred_speedup']:.2f} x)",
        f"  MG-CG: setup {mg['setup_s']:.3f} s, solve {mg['solve_s']:.3f} s, {mg['iterations']} iterations "
        f"(true residual {mg['residual']:.1e})",
        "  MG-CG iterations by size: " + ", ".join(f"{m}^3: {it}" for m, it in r["mgcg_iterations_by_size"].items()),
    ])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512])
    ap.add_argument("--check-every", type=int, default=8)
    a = ap.parse_args()
    print(report(run(a.n, tuple(a.sizes), a.check_every)))
