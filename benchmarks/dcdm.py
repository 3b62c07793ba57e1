"""DCDM against CG and multigrid-preconditioned CG: iterations and time to a relative residual of 1e-6 on
right-hand sides the networks never saw, on the trained grid and on grids 2x and 4x larger per axis, in 2-D and
3-D, with and without obstacles (the four shipped models).

Methods (all stop on the true relative residual ||b - A x|| / ||b|| <= 1e-6, x0 = 0):
  CG        plain conjugate gradients
  MG-PCG    CG preconditioned by the geometric multigrid V-cycle (solver.preconditioner = "multigrid")
  DCDM      solver.method = "dcdm" (2 retained directions), network forward pass chosen by dcdm_inference
  FCG-DCDM  solver.method = "fcg", preconditioner = "dcdm" (1 retained direction)
(iteration caps: 5000 for CG and MG-PCG, 1000 for the learned methods; a row that reaches its cap has not
converged, and its residual says how far it got)
Right-hand sides: `gaussian` (a smooth off-centre bump, zero in solid cells) and `noise` (a normal random field
from a seed the training never used, zero in solid cells). Setup (multigrid hierarchy; network loading and the
one-off timing that picks its forward pass) is reported apart from the solve. Every kernel is compiled by
warm-up solves first (multigrid on a grid above its direct-solve size, 8192 cells, below which MG-PCG is one
sparse LU solve). One process, one rank, the threads numba is given (and as many for PyTorch).
Run: `python benchmarks/dcdm.py [--cases box2d ...] [--factors 1 2 4] [--methods ...] [--rhs gaussian noise]
[--inference auto|kernels|torch] [--model CASE=NAME ...] [--out FILE] [--append]`; `--model` solves a case with
another weights file (a shipped name such as box2d_l1, or a path) than the shipped model named after the case;
writes benchmarks/results/dcdm.json (with the stall safeguard's CG steps per learned solve, `fallbacks`; with
--append its rows replace the file's rows of the same case, model, grid, right-hand side and method, and the
others stay) and prints a markdown table (with the model, the pooling levels it runs on the grid, "auto" for
the shared network, "auto, mask" with the mask pyramid, and the load average before and after each solve).
"""
import argparse
import importlib.util
import json
import os
import time
from pathlib import Path

import numba
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.linalg.config import make_solver
from hpcsim.linalg.dcdm.deck import make_operator
from hpcsim.linalg.dcdm.network import Network
from hpcsim.linalg.dcdm.solver import weights_path
from hpcsim.linalg.dcdm.trainrun import load_deck
from hpcsim.profiles import gaussian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

DECKS = Path(__file__).parents[1] / "decks" / "linalg"
CASES = ("box2d", "obstacles2d", "box3d", "obstacles3d")
METHODS = {"CG": {"method": "cg"}, "MG-PCG": {"method": "cg", "preconditioner": "multigrid"},
           "DCDM": {"method": "dcdm"}, "FCG-DCDM": {"method": "fcg", "preconditioner": "dcdm"}}


def problem(case, factor):
    """(mesh, operator, {rhs name: b}) of a shipped model's training problem, refined `factor` times per axis."""
    deck = load_deck(DECKS / f"dcdm_train_{case}.toml")
    m, table = deck["mesh"], deck["dcdm"]
    mesh = Mesh.create(Comm(), [n * factor for n in m["shape"]], m["length"], m["bc"])
    op = make_operator(mesh, table, CPUBackend())
    fluid = mesh.owned(op.fluid).reshape(mesh.local_shape) if table["obstacles"] else 1.0
    rhs = {}
    for name, values in (("gaussian", gaussian(mesh, [0.3, 0.7, 0.6][:mesh.ndim], 0.08)),
                         ("noise", np.random.default_rng(2026).standard_normal(mesh.local_shape))):
        b = mesh.zeros()
        b[mesh.interior] = values * fluid
        rhs[name] = b
    return mesh, op, rhs


def solve(op, b, model, settings, inference):
    cap = 5000 if settings["method"] == "cg" else 1000       # a stalling network direction ends at 1000
    table = dict(settings, rtol=1e-6, max_iterations=cap, dcdm_weights=model, dcdm_inference=inference)
    start = time.perf_counter()
    solver = make_solver(op, table)
    setup = time.perf_counter() - start
    result = solver.solve(b, op.mesh.zeros())
    return {"iterations": result.iterations, "residual": result.residual, "converged": result.converged,
            "setup_s": setup, "solve_s": result.seconds, "fallbacks": getattr(solver, "fallbacks", 0),
            "inference": type(getattr(solver.pc, "forward", None)).__name__ if settings["method"] != "cg" else ""}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=CASES, choices=CASES)
    parser.add_argument("--factors", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--rhs", nargs="+", default=["gaussian", "noise"], choices=("gaussian", "noise"))
    parser.add_argument("--inference", default="auto", choices=("auto", "kernels", "torch"))
    parser.add_argument("--model", nargs="+", default=[], metavar="CASE=NAME",
                        help="weights for a case other than the shipped model of its name")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "dcdm.json"))
    parser.add_argument("--append", action="store_true", help="keep the file's rows of other solves")
    args = parser.parse_args()
    if importlib.util.find_spec("torch") is not None:     # PyTorch inference: as many threads as numba's
        import torch

        torch.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    models = {case: case for case in CASES}
    models.update(item.split("=", 1) for item in args.model)
    rows = []
    for factor, methods in ((1, METHODS), (4, ("CG", "MG-PCG"))):   # compile every kernel before timing:
        mesh, op, rhs = problem("box2d", factor)                  # 128^2 is above multigrid's direct_max
        for method in methods:
            solve(op, rhs["noise"], "box2d", METHODS[method], "kernels")
    print("| case | model (levels) | grid | rhs | method | iterations | setup s | solve s | residual | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        network = Network.load(weights_path(models[case]))
        for factor in args.factors:
            mesh, op, rhs = problem(case, factor)
            for name in args.rhs:
                b = rhs[name]
                for method in args.methods:
                    load = os.getloadavg()[0]
                    r = solve(op, b, models[case], METHODS[method], args.inference)
                    levels = network.levels_for(tuple(mesh.global_shape))
                    r.update(case=case, model=models[case], levels=levels, shared=network.shared,
                             masked=network.masked, factor=factor,
                             rhs=name, grid="x".join(map(str, mesh.global_shape)), method=method,
                             params=network.parameters, load_before=load, load_after=os.getloadavg()[0])
                    rows.append(r)
                    shared = (", auto, mask" if network.masked else ", auto") if network.shared else ""
                    print(f"| {case} | {models[case]} ({levels}{shared}) | {r['grid']} | {name} | {method} | "
                          f"{r['iterations']} | {r['setup_s']:.2f} | {r['solve_s']:.2f} | {r['residual']:.1e} | "
                          f"{load:.1f}-{r['load_after']:.1f} |", flush=True)
    write(Path(args.out), rows, args.append)


def write(path, rows, append):
    """The rows as JSON; with `append` after the file's rows of other (case, model, grid, rhs, method)."""
    def key(r):
        return r["case"], r["model"], r["grid"], r["rhs"], r["method"]

    new = {key(r) for r in rows}
    old = [r for r in json.loads(path.read_text()) if key(r) not in new] if append and path.exists() else []
    path.write_text(json.dumps(old + rows, indent=1))


if __name__ == "__main__":
    main()
