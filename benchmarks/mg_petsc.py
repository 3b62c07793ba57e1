"""hpcsim's MG-preconditioned CG against PETSc's geometric multigrid (PCMG on a DMDA hierarchy, Galerkin coarse
operators, PETSc's default smoothers) and algebraic multigrid (GAMG), side by side on the same problem.

Problem: the 7-point cell-centred Dirichlet Laplacian on the unit cube (the same matrix on both sides: the
Dirichlet face adds 1/h^2 to the diagonal of a boundary cell), gaussian source (width 0.1, centre 0.5) at the
cell centres, x0 = 0, CG to a true relative residual of 1e-8 (PETSc: `-ksp_norm_type unpreconditioned`).
Sizes 129^3 (PCMG through a DMDA needs 2^k + 1 points per axis: 6 levels down to 5^3) and 128^3 (hpcsim and
GAMG; PCMG's 129^3 is its 128^3-equivalent), on 1 and 2 ranks, one thread per rank. Times: setup (hpcsim: the
hierarchy; PETSc: KSPSetUp, which builds the Galerkin products or the GAMG hierarchy, after the matrix is
assembled) and solve.

PETSc is never a dependency of hpcsim: this benchmark installs Debian's `python3-petsc4py` with apt-get when it
is missing and runs the PETSc side under Debian's /usr/bin/python3 and /usr/bin/mpiexec (Open MPI) in a
subprocess (the venv cannot import Debian's packages). Run: `python benchmarks/mg_petsc.py [--ranks 1 2]`.
The machine is shared: the ratios come from one run.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PETSC_PYTHON = "/usr/bin/python3"
PETSC_MPIEXEC = "/usr/bin/mpiexec"
RTOL = 1e-8


def petsc_dir():
    found = sorted(glob.glob("/usr/lib/petscdir/*/*-real")) + sorted(glob.glob("/usr/lib/petscdir/*-real"))
    return found[-1] if found else None


def ensure_petsc():
    """Install python3-petsc4py with apt-get if Debian's python cannot import it; returns PETSC_DIR."""
    probe = [PETSC_PYTHON, "-c", "import petsc4py"]
    env = dict(os.environ, PETSC_DIR=petsc_dir() or "")
    if subprocess.run(probe, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "install", "-y", "python3-petsc4py"], check=True, capture_output=True)
    return petsc_dir()


def mg_levels(n):
    """PCMG levels of a DMDA of n = 2^k + 1 points: halve while the coarse grid keeps at least 5 points."""
    levels = 1
    while (n - 1) % 2 == 0 and (n - 1) // 2 + 1 >= 5:
        n, levels = (n - 1) // 2 + 1, levels + 1
    return levels


def petsc_worker(n, pc):
    """Runs under Debian's python: assemble, set up and solve with PETSc; rank 0 prints one JSON line."""
    import numpy as np
    import petsc4py

    petsc4py.init(sys.argv[:1])
    from petsc4py import PETSc

    comm = PETSc.COMM_WORLD
    da = PETSc.DMDA().create([n, n, n], dof=1, stencil_width=1, stencil_type=PETSc.DMDA.StencilType.STAR,
                             comm=comm)
    (xs, xe), (ys, ye), (zs, ze) = da.getRanges()
    k, j, i = (a.ravel() for a in np.meshgrid(np.arange(zs, ze), np.arange(ys, ye), np.arange(xs, xe),
                                              indexing="ij"))           # PETSc's local order: x fastest
    w = float(n * n)                                                   # 1 / h^2
    faces = (i == 0).astype(int) + (i == n - 1) + (j == 0) + (j == n - 1) + (k == 0) + (k == n - 1)
    cols, vals = [i + n * (j + n * k)], [(6.0 + faces) * w]
    for di, dj, dk in ((-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)):
        ii, jj, kk = i + di, j + dj, k + dk
        inside = (ii >= 0) & (ii < n) & (jj >= 0) & (jj < n) & (kk >= 0) & (kk < n)
        cols.append(np.where(inside, ii + n * (jj + n * kk), -1))
        vals.append(np.full(i.size, -w))
    cols, vals = np.stack(cols, axis=1), np.stack(vals, axis=1)
    keep = cols >= 0
    petsc_cols = np.asarray(da.getAO().app2petsc(cols[keep].astype(PETSc.IntType)))
    indptr = np.concatenate([[0], np.cumsum(keep.sum(axis=1))]).astype(PETSc.IntType)
    m = i.size
    A = PETSc.Mat().createAIJ(size=((m, n**3), (m, n**3)), csr=(indptr, petsc_cols, vals[keep]), comm=comm)
    A.assemble()
    b = da.createGlobalVec()
    centre = lambda q: (q + 0.5) / n - 0.5                             # noqa: E731
    b.setArray(np.exp(-(centre(i) ** 2 + centre(j) ** 2 + centre(k) ** 2) / (2.0 * 0.1**2)))
    x = b.duplicate()
    opts = PETSc.Options()
    opts["ksp_type"], opts["ksp_rtol"], opts["ksp_norm_type"] = "cg", RTOL, "unpreconditioned"
    ksp = PETSc.KSP().create(comm)
    ksp.setOperators(A)
    if pc == "mg":
        ksp.setDM(da)
        ksp.setDMActive(False)
        opts["pc_type"], opts["pc_mg_levels"], opts["pc_mg_galerkin"] = "mg", mg_levels(n), "both"
    else:
        opts["pc_type"] = "gamg"
    ksp.setFromOptions()
    comm.barrier()
    t0 = time.perf_counter()
    ksp.setUp()
    comm.barrier()
    t1 = time.perf_counter()
    ksp.solve(b, x)
    comm.barrier()
    t2 = time.perf_counter()
    r = b.duplicate()
    A.mult(x, r)
    r.aypx(-1.0, b)
    out = {"n": n, "pc": pc, "iterations": ksp.getIterationNumber(), "residual": r.norm() / b.norm(),
           "setup_s": t1 - t0, "solve_s": t2 - t1, "levels": mg_levels(n) if pc == "mg" else None}
    if comm.getRank() == 0:
        print(json.dumps(out), flush=True)


