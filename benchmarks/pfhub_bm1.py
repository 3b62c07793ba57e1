"""PFHub benchmark 1a (spinodal decomposition, 200 x 200 periodic, dx = 1) side by side: hpcsim's adaptive
semi-implicit step (second-order BDF2 by default) against py-pde (explicit Euler, adaptive, numba) and FiPy
(coupled c-mu implicit sweeps, growing dt), all in this process on the same initial condition, at the same sample
times (0 and 25 log-spaced to --horizon); free energies from one discrete formula (face differences,
`free_energy`).

Matching free energy. Every code's F(t) is compared with a converged reference, hpcsim's BDF2 at
--ref-tol (1e-6; it agrees with BDF2 at 1e-6 and twice the stabilisation to 0.1%, and the first-order step converges
toward it): the printed max |F/F_ref - 1| over the common times a code reached. A code "matches" when that is
below 1%. The wall-time ratio to --horizon is hpcsim's measured time against the peer's measured time when the
peer reached the horizon within --budget, otherwise extrapolated and marked as such: py-pde's explicit step is
stability-bound at a constant dt, so its time grows linearly with t (rate from its second half); FiPy's cost is
its median time per sweep times the sweeps its dt policy (x 1.1 per step from 0.01 up to --fipy-dt-max) needs to
--horizon. A peer that matches up to where its budget ended also gives a bound that needs no extrapolation: it
spends at least its CPU time to that point to reach the horizon, so its CPU time there over hpcsim's CPU time to
the horizon is a lower bound on the ratio (CPU time, `time.process_time`, so that a loaded machine does not
inflate either side; every row holds t, F, wall s, CPU s).

The peers are installed with pip when missing (never runtime dependencies of hpcsim). hpcsim then runs alone to
--long (default 1e6). Run: `python benchmarks/pfhub_bm1.py [--horizon 1e4] [--budget 300] [--long 1e6]
[--fipy-budget S] [--fipy-dt-max 50] [--scheme bdf2] [--tol 5e-6] [--ref-tol 1e-6] [--first-order 2e-3]
[--out benchmarks/results/pfhub_bm1.json]`; results go to --out (the reference
is cached in benchmarks/results/pfhub_bm1_reference.json per horizon and tolerance), (with --csv-dir) the PFHub
time,free_energy CSVs and (--plot) the figure.
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
FIPY_GROWTH = 1.1
MATCH = 0.01         # codes "match" where max |F/F_ref - 1| < 1%


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


def run_hpcsim(horizon, tol, scheme="bdf2", stabilisation=2.0):
    from hpcsim.backend import CPUBackend
    from hpcsim.deck.loader import resolve
    from hpcsim.parallel import Comm
    from hpcsim.phasefield.model import PhaseFieldModel

    table = {"phasefield": {"thermodynamics": "bm1", "initial": "bm1", "adaptive_tol": tol, "scheme": scheme,
                            "stabilisation": stabilisation},
             "mesh": {"shape": [N, N], "length": [LENGTH, LENGTH], "bc": "periodic"},
             "run": {"dt": 0.1, "t_end": horizon}}
    model = PhaseFieldModel(resolve(table), Comm(), CPUBackend(), None)
    model.step(1e-6)                              # compile (numba's cache) outside the timing
    model = PhaseFieldModel(resolve(table), Comm(), CPUBackend(), None)
    rows, start, cpu = [], time.perf_counter(), time.process_time()
    for target in sample_times(horizon):
        while model.time < target * (1 - 1e-12):
            model.step(min(model.propose_dt(0.1), target - model.time))
        rows.append((target, free_energy(model.mesh.owned(model.c)), time.perf_counter() - start,
                     time.process_time() - cpu))
    return {"rows": rows, "steps": model.step_count, "scheme": scheme, "tol": tol, "stabilisation": stabilisation}


def reference(horizon, tol):
    """hpcsim's BDF2 at a tight tolerance (cached: it takes minutes)."""
    cache = RESULTS / "pfhub_bm1_reference.json"
    if cache.exists():
        stored = json.loads(cache.read_text())
        if stored["horizon"] == horizon and stored["tol"] == tol:
            return stored
    result = {**run_hpcsim(horizon, tol), "horizon": horizon}
    RESULTS.mkdir(exist_ok=True)
    cache.write_text(json.dumps(result, indent=1))
    return result


