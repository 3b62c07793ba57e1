"""Noise budget of TF-PIC: the numerical collisionality nu_num of a 2D3V field-free thermal electron plasma
against the particle shape order (pic.shape), particles per cell, current-filter passes and cell size in Debye
lengths, at a small size.

An imposed temperature anisotropy (T_perp = 2 T_par, par = x in the simulation plane, theta_e = T_par / m c^2 =
0.01, cells of h = r lambda_D with lambda_D = v_th / omega_pe (r = 1 unless set), random positions with the
initial E from Gauss's law, neutralising ion background, Vay pusher, dt = 0.35 h) relaxes only through the
particle noise: a collisionless plasma keeps it (no background field; the Weibel instability of this anisotropy
needs k d_e < sqrt(T_perp / T_par - 1) = 1 along x, and the box of 32 lambda_D = 3.2 d_e (`--box`) has no mode
below k d_e = 1.96),
so A(t) = T_perp / T_par - 1 decays at nu_num: A = A_0 exp(-nu t), fitted
on ln A over the whole run (the moments are the pressure-tensor temperatures n m <u_a v_a>). The heating rate
(d ln T / dt of the mean temperature) is fitted too. Each setting reports the cost (ns per particle-step of the
whole PIC step, measured in the same run), so that the reduction of nu from linear to cubic shapes can be
stated at equal cost: nu_1(ppc * cost_3 / cost_1) against nu_3(ppc), with nu_1 interpolated as a power law in
ppc between the measured particle counts.

The box is fixed in Debye lengths, so a setting with cells of r lambda_D has box / r cells per axis and
N_D = ppc / r^2 particles per Debye area; settings of equal N_D have equal particle counts and so equal cost per
step at the same shape. Cells larger than lambda_D (r > 1) bring the finite-grid (aliasing) heating that
higher-order shapes are known to suppress; r < 1 resolves the Debye length.

Run: `NUMBA_NUM_THREADS=1 python benchmarks/pic_noise.py [--box 32] [--t-end 140] [--settings 1:16,1:64,...]`
(settings: shape:ppc[:filter_passes[:r]]). The default takes a few minutes of compute on one core once the
kernels are compiled (the first run of a shape compiles its fused step: seconds).
"""
import argparse
import json
import math
import time

import numpy as np

DEFAULT = "1:16,1:32,1:64,2:16,3:16,3:32,1:16:2,3:16:2"
THETA, ANISOTROPY = 0.01, 2.0


def temperatures(s):
    """(T_par, T_perp) of species s: m <u_x v_x>, m <u_y v_y + u_z v_z> / 2 (par = x; the plasma has no drift)."""
    u = np.asarray(s.u)
    ginv = 1.0 / np.sqrt(1.0 + np.sum(u * u, axis=0))
    t = np.mean(u * u * ginv, axis=1) * s.mass
    return float(t[0]), float(0.5 * (t[1] + t[2]))


