"""PFHub benchmark 1a (spinodal decomposition, 200 x 200 periodic, dx = 1) side by side: hpcsim's adaptive
semi-implicit step against py-pde (explicit adaptive Runge-Kutta, numba) and FiPy (coupled c-mu implicit
sweeps, growing dt), all in this process on the same initial condition; free energies at common times from one
discrete formula (face differences, `free_energy`), wall times to the same simulation time, ratios printed.

The peers are installed with pip when missing (never runtime dependencies of hpcsim). Each peer runs until it
reaches --horizon or spends --budget seconds; wall-time ratios are taken at the time it reached (and, for
py-pde, whose explicit step is stability-bound at a constant dt, extrapolated linearly to --horizon, marked as
such). hpcsim then runs alone to --long (default 1e6).
Run: `python benchmarks/pfhub_bm1.py [--horizon 1e4] [--budget 300] [--long 1e6] [--tol 2e-3]`; results go to
benchmarks/results/pfhub_bm1.json, (with --csv-dir) the PFHub time,free_energy CSVs and (--plot) the figure.
"""
import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N, LENGTH = 200, 200.0
RHO, CA, CB, KAPPA, M = 5.0, 0.3, 0.7, 2.0, 5.0
RESULTS = Path(__file__).parent / "results"


def ensure(module, package):
    try:
        return importlib.import_module(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)
        return importlib.import_module(module)


def initial_condition(x, y):
    return 0.5 + 0.01 * (np.cos(0.105 * x) * np.cos(0.11 * y) + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
                         + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y))


def free_energy(c):
    """F = sum (f + kappa/2 |grad c|^2) h^2 with periodic forward differences (hpcsim's discrete form)."""
    f = RHO * (c - CA) ** 2 * (CB - c) ** 2
    grad2 = (np.roll(c, -1, 0) - c) ** 2 + (np.roll(c, -1, 1) - c) ** 2
    return float((f + 0.5 * KAPPA * grad2).sum())


def sample_times(horizon):
    return np.unique(np.concatenate([[0.0], np.logspace(0, np.log10(horizon), 25)]))


def run_hpcsim(horizon, tol):
    from hpcsim.backend import CPUBackend
    from hpcsim.deck.loader import resolve
    from hpcsim.parallel import Comm
    from hpcsim.phasefield.model import PhaseFieldModel

    table = {"phasefield": {"thermodynamics": "bm1", "initial": "bm1", "adaptive_tol": tol},
             "mesh": {"shape": [N, N], "length": [LENGTH, LENGTH], "bc": "periodic"},
             "run": {"dt": 0.1, "t_end": horizon}}
    model = PhaseFieldModel(resolve(table), Comm(), CPUBackend(), None)
    model.step(1e-6)                              # compile (numba's cache) outside the timing
    model = PhaseFieldModel(resolve(table), Comm(), CPUBackend(), None)
    rows, start = [], time.perf_counter()
    for target in sample_times(horizon):
        while model.time < target * (1 - 1e-12):
            model.step(min(model.propose_dt(0.1), target - model.time))
        rows.append((target, free_energy(model.mesh.owned(model.c)), time.perf_counter() - start))
    return {"rows": rows, "steps": model.step_count}


def run_pypde(horizon, budget):
    pde = ensure("pde", "py-pde")
    from pde.trackers.base import FinishedSimulation
    from pde.trackers.interrupts import FixedInterrupts

    grid = pde.CartesianGrid([[0, LENGTH], [0, LENGTH]], [N, N], periodic=True)
    x, y = np.meshgrid(*grid.axes_coords, indexing="ij")
    eq = pde.PDE({"c": f"{M} * laplace({2 * RHO} * (c - {CA}) * ({CB} - c) * ({CA + CB} - 2 * c) - {KAPPA} * laplace(c))"})
    field = pde.ScalarField(grid, initial_condition(x, y))
    eq.solve(field.copy(), t_range=1e-3, dt=1e-4, solver="euler", adaptive=True, tracker=None)   # compile
    rows, start = [], time.perf_counter()

    def record(state, t):
        rows.append((float(t), free_energy(state.data), time.perf_counter() - start))
        if rows[-1][2] > budget:
            raise FinishedSimulation("wall-time budget spent")

    tracker = pde.CallbackTracker(record, interrupts=FixedInterrupts(sample_times(horizon)))
    eq.solve(field, t_range=horizon, dt=1e-3, solver="euler", adaptive=True, tracker=tracker)
    return {"rows": rows}