def run_pypde(horizon, budget):
    pde = ensure("pde", "py-pde")
    from pde.trackers.base import FinishedSimulation
    from pde.trackers.interrupts import FixedInterrupts

    grid = pde.CartesianGrid([[0, LENGTH], [0, LENGTH]], [N, N], periodic=True)
    x, y = np.meshgrid(*grid.axes_coords, indexing="ij")
    eq = pde.PDE({"c": f"{M} * laplace({2 * RHO} * (c - {CA}) * ({CB} - c) * ({CA + CB} - 2 * c) - {KAPPA} * laplace(c))"})
    field = pde.ScalarField(grid, initial_condition(x, y))
    eq.solve(field.copy(), t_range=1e-3, dt=1e-4, solver="euler", adaptive=True, tracker=None)   # compile
    rows, start, cpu = [], [], []

    def record(state, t):
        start.append(time.perf_counter())        # the clock starts at the first call (t = 0): py-pde compiles
        cpu.append(time.process_time())          # its stepper before it
        rows.append((float(t), free_energy(state.data), start[-1] - start[0], cpu[-1] - cpu[0]))
        if rows[-1][2] > budget:
            raise FinishedSimulation("wall-time budget spent")

    tracker = pde.CallbackTracker(record, interrupts=FixedInterrupts(sample_times(horizon)))
    eq.solve(field, t_range=horizon, dt=1e-3, solver="euler", adaptive=True, tracker=tracker)
    return {"rows": rows}


def run_fipy(horizon, budget, dt_max):
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
    rows, start, cpu, t, dt, sweeps = [(0.0, free_energy(values()), 0.0, 0.0)], time.perf_counter(), \
        time.process_time(), 0.0, 0.01, 0
    sweep_s = []
    for target in sample_times(horizon)[1:]:
        while t < target * (1 - 1e-12) and time.perf_counter() - start < budget:
            step = min(dt, target - t)
            c.updateOld()
            mu.updateOld()
            before = time.perf_counter()
            eq.sweep(dt=step)
            sweep_s.append(time.perf_counter() - before)
            t, sweeps = t + step, sweeps + 1
            dt = min(dt * FIPY_GROWTH, dt_max)
        if t < target * (1 - 1e-12):
            break
        rows.append((target, free_energy(values()), time.perf_counter() - start, time.process_time() - cpu))
    wall = time.perf_counter() - start
    return {"rows": rows, "sweeps": sweeps, "wall_s": wall, "t": t, "sweep_s": sweep_s, "dt_max": dt_max}


def fipy_sweeps(horizon, dt_max):
    """Sweeps of FiPy's dt policy (0.01, x 1.1 per step, at most dt_max, landing on the sample times) to horizon."""
    t, dt, n = 0.0, 0.01, 0
    for target in sample_times(horizon)[1:]:
        while t < target * (1 - 1e-12):
            t, n = t + min(dt, target - t), n + 1
            dt = min(dt * FIPY_GROWTH, dt_max)
    return n


def deviation(ref, run):
    """max |F/F_ref - 1| over the run's sample times (the reference interpolated linearly in log t)."""
    t_ref, f_ref = (np.array(v) for v in zip(*[r[:2] for r in ref["rows"]]))
    t, f = (np.array(v) for v in zip(*[r[:2] for r in run["rows"]]))
    log = lambda v: np.log(np.maximum(v, 1e-3))
    return float(np.max(np.abs(f / np.interp(log(t), log(t_ref), f_ref) - 1.0)))


def wall_at(run, t):
    """A run's wall time at simulation time t (interpolated in log t)."""
    times, walls = np.array([r[0] for r in run["rows"]]), np.array([r[2] for r in run["rows"]])
    log = lambda v: np.log(np.maximum(v, 1e-3))
    return float(np.interp(log(t), log(times), walls))