def run(shape, ppc, passes=0, box=32, t_end=140.0, seed=11, r=1.0):
    from hpcsim.backend import CPUBackend
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm
    from hpcsim.pic.deck import ghost_for
    from hpcsim.pic.engine import PIC
    from hpcsim.pic.loading import solve_initial_field
    from hpcsim.pic.species import Species, bi_maxwellian

    h = r * math.sqrt(THETA)                               # r Debye lengths (v_th = sqrt(theta) c)
    cells = int(round(box / r))
    backend = CPUBackend()
    mesh = Mesh.create(Comm(), (cells, cells), (cells * h, cells * h), "periodic", ghost=ghost_for(shape))
    rng = np.random.default_rng([seed, ppc])
    n = cells * cells * ppc
    x = np.zeros((3, n))
    x[:2] = rng.uniform(0.0, cells * h, (2, n))
    u = bi_maxwellian(rng, n, 1.0, THETA, ANISOTROPY * THETA, b_hat=(1.0, 0.0, 0.0))
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(n), qw=-1.0 / ppc)
    pic = PIC(mesh, backend, [electrons], background=1.0, filter_passes=passes, shape=shape)
    solve_initial_field(pic, backend)
    dt = 0.35 * h
    steps = int(round(t_end / dt))
    pic.step(dt)                                           # compile (the first run of a shape: minutes)
    times, t_par, t_perp = [], [], []
    every = max(1, steps // 100)
    clock = 0.0
    for step in range(steps):
        if step % 50 == 0:
            pic.sort()
        t0 = time.perf_counter()
        pic.step(dt)
        clock += time.perf_counter() - t0
        if step % every == 0 or step == steps - 1:
            a, b = temperatures(electrons)
            times.append((step + 2) * dt)
            t_par.append(a)
            t_perp.append(b)
    times, t_par, t_perp = np.array(times), np.array(t_par), np.array(t_perp)
    anisotropy = t_perp / t_par - 1.0
    nu = -np.polyfit(times, np.log(anisotropy), 1)[0]
    mean_t = (t_par + 2.0 * t_perp) / 3.0
    heating = np.polyfit(times, np.log(mean_t), 1)[0]
    return {"shape": shape, "ppc": ppc, "filter_passes": passes, "h_over_debye": r, "seed": seed,
            "debye_area_particles": ppc / r ** 2, "cells": cells, "t_end": float(times[-1]), "steps": steps,
            "nu_num": float(nu), "heating_rate": float(heating),
            "anisotropy": [float(anisotropy[0]), float(anisotropy[-1])],
            "ns_per_particle_step": 1e9 * clock / steps / n,
            "gauss_error": pic.gauss_error(1.0)}


def key(r):
    """The setting of a result: (shape, ppc, filter passes, h / lambda_D)."""
    return r["shape"], r["ppc"], r["filter_passes"], r.get("h_over_debye", 1.0)


def summarise(results):
    """One row per setting: nu_num as the mean over its seeds, with their standard deviation (the statistical
    error of one run), the mean heating rate and cost."""
    rows = {}
    for r in results:
        rows.setdefault(key(r), []).append(r)
    out = []
    for (shape, ppc, passes, ratio), runs in rows.items():
        nu = np.array([r["nu_num"] for r in runs])
        out.append({"shape": shape, "ppc": ppc, "filter_passes": passes, "h_over_debye": ratio,
                    "debye_area_particles": ppc / ratio ** 2, "seeds": len(runs), "nu_num": float(nu.mean()),
                    "nu_std": float(nu.std(ddof=1)) if len(runs) > 1 else float("nan"),
                    "heating_rate": float(np.mean([r["heating_rate"] for r in runs])),
                    "ns_per_particle_step": float(np.mean([r["ns_per_particle_step"] for r in runs]))})
    return out


def equal_cost(rows, cost_ratios=None):
    """For each unfiltered higher-order setting: nu of the linear shape at the same cost (same cell size, N_D
    raised by the cost ratio: `cost_ratios[shape]` where given, e.g. from `pic_shapes_cost.py`, else the ratio
    of the costs measured in these runs), from a power-law fit nu_1 = a N_D^-p over the unfiltered linear
    settings of that cell size (skipped where there are fewer than 2), and the reduction nu_1 / nu."""
    out = {}
    for r in rows:
        lin = [q for q in rows if q["shape"] == 1 and q["filter_passes"] == 0
               and q["h_over_debye"] == r["h_over_debye"]]
        if r["shape"] == 1 or r["filter_passes"] or len(lin) < 2:
            continue
        slope, icpt = np.polyfit(np.log([q["debye_area_particles"] for q in lin]),
                                 np.log([q["nu_num"] for q in lin]), 1)
        cost1 = float(np.mean([q["ns_per_particle_step"] for q in lin]))
        ratio = (cost_ratios or {}).get(r["shape"], r["ns_per_particle_step"] / cost1)
        nd1 = r["debye_area_particles"] * ratio                                   # linear N_D at the same cost
        nu1 = math.exp(icpt + slope * math.log(nd1))
        out[f"{r['shape']}:{r['ppc']}:0:{r['h_over_debye']:g}"] = {
            "linear_exponent": float(slope), "linear_debye_area_particles_same_cost": nd1,
            "linear_nu_same_cost": nu1, "reduction": nu1 / r["nu_num"]}
    return out


def fit(results):
    """(A, B, rms relative deviation) of the law of `hpcsim.pic.noise`, nu_num N_D = A ln(B lambda_D / (s_n h)),
    fitted over the unfiltered runs (every seed), with lambda_D and N_D of the initial mean temperature
    (T_par + 2 T_perp) / 3 = THETA (1 + 2 ANISOTROPY) / 3, as the deck estimate takes them."""
    from hpcsim.pic.noise import shape_width

    runs = [r for r in results if r["filter_passes"] == 0]
    stretch = math.sqrt((1.0 + 2.0 * ANISOTROPY) / 3.0)       # lambda_D(mean T) / lambda_D(T_par)
    x = np.array([math.log(shape_width(r["shape"]) * r.get("h_over_debye", 1.0) / stretch) for r in runs])
    n_d = np.array([r["ppc"] * (stretch / r.get("h_over_debye", 1.0)) ** 2 for r in runs])
    nu = np.array([r["nu_num"] for r in runs])
    slope, icpt = np.polyfit(x, nu * n_d, 1)
    a = -slope
    b = math.exp(icpt / a)
    model = a * np.log(b * np.exp(-x)) / n_d
    return a, b, float(np.sqrt(np.mean((nu / model - 1.0) ** 2)))


def table(rows, extra):
    lines = ["| shape | particles/cell | filter passes | h / lambda_D | particles per Debye area N_D | "
             "nu_num (omega_pe) | nu_num N_D | heating d ln T/dt (omega_pe) | ns per particle-step |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        spread = f" +- {r['nu_std']:.1e}" if r["seeds"] > 1 else ""
        lines.append(f"| {r['shape']} | {r['ppc']} | {r['filter_passes']} | {r['h_over_debye']:g} | "
                     f"{r['debye_area_particles']:g} | {r['nu_num']:.2e}{spread} | "
                     f"{r['nu_num'] * r['debye_area_particles']:.4f} | {r['heating_rate']:.1e} | "
                     f"{r['ns_per_particle_step']:.0f} |")
    if extra:
        lines.append("")
    for name, v in extra.items():
        if name == "fit":
            continue
        lines.append(f"shape:ppc:passes:r {name}: the linear shape at equal cost has N_D = "
                     f"{v['linear_debye_area_particles_same_cost']:.1f} and nu_num {v['linear_nu_same_cost']:.2e} "
                     f"(linear nu ~ N_D^{v['linear_exponent']:.2f}): reduction {v['reduction']:.2f} x")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--box", type=float, default=32.0, help="box side in Debye lengths")
    ap.add_argument("--t-end", type=float, default=140.0)
    ap.add_argument("--settings", default=DEFAULT, help="comma-separated shape:ppc[:filter_passes[:h/lambda_D]]")
    ap.add_argument("--seeds", default="11", help="comma-separated loading seeds; each setting runs with each")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--merge", nargs="+", help="no runs: the table of these --json outputs together")
    ap.add_argument("--cost-ratios", help="shape:ratio,... cost per particle-step against the linear shape for the "
                    "equal-cost comparison (e.g. 2:1.79,3:3.90 from pic_shapes_cost.py); default: this run's")
    a = ap.parse_args()
    results = []
    for path in a.merge or []:
        with open(path) as f:
            results += json.load(f)["results"]
    for setting in [] if a.merge else a.settings.split(","):
        parts = setting.split(":")
        for seed in (int(v) for v in a.seeds.split(",")):
            r = run(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 0, a.box, a.t_end, seed,
                    float(parts[3]) if len(parts) > 3 else 1.0)
            print(json.dumps(r), flush=True)
            results.append(r)
    rows = summarise(results)
    ratios = {int(k): float(v) for k, v in (item.split(":") for item in a.cost_ratios.split(","))} \
        if a.cost_ratios else None
    extra = equal_cost(rows, ratios)
    print(table(rows, extra))
    a_fit, b_fit, rms = fit(results)
    extra["fit"] = {"A": a_fit, "B": b_fit, "rms": rms, "runs": sum(r["filter_passes"] == 0 for r in results)}
    print(f"\nnu_num N_D = A ln(B lambda_D / (s_n h)) over {extra['fit']['runs']} unfiltered runs (lambda_D, N_D of "
          f"the mean temperature): A = {a_fit:.4f}, B = {b_fit:.2f}, rms deviation {100 * rms:.0f} %")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "settings": rows, "equal_cost": extra}, f, indent=1)