def run_fipy(horizon, budget):
    fp = ensure("fipy", "fipy")
    mesh = fp.PeriodicGrid2D(nx=N, ny=N, dx=1.0, dy=1.0)
    c = fp.CellVariable(mesh=mesh, hasOld=True)
    mu = fp.CellVariable(mesh=mesh, hasOld=True)
    x, y = mesh.cellCenters
    c.value = initial_condition(np.asarray(x), np.asarray(y))
    dfdc = 2 * RHO * (c - CA) * (CB - c) * (CA + CB - 2 * c)
    d2f = 2 * RHO * ((CB - c) ** 2 - 4 * (c - CA) * (CB - c) + (c - CA) ** 2)
    eq = (fp.TransientTerm(var=c) == fp.DiffusionTerm(coeff=M, var=mu)) & \
        (fp.ImplicitSourceTerm(coeff=1.0, var=mu) == fp.ImplicitSourceTerm(coeff=d2f, var=c) - d2f * c + dfdc
         - fp.DiffusionTerm(coeff=KAPPA, var=c))
    values = lambda: np.asarray(c.value).reshape(N, N).T      # FiPy orders cells x fastest
    rows, start, t, dt = [(0.0, free_energy(values()), 0.0)], time.perf_counter(), 0.0, 0.01
    for target in sample_times(horizon)[1:]:
        while t < target * (1 - 1e-12):
            step = min(dt, target - t)
            c.updateOld()
            mu.updateOld()
            eq.sweep(dt=step)
            t += step
            dt = min(dt * 1.1, 50.0)
        rows.append((target, free_energy(values()), time.perf_counter() - start))
        if rows[-1][2] > budget:
            break
    return {"rows": rows}


def compare(reference, peer):
    """(max relative free-energy difference at the peer's times, hpcsim wall and peer wall at the peer's last
    time); hpcsim's series is interpolated linearly in log time between its samples."""
    t_ref, f_ref, w_ref = (np.array(v) for v in zip(*reference["rows"]))
    t, f, w = (np.array(v) for v in zip(*peer["rows"]))
    log = lambda v: np.log(np.maximum(v, 1e-3))
    diffs = np.abs(f / np.interp(log(t), log(t_ref), f_ref) - 1.0)
    return float(diffs.max()), float(np.interp(log(t[-1]), log(t_ref), w_ref)), float(w[-1]), float(t[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--horizon", type=float, default=1e4)
    ap.add_argument("--budget", type=float, default=300.0, help="wall seconds per peer")
    ap.add_argument("--long", type=float, default=1e6, help="hpcsim alone to this time (0: skip)")
    ap.add_argument("--tol", type=float, default=2e-3, help="hpcsim phasefield.adaptive_tol")
    ap.add_argument("--peers", nargs="*", default=["py-pde", "fipy"])
    ap.add_argument("--csv-dir", help="write the PFHub time,free_energy CSVs here")
    ap.add_argument("--plot", help="log-log free-energy figure of every code (PNG)")
    args = ap.parse_args()
    result = {"hpcsim": run_hpcsim(args.horizon, args.tol)}
    hp = result["hpcsim"]
    print(f"hpcsim: t = {args.horizon:g} in {hp['rows'][-1][2]:.2f} s ({hp['steps']} steps), "
          f"F = {hp['rows'][-1][1]:.4f} (F(0) = {hp['rows'][0][1]:.4f})", flush=True)
    runners = {"py-pde": run_pypde, "fipy": run_fipy}
    for name in args.peers:
        result[name] = runners[name](args.horizon, args.budget)
        diff, ours, theirs, reached = compare(hp, result[name])
        line = (f"{name}: reached t = {reached:g} in {theirs:.2f} s (hpcsim {ours:.3f} s): {theirs / ours:.1f}x; "
                f"max |F/F_hpcsim - 1| at common times {100 * diff:.2f}%")
        if name == "py-pde" and reached < args.horizon:
            line += f"; extrapolated to t = {args.horizon:g}: {theirs * args.horizon / reached / hp['rows'][-1][2]:.0f}x"
        print(line, flush=True)
        result[name]["summary"] = {"reached": reached, "wall_s": theirs, "hpcsim_wall_s": ours, "max_rel_dF": diff}
    if args.long:
        long = run_hpcsim(args.long, args.tol)
        print(f"hpcsim alone: t = {args.long:g} in {long['rows'][-1][2]:.1f} s ({long['steps']} steps), "
              f"F = {long['rows'][-1][1]:.4f}")
        result["hpcsim_long"] = long
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pfhub_bm1.json").write_text(json.dumps(result, indent=1))
    if args.plot:
        from postprocess.phasefield import plot_free_energy

        plot_free_energy({name: tuple(np.array(run["rows"])[:, :2].T) for name, run in result.items()}, args.plot)
    if args.csv_dir:
        Path(args.csv_dir).mkdir(parents=True, exist_ok=True)
        for name, run in result.items():
            np.savetxt(Path(args.csv_dir) / f"{name}.csv", np.array(run["rows"])[:, :2], delimiter=",",
                       header="time,free_energy", comments="", fmt="%.10g")


if __name__ == "__main__":
    main()