def peer_time_to(name, run, horizon):
    """(wall seconds to horizon, how it was obtained)."""
    rows = run["rows"]
    if rows[-1][0] >= horizon * (1 - 1e-12):
        return rows[-1][2], "measured"
    if name == "fipy":
        per_sweep = float(np.median(run["sweep_s"][1:] or run["sweep_s"]))   # the first sweep builds the matrix
        need = fipy_sweeps(horizon, run["dt_max"])
        return per_sweep * need, (f"extrapolated: {run['sweeps']} sweeps in {run['wall_s']:.1f} s, median "
                                  f"{per_sweep:.2f} s per sweep, {need} sweeps to t = {horizon:g}")
    t1, w1 = rows[-1][0], rows[-1][2]
    if t1 <= 0.0:
        return float("inf"), "no sample reached"
    earlier = [r for r in rows[:-1] if r[0] >= t1 / 2]
    rate = (w1 - earlier[0][2]) / (t1 - earlier[0][0]) if earlier else w1 / t1
    return w1 + rate * (horizon - t1), f"extrapolated linearly from t = {t1:g} ({w1:.1f} s)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--horizon", type=float, default=1e4)
    ap.add_argument("--budget", type=float, default=300.0, help="wall seconds per peer")
    ap.add_argument("--long", type=float, default=1e6, help="hpcsim alone to this time (0: skip)")
    ap.add_argument("--scheme", default="bdf2", choices=("bdf2", "semi_implicit"), help="hpcsim phasefield.scheme")
    ap.add_argument("--tol", type=float, default=5e-6, help="hpcsim phasefield.adaptive_tol (the deck's)")
    ap.add_argument("--stabilisation", type=float, default=2.0, help="hpcsim phasefield.stabilisation")
    ap.add_argument("--ref-tol", type=float, default=1e-6, help="adaptive_tol of the BDF2 reference")
    ap.add_argument("--fipy-budget", type=float, help="wall seconds for FiPy (default: --budget)")
    ap.add_argument("--fipy-dt-max", type=float, default=50.0, help="FiPy's largest step (its dt grows x 1.1 per "
                    "sweep from 0.01 up to this)")
    ap.add_argument("--out", default=str(RESULTS / "pfhub_bm1.json"), help="the results file (JSON)")
    ap.add_argument("--first-order", type=float, default=0.0, metavar="TOL",
                    help="also time the first-order step (semi_implicit, stabilisation 1) at this adaptive_tol")
    ap.add_argument("--peers", nargs="*", default=["py-pde", "fipy"])
    ap.add_argument("--csv-dir", help="write the PFHub time,free_energy CSVs here")
    ap.add_argument("--plot", help="log-log free-energy figure of every code (PNG)")
    args = ap.parse_args()
    ref = reference(args.horizon, args.ref_tol)
    print(f"reference: hpcsim bdf2 adaptive_tol = {args.ref_tol:g}, {ref['steps']} steps, F({args.horizon:g}) = "
          f"{ref['rows'][-1][1]:.4f}", flush=True)
    hp = run_hpcsim(args.horizon, args.tol, args.scheme, args.stabilisation)
    result = {"reference": ref, "hpcsim": hp}
    ours = hp["rows"][-1][2]
    hp["max_rel_dF"] = deviation(ref, hp)
    print(f"hpcsim ({args.scheme}, adaptive_tol = {args.tol:g}, stabilisation = {args.stabilisation:g}): "
          f"t = {args.horizon:g} in {ours:.2f} s ({hp['steps']} steps), F = {hp['rows'][-1][1]:.4f}; "
          f"max |F/F_ref - 1| = {100 * hp['max_rel_dF']:.2f}%", flush=True)
    if args.first_order:
        first = result["hpcsim_first_order"] = run_hpcsim(args.horizon, args.first_order, "semi_implicit", 1.0)
        first["max_rel_dF"] = deviation(ref, first)
        print(f"hpcsim (semi_implicit, adaptive_tol = {args.first_order:g}, stabilisation = 1): t = {args.horizon:g} "
              f"in {first['rows'][-1][2]:.2f} s ({first['steps']} steps), F = {first['rows'][-1][1]:.4f}; "
              f"max |F/F_ref - 1| = {100 * first['max_rel_dF']:.2f}%", flush=True)
    runners = {"py-pde": run_pypde, "fipy": lambda horizon, budget: run_fipy(horizon, budget, args.fipy_dt_max)}
    budgets = {"py-pde": args.budget, "fipy": args.fipy_budget or args.budget}
    for name in args.peers:
        run = result[name] = runners[name](args.horizon, budgets[name])
        reached = run["rows"][-1][0]
        theirs, how = peer_time_to(name, run, args.horizon)
        run["summary"] = {"reached": reached, "max_rel_dF": deviation(ref, run), "wall_to_horizon_s": theirs,
                          "how": how, "hpcsim_wall_s": ours, "ratio": theirs / ours,
                          "ratio_at_reached": run["rows"][-1][2] / wall_at(hp, reached)}
        sm = run["summary"]
        if sm["max_rel_dF"] < MATCH and reached < args.horizon:
            # a peer that matches up to where it stopped spends at least that CPU time to reach the horizon
            sm["ratio_lower_bound_cpu"] = run["rows"][-1][3] / hp["rows"][-1][3]
            print(f"{name}: matches within {100 * MATCH:g}% up to t = {reached:g}, reached with {run['rows'][-1][3]:.0f} "
                  f"s of CPU; hpcsim's CPU time to t = {args.horizon:g}: {hp['rows'][-1][3]:.2f} s; ratio to the "
                  f"horizon at least {sm['ratio_lower_bound_cpu']:.0f}x", flush=True)
        print(f"{name}: reached t = {reached:g} in {run['rows'][-1][2]:.2f} s, max |F/F_ref - 1| up to there "
              f"{100 * sm['max_rel_dF']:.2f}% (hpcsim up to there {100 * deviation(ref, {'rows': [r for r in hp['rows'] if r[0] <= reached]}):.2f}%); "
              f"wall to t = {args.horizon:g}: {theirs:.0f} s ({how}) against hpcsim's {ours:.2f} s: "
              f"{sm['ratio']:.0f}x (at t = {reached:g}: {sm['ratio_at_reached']:.1f}x)", flush=True)
    if args.long:
        long = run_hpcsim(args.long, args.tol, args.scheme, args.stabilisation)
        print(f"hpcsim alone: t = {args.long:g} in {long['rows'][-1][2]:.1f} s ({long['steps']} steps), "
              f"F = {long['rows'][-1][1]:.4f}")
        result["hpcsim_long"] = long
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
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
