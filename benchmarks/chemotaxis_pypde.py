"""Chemotaxis (indirect signalling) side by side with py-pde on the same periodic grid, data and horizon.

    dn/dt = Lap n - div(n grad c),  eps dc/dt = Lap c - c + w,  eps dw/dt = tau Lap w - w + n

on [0, 10]^2, periodic, 128 x 128 cells, tau = 1, n_0 = 4 + 0.5 cos(2 pi x / 10) cos(2 pi y / 10) (above the
instability threshold 1.95 of the first mode), c_0 = w_0 = 4 (ill-prepared for eps < 1: an initial layer), up
to t = 0.1, for eps = 1, 1e-2, 1e-3. py-pde (explicit Euler, numba backend, its fastest explicit path) steps at
0.8 of its stability bound dt = eps h^2 / 4 (h^2 / 4 for eps = 1); hpcsim takes its IMEX steps (explicit
Scharfetter-Gummel density step at cfl 0.5 of the positivity bound, backward-Euler Helmholtz solves for c and w
by multigrid-preconditioned CG, one rank). Both are timed after their numba compilation (py-pde: a stepper made
and called once for a few steps, then timed over the horizon; hpcsim: a warm-up run). Printed per eps: wall
times and their ratio, steps, and the relative L2 differences of n at t = 0.1 between the two codes and between
each code and an hpcsim reference with 16x smaller steps (the codes' own time errors).

Run: `python benchmarks/chemotaxis_pypde.py [--eps 1 0.01 0.001] [--backend numba|numpy] [--horizon 0.1]` (installs py-pde with pip when missing; not
a dependency of hpcsim) or `python benchmarks/run.py chemotaxis_pypde`.
"""
import argparse
import subprocess
import sys
import time

import numpy as np

from hpcsim.chemotaxis.session import advance, build

LENGTH, CELLS, TAU, N_BAR, AMPLITUDE, HORIZON = 10.0, 128, 1.0, 4.0, 0.5, 0.1
EPS = (1.0, 1e-2, 1e-3)


def pde_module():
    try:
        import pde
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-pde"], check=True)
        import pde
    return pde


def hpcsim_run(eps, cfl=0.5, horizon=HORIZON):
    """(n at the horizon, steps, seconds) of hpcsim, timed after the model is built (kernels compiled)."""
    model = build({
        "chemotaxis": {"eps": eps, "tau": TAU, "n_bar": N_BAR, "amplitude": AMPLITUDE, "modes": [1, 1], "cfl": cfl,
                       "signal_initial": "uniform", "c0": N_BAR, "w0": N_BAR},
        "mesh": {"shape": [CELLS, CELLS], "length": [LENGTH, LENGTH], "bc": "periodic"},
        "run": {"dt": 0.05, "t_end": horizon},
        "solver": {"preconditioner": "multigrid", "rtol": 1e-8}})
    t0 = time.perf_counter()
    steps = advance(model, horizon)
    return np.array(model.mesh.owned(model.density)), steps, time.perf_counter() - t0


def pypde_run(eps, horizon=HORIZON, backend="numba"):
    """(n at the horizon, steps, seconds) of py-pde's explicit Euler at 0.8 of its stability bound."""
    pde = pde_module()
    grid = pde.CartesianGrid([[0.0, LENGTH], [0.0, LENGTH]], [CELLS, CELLS], periodic=[True, True])
    k = 2.0 * np.pi / LENGTH
    n = pde.ScalarField.from_expression(grid, f"{N_BAR} + {AMPLITUDE} * cos({k} * x) * cos({k} * y)", label="n")
    c = pde.ScalarField(grid, N_BAR, label="c")
    w = pde.ScalarField(grid, N_BAR, label="w")
    state = pde.FieldCollection([n, c, w])
    eq = pde.PDE({"n": "laplace(n) - divergence(n * gradient(c))",
                  "c": f"(laplace(c) - c + w) / {eps}",
                  "w": f"({TAU} * laplace(w) - w + n) / {eps}"}, bc="periodic")
    h = LENGTH / CELLS
    dt = 0.8 * min(1.0, eps / max(1.0, TAU)) * h * h / 4.0
    stepper = pde.EulerSolver(eq, backend=backend, adaptive=False).make_stepper(state, dt=dt)
    stepper(state.copy(), 0.0, 2 * dt)                                              # compile
    t0 = time.perf_counter()
    stepper(state, 0.0, horizon)
    return np.array(state[0].data), int(round(horizon / dt)), time.perf_counter() - t0


def relative_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def run(eps_values=EPS, backend="numba", horizon=HORIZON):
    hpcsim_run(1.0, horizon=0.002)                                                  # compile hpcsim's kernels
    rows = []
    for eps in eps_values:
        ours, our_steps, our_seconds = hpcsim_run(eps, horizon=horizon)
        theirs, their_steps, their_seconds = pypde_run(eps, horizon, backend)
        reference, _, _ = hpcsim_run(eps, cfl=0.5 / 16, horizon=horizon)
        rows.append({"eps": eps, "hpcsim_seconds": our_seconds, "pypde_seconds": their_seconds,
                     "speedup": their_seconds / our_seconds, "hpcsim_steps": our_steps, "pypde_steps": their_steps,
                     "difference": relative_l2(ours, theirs), "hpcsim_time_error": relative_l2(ours, reference),
                     "pypde_vs_reference": relative_l2(theirs, reference)})
    return {"rows": rows, "pypde_backend": backend, "horizon": horizon}


def report(result):
    lines = [f"chemotaxis vs py-pde ({result['pypde_backend']} backend), 128 x 128 periodic, t = {result['horizon']:g} "
             "(one rank; "
             "speedup = py-pde time / hpcsim time)",
             f"{'eps':>8} {'hpcsim s':>9} {'py-pde s':>9} {'speedup':>8} {'steps':>7} {'py-pde':>8} "
             f"{'|n-n_pde|':>10} {'hpcsim err':>10} {'py-pde err':>10}"]
    for r in result["rows"]:
        lines.append(f"{r['eps']:8.0e} {r['hpcsim_seconds']:9.2f} {r['pypde_seconds']:9.2f} {r['speedup']:8.2f} "
                     f"{r['hpcsim_steps']:7d} {r['pypde_steps']:8d} {r['difference']:10.2e} "
                     f"{r['hpcsim_time_error']:10.2e} {r['pypde_vs_reference']:10.2e}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eps", type=float, nargs="+", default=list(EPS))
    ap.add_argument("--horizon", type=float, default=HORIZON)
    ap.add_argument("--backend", choices=("numba", "numpy"), default="numba",
                    help="py-pde's backend (numba: its fastest; its compilation of this system takes minutes)")
    args = ap.parse_args()
    print(report(run(args.eps, args.backend, args.horizon)))
