"""Strong scaling on this node: the same CG (and MG-CG) solve on 1 rank and on 2 ranks, one numba thread per
rank, launched side by side from this process (`mpiexec -n 1` then `-n 2`).

Problem: 7-point Dirichlet Laplacian on n^3 (default 128^3). CG runs a fixed 150 iterations (time per
iteration); MG-CG runs to rtol 1e-8 (setup + solve). Run: `python benchmarks/linalg_ranks.py [--n 128]`.
The worker mode (`--worker`) is what mpiexec launches.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def worker(n):
    import numpy as np

    from hpcsim.backend import CPUBackend
    from hpcsim.linalg.cg import CG
    from hpcsim.linalg.multigrid import Multigrid
    from hpcsim.linalg.operators import ShiftedLaplacian
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm

    comm = Comm()
    mesh = Mesh.create(comm, (n, n, n), (1.0, 1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    i, j, k = mesh.global_index()
    b = mesh.zeros()
    b[mesh.interior] = np.sin(0.37 * i + 1.1 * j + 2.3 * k + 1.0)
    CG(op, rtol=1e-3).solve(b.copy(), mesh.zeros())     # compile, first touch
    comm.barrier()
    t0 = time.perf_counter()
    res = CG(op, rtol=1e-30, max_iterations=150).solve(b.copy(), mesh.zeros())
    comm.barrier()
    cg_iter = (time.perf_counter() - t0) / res.iterations
    t0 = time.perf_counter()
    mg = Multigrid(op)
    res = CG(op, rtol=1e-8, preconditioner=mg).solve(b.copy(), mesh.zeros())
    comm.barrier()
    mg_total = time.perf_counter() - t0
    if comm.is_root:
        print(json.dumps({"cg_ms_per_iteration": 1e3 * cg_iter, "mgcg_s": mg_total, "mgcg_iterations": res.iterations}))


def launch(nprocs, n):
    mpiexec = Path(sys.executable).parent / "mpiexec"
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run([str(mpiexec), "-n", str(nprocs), sys.executable, __file__, "--worker", "--n", str(n)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n=128):
    one, two = launch(1, n), launch(2, n)
    return {"n": n, "one_rank": one, "two_ranks": two,
            "cg_speedup": one["cg_ms_per_iteration"] / two["cg_ms_per_iteration"],
            "mgcg_speedup": one["mgcg_s"] / two["mgcg_s"]}


def report(r):
    o, t = r["one_rank"], r["two_ranks"]
    return "\n".join([
        f"1 rank vs 2 ranks (1 numba thread each), 7-point Dirichlet Laplacian {r['n']}^3",
        f"  CG     : {o['cg_ms_per_iteration']:7.2f} ms/iteration on 1 rank, {t['cg_ms_per_iteration']:7.2f} on 2: "
        f"{r['cg_speedup']:.2f} x",
        f"  MG-CG  : {o['mgcg_s']:7.2f} s on 1 rank ({o['mgcg_iterations']} it), {t['mgcg_s']:7.2f} s on 2 "
        f"({t['mgcg_iterations']} it): {r['mgcg_speedup']:.2f} x",
    ])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--worker", action="store_true")
    a = ap.parse_args()
    if a.worker:
        worker(a.n)
    else:
        print(report(run(a.n)))
