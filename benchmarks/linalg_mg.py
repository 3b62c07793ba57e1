"""Multigrid-preconditioned CG against pyamg's Ruge-Stueben and smoothed-aggregation AMG as CG preconditioners,
setup plus solve, side by side on the same problem; and MG-CG iteration counts under refinement.

Problem: 7-point cell-centred Dirichlet Laplacian on n^3 (default 128^3), float64, random b, x0 = 0,
rtol 1e-8 (relative residual). pyamg solves the CSR twin of the same operator with its `solve(accel='cg')`.
Run: `python benchmarks/linalg_mg.py [--n 128] [--sizes 64 128 256]`.
"""
import argparse
import time

import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.cg import CG
from hpcsim.linalg.multigrid import Multigrid
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm


def hpcsim_mgcg(n, rtol=1e-8):
    mesh = Mesh.create(Comm(), (n, n, n), (1.0, 1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(0).standard_normal(mesh.local_shape)
    t0 = time.perf_counter()
    mg = Multigrid(op)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = CG(op, rtol=rtol, preconditioner=mg).solve(b.copy(), mesh.zeros())
    return op, b, mesh, {"setup_s": setup, "solve_s": time.perf_counter() - t0, "iterations": res.iterations,
                         "residual": res.residual}


def pyamg_cg(A, b, method, rtol=1e-8):
    import pyamg

    t0 = time.perf_counter()
    ml = pyamg.ruge_stuben_solver(A) if method == "rs" else pyamg.smoothed_aggregation_solver(A)
    setup = time.perf_counter() - t0
    residuals = []
    t0 = time.perf_counter()
    x = ml.solve(b, tol=rtol, accel="cg", maxiter=200, residuals=residuals)
    solve = time.perf_counter() - t0
    true = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
    return {"setup_s": setup, "solve_s": solve, "iterations": len(residuals) - 1, "residual": true}


def run(n=128, sizes=(64, 128, 256)):
    hpcsim_mgcg(16)  # compile
    op, b, mesh, ours = hpcsim_mgcg(n)
    A, bb = op.to_csr(), mesh.owned(b).ravel().copy()
    result = {"n": n, "hpcsim": ours, "pyamg_rs": pyamg_cg(A, bb, "rs"), "pyamg_sa": pyamg_cg(A, bb, "sa")}
    total = ours["setup_s"] + ours["solve_s"]
    for key in ("pyamg_rs", "pyamg_sa"):
        result[f"speedup_vs_{key}"] = (result[key]["setup_s"] + result[key]["solve_s"]) / total
    result["iterations_by_size"] = {m: hpcsim_mgcg(m)[3]["iterations"] for m in sizes}
    return result


def report(r):
    lines = [f"MG-preconditioned CG vs pyamg AMG-CG, 7-point Dirichlet Laplacian {r['n']}^3, rtol 1e-8, x0 = 0"]
    for key, name in (("hpcsim", "hpcsim GMG-CG"), ("pyamg_rs", "pyamg RS-AMG CG"), ("pyamg_sa", "pyamg SA-AMG CG")):
        v = r[key]
        lines.append(f"  {name:17s}: setup {v['setup_s']:7.2f} s  solve {v['solve_s']:7.2f} s  "
                     f"{v['iterations']:3d} iterations  (true residual {v['residual']:.1e})")
    lines.append(f"  speed-up, setup + solve: {r['speedup_vs_pyamg_rs']:.1f} x vs RS, "
                 f"{r['speedup_vs_pyamg_sa']:.1f} x vs SA")
    lines.append("  GMG-CG iterations by size: " + ", ".join(f"{m}^3: {it}" for m, it in r["iterations_by_size"].items()))
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    a = ap.parse_args()
    print(report(run(a.n, tuple(a.sizes))))
