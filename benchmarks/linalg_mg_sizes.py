"""MG-preconditioned CG at every grid size and rank count: iterations and setup + solve time against the
nearest power of two, scaled by the number of unknowns.

Problem (the issue's user measurement): 7-point Dirichlet Laplacian, gaussian source (width 0.1, centre 0.5),
x0 = 0, rtol 1e-8 (true relative residual); 3-D N^3 for N = 96 .. 130 and 2-D 200^2 and 1000^2, on 1 .. 4 ranks
with one numba thread each (each rank count is one `mpiexec` launched from this process). The ratio printed is
    (t_N / t_ref) / (N^d / ref^d),   ref = the power of two nearest to N,
so 1.0 means the same cost per unknown as at the power of two; the goal is at most 1.5. Each size is solved
`repeat` times and the fastest setup + solve is kept (the machine is shared: single runs scatter by 2x).
More ranks than cores (3 and 4 ranks on the 2-core development machine) run with MPICH's
MPIR_CVAR_ENABLE_HEAVY_YIELD=1: by default a rank waiting for a message spins on its core for its whole time
slice while the rank it waits for is descheduled, which adds a cost per synchronisation, not per unknown, and
so penalises the smaller sizes (Open MPI yields by itself when oversubscribed; `hpcsim run` prints the hint).
HPCSIM_BENCH_SPIN=1 keeps MPICH's default, for comparison.
Run: `python benchmarks/linalg_mg_sizes.py [--ranks 1 2 3 4] [--sizes 96 ... 130] [--repeat 3]`.
Compare ratios within one run, not absolute times across runs.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

PLANES = (200, 1000)


def solve(comm, shape):
    """Setup and solve seconds (the slowest rank's), MG-CG iterations and the final relative residual."""
    import numpy as np

    from hpcsim.backend import CPUBackend
    from hpcsim.linalg.cg import CG
    from hpcsim.linalg.multigrid import Multigrid
    from hpcsim.linalg.operators import ShiftedLaplacian
    from hpcsim.profiles import gaussian
    from hpcsim.mesh import Mesh

    mesh = Mesh.create(comm, shape, [1.0] * len(shape), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    b = mesh.zeros()
    b[mesh.interior] = gaussian(mesh, [0.5] * len(shape), 0.1)
    comm.barrier()
    t0 = time.perf_counter()
    mg = Multigrid(op)
    comm.barrier()
    t1 = time.perf_counter()
    result = CG(op, rtol=1e-8, preconditioner=mg).solve(b, mesh.zeros())
    comm.barrier()
    t2 = time.perf_counter()
    return {"shape": list(shape), "iterations": result.iterations, "residual": result.residual,
            "setup_s": t1 - t0, "solve_s": t2 - t1, "levels": len(mg.levels)}


def worker(shapes, repeat):
    from hpcsim.parallel import Comm

    comm = Comm()
    solve(comm, (16, 16, 16))          # compile
    for shape in shapes:
        runs = [solve(comm, tuple(shape)) for _ in range(repeat)]
        out = min(runs, key=lambda run: run["setup_s"] + run["solve_s"])
        if comm.is_root:
            print(json.dumps(out), flush=True)


def launch(nprocs, shapes, repeat=1):
    mpiexec = Path(sys.executable).parent / "mpiexec"
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if nprocs > len(os.sched_getaffinity(0)) and not os.environ.get("HPCSIM_BENCH_SPIN"):
        env["MPIR_CVAR_ENABLE_HEAVY_YIELD"] = "1"      # see the module docstring
    cmd = [str(mpiexec), "-n", str(nprocs), sys.executable, __file__, "--worker", json.dumps(shapes), "--repeat",
           str(repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def nearest_power_of_two(n):
    return 2 ** round(math.log2(n))


def run(ranks=(1, 2, 3, 4), sizes=tuple(range(96, 131)), repeat=3):
    shapes = [[n] * 3 for n in sizes] + [[n] * 3 for n in sorted({nearest_power_of_two(n) for n in sizes})
                                         if n not in sizes]
    shapes += [[n, n] for n in PLANES] + [[nearest_power_of_two(n)] * 2 for n in PLANES]
    result = {"repeat": repeat, "ranks": {}}
    for nprocs in ranks:
        rows = {tuple(r["shape"]): r for r in launch(nprocs, shapes, repeat)}
        for shape, row in rows.items():
            ref = rows[(nearest_power_of_two(shape[0]),) * len(shape)]
            total = row["setup_s"] + row["solve_s"]
            row["ratio_per_unknown"] = total / (ref["setup_s"] + ref["solve_s"]) / (shape[0] / ref["shape"][0]) ** len(shape)
        result["ranks"][nprocs] = [rows[tuple(s)] for s in shapes]
    return result


def report(r):
    lines = ["MG-CG at every size: 7-point Dirichlet Laplacian, gaussian source, rtol 1e-8, 1 numba thread per rank;"
             f" fastest of {r['repeat']} runs; ratio = time per unknown / that of the nearest power of two (goal <= 1.5)"]
    for nprocs, rows in r["ranks"].items():
        worst = max(rows, key=lambda row: row["ratio_per_unknown"])
        lines.append(f"  {nprocs} rank(s): worst ratio {worst['ratio_per_unknown']:.2f} at {worst['shape']}; "
                     f"iterations {min(row['iterations'] for row in rows)}-{max(row['iterations'] for row in rows)}")
        for row in rows:
            shape = "x".join(map(str, row["shape"]))
            lines.append(f"    {shape:>13s}: {row['iterations']:2d} it  setup {row['setup_s']:6.2f} s  solve "
                         f"{row['solve_s']:6.2f} s  ratio {row['ratio_per_unknown']:.2f}  ({row['levels']} levels)")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(range(96, 131)))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker", metavar="SHAPES_JSON")
    a = ap.parse_args()
    if a.worker:
        worker(json.loads(a.worker), a.repeat)
    else:
        print(report(run(tuple(a.ranks), tuple(a.sizes), a.repeat)))
