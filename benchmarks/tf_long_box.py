"""The heat-flux whistler in boxes long enough to hold it (issue 17, docs/tf_results.md section 2e): for runs of
decks/tf/heat_flux_hot.toml with 16 rho_e along B_0, the energy of the box's first parallel modes (k_par =
2 pi m / L_x, k_perp = 0) and, where the box across allows k_perp rho_e <= 1, of the first oblique ones (k_perp =
+-2 pi / L_y) against time, their growth rate fitted over the stretch where linear theory says they
grow faster than the noise scatters, their polarisation and direction, and the same growth predicted from the
runs' own states by `hpcsim-post tf-whistler-theory` (tables saved while the checkpoints existed).

    python benchmarks/tf_long_box.py --run runs/l8 --theory benchmarks/results/tf_long_box_l8_theory.txt \
        --json benchmarks/results/tf_long_box.json --figure docs/figures/tf_long_box.png

Measured: mode energy W_m(t) = |B_k|^2 + |B_-k|^2 (postprocess.whistler.mode_energy, all three components),
averaged over blocks of BLOCK dumps; gamma = half the least-squares slope of ln W over the blocks from the time
the theory's growth in the box first exceeds NU_NUM to --until, with its standard error (from the scatter about
the line; the noise of one mode is correlated over many dumps, so it understates the uncertainty). Predicted:
gamma_box(t) of the skew from the heat flux and of the skew fitted to the core (the table's columns), interpolated
in t and integrated: W(t) = W(t0) exp(2 int gamma dt). --control: a whistler-stable run at the same noise (beta_e
< 1) whose q / (n T v_th) is drawn beside the runs'.
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from postprocess.families import save_figure  # noqa: E402
from postprocess.readers import read_scalars  # noqa: E402
from postprocess.tf import heat_flux_history, read_parameters  # noqa: E402
from postprocess.whistler import (fraction_along, mode_energy, oblique_spectrum, read_b_dumps,  # noqa: E402
                                  right_hand_fraction)
from postprocess.whistler_growth import box_wavenumbers  # noqa: E402

NU_NUM = 2.0e-4        # omega_pe: the numerical collisionality of these runs (section 2c)
BLOCK = 10             # dumps per block of the mode energy
K_PERP_MAX = 1.0       # rho_e^-1: the oblique modes analysed when the box across allows them (k rho_e ~ 0.4-1)


def read_theory(path):
    """{t: (gamma_box from q, gamma_box from the core fit)} from saved `tf-whistler-theory` output (later
    lines for the same t win)."""
    rows = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split("|")
        if len(parts) < 4 or not parts[0].split() or not parts[0].split()[0].replace(".", "").isdigit():
            continue
        t = float(parts[0].split()[0])
        along_q, core = parts[1].split(), parts[2].split()
        rows[t] = (float(along_q[4]), float(core[3]))
    return dict(sorted(rows.items()))


def block_means(t, w):
    n = t.size // BLOCK * BLOCK
    return t[:n].reshape(-1, BLOCK).mean(axis=1), w[:n].reshape(-1, BLOCK).mean(axis=1)


def fit_slope(t, w):
    """(gamma, standard error): half the least-squares slope of ln w against t."""
    a = np.vstack([t, np.ones_like(t)]).T
    coef, residual, *_ = np.linalg.lstsq(a, np.log(w), rcond=None)
    dof = max(t.size - 2, 1)
    sigma2 = float(residual[0]) / dof if residual.size else 0.0
    err = math.sqrt(sigma2 / np.sum((t - t.mean()) ** 2))
    return 0.5 * float(coef[0]), 0.5 * err


def analyse(outdir, theory_file, until=None, species="electrons"):
    parameters = read_parameters(outdir)
    omega_ce, rho_e, b0, beta = (parameters[k] for k in ("omega_ce", "gyroradius_e", "b0", "beta_e"))
    length = 2.0 * math.pi / box_wavenumbers(outdir, 10.0 / rho_e)[0]
    dumps = read_b_dumps(outdir)
    theory = read_theory(theory_file)
    t_theory = np.array(list(theory))
    gamma_q = np.array([v[0] for v in theory.values()])
    gamma_core = np.array([v[1] for v in theory.values()])
    onset = float(t_theory[np.argmax(gamma_q > NU_NUM)]) if np.any(gamma_q > NU_NUM) else float(t_theory[-1])
    t_end = float(dumps.times[-1])
    t_fit = min(until, t_end) if until else t_end
    scalars = read_scalars(outdir)
    inside = (scalars["time"] >= onset) & (scalars["time"] <= t_end)
    sign = float(np.sign(np.mean(scalars[f"heat_flux_{species}"][inside])))
    width = dumps.b.shape[-1] * dumps.spacing[1]
    pairs = [(1, 0), (2, 0)] + ([(1, 1), (1, -1)] if 2.0 * math.pi / width * rho_e <= K_PERP_MAX else [])
    modes = []
    for m, m_perp in pairs:
        k_par, k_perp = 2.0 * math.pi * m / length, 2.0 * math.pi * m_perp / width
        k = math.hypot(k_par, k_perp)
        t, w = mode_energy(dumps, k_par, k_perp)
        tb, wb = block_means(t[1:], w[1:] / b0 ** 2)
        fit = (tb >= onset) & (tb <= t_fit)
        gamma, err = fit_slope(tb[fit], wb[fit]) if fit.sum() >= 3 else (math.nan, math.nan)
        window = (onset, t_fit)
        kx, ky, omega, power = oblique_spectrum(dumps, window)
        band = (0.9 * k, 1.1 * k)
        modes.append({"m": m, "m_perp": m_perp, "k_rho_e": k * rho_e, "k_perp_rho_e": k_perp * rho_e,
                      "angle_deg": math.degrees(math.atan2(abs(k_perp), k_par)), "gamma": gamma, "gamma_error": err,
                      "energy_at_onset": float(np.interp(onset, tb, wb)), "energy_end": float(wb[-1]),
                      "right_hand_share": right_hand_fraction(dumps, window, band),
                      "share_along_heat_flux": fraction_along(kx, ky, omega, power, sign, band),
                      "history": {"t": tb.tolist(), "energy": wb.tolist()}})
    t_q, q = heat_flux_history(outdir, species)
    anisotropy = scalars[f"T_perp_{species}"] / scalars[f"T_par_{species}"]
    grid = np.linspace(onset, t_fit, 200)
    mean = lambda g: float(np.trapezoid(np.interp(grid, t_theory, g), grid) / (t_fit - onset))      # noqa: E731
    return {"outdir": str(outdir), "beta_e": beta, "omega_ce": omega_ce, "rho_e": rho_e,
            "box_along_b0_rho_e": length / rho_e, "box_across_rho_e": width / rho_e, "t_end": t_end, "onset": onset,
            "fit_until": t_fit, "nu_num": NU_NUM,
            "theory": {"t": t_theory.tolist(), "gamma_box_q": gamma_q.tolist(), "gamma_box_core": gamma_core.tolist(),
                       "mean_gamma_box_q": mean(gamma_q), "mean_gamma_box_core": mean(gamma_core)},
            "modes": modes, "q_end": float(abs(q[-1])), "one_over_beta": 1.0 / beta,
            "anisotropy_end": float(anisotropy[-1]),
            "history": {"t": t_q[::10].tolist(), "q": np.abs(q[::10]).tolist()}}


def figure(results, controls):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2))
    ax, bx = fig.subplots(1, 2)
    low, high = np.inf, 0.0
    for n, r in enumerate(results):
        mode = r["modes"][0]
        run = f"beta_e = {r['beta_e']:g} ({r['box_along_b0_rho_e']:.0f} x {r['box_across_rho_e']:.0f} rho_e)"
        t, w = np.array(mode["history"]["t"]), np.array(mode["history"]["energy"])
        line, = ax.semilogy(t, w, lw=1, label=f"{run}: m = 1 (k rho_e = {mode['k_rho_e']:.2f})")
        low, high = min(low, w.min()), max(high, w.max())
        th = r["theory"]
        grid = np.linspace(r["onset"], r["t_end"], 200)
        for key, style in (("gamma_box_q", "--"), ("gamma_box_core", ":")):
            gamma = np.interp(grid, th["t"], th[key])
            growth = np.exp(2.0 * np.concatenate([[0.0], np.cumsum(0.5 * (gamma[1:] + gamma[:-1]) * np.diff(grid))]))
            label = ("theory of the state, skew from q" if key.endswith("q") else "theory, skew from the core fit")
            ax.semilogy(grid, mode["energy_at_onset"] * growth, style, color=line.get_color(), lw=1,
                        label=label if n == 0 else None)
        for oblique in (m for m in r["modes"] if m["m_perp"] > 0):
            w = np.array(oblique["history"]["energy"])
            ax.semilogy(oblique["history"]["t"], w, "-.", color=line.get_color(), lw=0.8,
                        label=f"{run}: oblique ({oblique['m']}, {oblique['m_perp']}), "
                        f"{oblique['angle_deg']:.0f} deg")
            low, high = min(low, w.min()), max(high, w.max())
        bx.plot(r["history"]["t"], r["history"]["q"], lw=1, label=run)
        bx.axhline(r["one_over_beta"], color="0.6", lw=0.8)
    ax.set_ylim(low / 3.0, high * 30.0)
    for c in controls:
        t, q = heat_flux_history(c, "electrons")
        bx.plot(t[::10], np.abs(q[::10]), "k--", lw=1,
                label=f"control, beta_e = {read_parameters(c)['beta_e']:g} (whistler-stable)")
    ax.set_xlabel(r"$t\,\omega_{pe}$")
    ax.set_ylabel(r"$\delta B^2 / B_0^2$ of the mode")
    ax.legend(fontsize=7)
    bx.set_xlabel(r"$t\,\omega_{pe}$")
    bx.set_ylabel(r"$q / (n T v_{th})$ (grey: $1/\beta_e$)")
    bx.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", action="append", type=Path, required=True, help="output directory of a long-box run")
    ap.add_argument("--theory", action="append", type=Path, required=True,
                    help="its saved `hpcsim-post tf-whistler-theory` output (one per --run, same order)")
    ap.add_argument("--control", action="append", type=Path, default=[], help="whistler-stable run at the same noise")
    ap.add_argument("--until", type=float, help="end of the fit window (default: the run's end)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--figure", type=Path)
    args = ap.parse_args()
    if len(args.run) != len(args.theory):
        ap.error("give one --theory per --run")
    results = [analyse(run, theory, args.until) for run, theory in zip(args.run, args.theory)]
    for r in results:
        th = r["theory"]
        print(f"{r['outdir']}: beta_e = {r['beta_e']:g}, box {r['box_along_b0_rho_e']:.1f} x "
              f"{r['box_across_rho_e']:.1f} rho_e (along x across B_0), "
              f"to t = {r['t_end']:.0f}; fits and shares over t = {r['onset']:.0f}-{r['fit_until']:.0f} (the theory's "
              f"growth in the box is above nu_num = {NU_NUM:g} from t = {r['onset']:.0f})")
        print(f"  theory, mean gamma in the box: {th['mean_gamma_box_q']:.3g} (skew from q), "
              f"{th['mean_gamma_box_core']:.3g} (core fit) omega_pe")
        for m in r["modes"]:
            print(f"  m = ({m['m']}, {m['m_perp']}) (k rho_e = {m['k_rho_e']:.3f}, {m['angle_deg']:.0f} deg to B_0): "
                  f"gamma = {m['gamma']:.3g} +- {m['gamma_error']:.2g} "
                  f"omega_pe, dB^2/B0^2 {m['energy_at_onset']:.2e} -> {m['energy_end']:.2e}, right-hand share "
                  f"{m['right_hand_share']:.3f}, along q {m['share_along_heat_flux']:.3f}")
        print(f"  q^ at the end {r['q_end']:.3f} (1/beta_e = {r['one_over_beta']:.3f}), T_perp/T_par "
              f"{r['anisotropy_end']:.3f}")
    controls = []
    for c in args.control:
        t, q = heat_flux_history(c, "electrons")
        controls.append({"outdir": str(c), "beta_e": read_parameters(c)["beta_e"], "t_end": float(t[-1]),
                         "q_end": float(abs(q[-1])), "history": {"t": t[::10].tolist(), "q": np.abs(q[::10]).tolist()}})
        print(f"control {c}: beta_e = {controls[-1]['beta_e']:g}, q^ at t = {t[-1]:.0f}: {abs(q[-1]):.3f}")
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "controls": controls}, indent=1))
        print(args.json)
    if args.figure:
        save_figure(figure(results, args.control), args.figure)


if __name__ == "__main__":
    main()