def launch_petsc(nprocs, n, pc, directory):
    env = dict(os.environ, PETSC_DIR=directory, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    env.pop("PYTHONPATH", None)
    cmd = [PETSC_MPIEXEC, "-n", str(nprocs), PETSC_PYTHON, __file__, "--petsc-worker", str(n), pc]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def run(ranks=(1, 2)):
    sys.path.insert(0, str(HERE))
    from linalg_mg_sizes import launch

    directory = ensure_petsc()
    result = {"petsc_dir": directory, "ranks": {}}
    for nprocs in ranks:
        ours = {row["shape"][0]: row for row in launch(nprocs, [[128] * 3, [129] * 3])}
        peers = {"pcmg_129": launch_petsc(nprocs, 129, "mg", directory),
                 "gamg_129": launch_petsc(nprocs, 129, "gamg", directory),
                 "gamg_128": launch_petsc(nprocs, 128, "gamg", directory)}
        total = {n: row["setup_s"] + row["solve_s"] for n, row in ours.items()}
        speedups = {"vs_pcmg_at_129": _total(peers["pcmg_129"]) / total[129],
                    "vs_pcmg_129_at_128": _total(peers["pcmg_129"]) / total[128],
                    "vs_gamg_at_129": _total(peers["gamg_129"]) / total[129],
                    "vs_gamg_at_128": _total(peers["gamg_128"]) / total[128]}
        result["ranks"][nprocs] = {"hpcsim": ours, "petsc": peers, "speedup": speedups}
    return result


def _total(row):
    return row["setup_s"] + row["solve_s"]


def report(r):
    lines = ["hpcsim MG-CG vs PETSc 3.18 PCMG (DMDA, Galerkin) and GAMG, 7-point Dirichlet Laplacian, gaussian "
             "source, rtol 1e-8 (true residual), one thread per rank"]
    for nprocs, v in r["ranks"].items():
        lines.append(f"  {nprocs} rank(s):")
        rows = [(f"hpcsim {n}^3", row) for n, row in sorted(v["hpcsim"].items())]
        rows += [(f"PETSc {name.replace('_', ' ')}^3", row) for name, row in v["petsc"].items()]
        for name, row in rows:
            lines.append(f"    {name:18s}: setup {row['setup_s']:6.2f} s  solve {row['solve_s']:6.2f} s  "
                         f"{row['iterations']:3d} it  (true residual {row['residual']:.1e})")
        s = v["speedup"]
        lines.append(f"    speed-up (setup + solve): {s['vs_pcmg_at_129']:.1f}x vs PCMG at 129^3, "
                     f"{s['vs_pcmg_129_at_128']:.1f}x (hpcsim 128^3 vs PCMG 129^3), {s['vs_gamg_at_129']:.1f}x vs "
                     f"GAMG at 129^3, {s['vs_gamg_at_128']:.1f}x at 128^3")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--petsc-worker":
        petsc_worker(int(sys.argv[2]), sys.argv[3])
    else:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
        print(report(run(tuple(ap.parse_args().ranks))))
