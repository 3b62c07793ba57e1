#!/usr/bin/env python
"""Heat-flux saturation against beta_e at theta_e = 0.1 (issue 17): read the runs of
decks/tf/heat_flux_hot.toml at several beta_e and a whistler-stable control, print the table, fit the exponent
of q_sat(beta_e), write the JSON and the figure.

    NUMBA_NUM_THREADS=1 python -m hpcsim run decks/tf/heat_flux_hot.toml -o RUNS/b4 --set output.fields_every=50 ...
    ...   (one run per beta_e; the commands of each are on docs/tf_results.md, section 2d)
    python benchmarks/tf_beta_scan.py --run RUNS/b4 --run RUNS/b8 --control RUNS/b05 \\
        --json benchmarks/results/tf_beta_scan.json --figure docs/figures/tf_beta_scan.png

Per run (code units, t in 1/omega_pe; beta_e, Omega_ce, rho_e and B_0 from its diags/parameters.h5):
- q^ = |q| / (n T v_th) (postprocess.tf.heat_flux_history); q_peak and its time; q_sat = the mean of q^ over
  the last third of the run, with the standard error of the means of its four quarters (the record is
  correlated over hundreds of 1/omega_pe, so the quarters, not the samples, are the independent estimates).
- The whistler band |k| rho_e in [0.2, 2] (postprocess.whistler.band_energy): dB^2/B_0^2 at the noise
  (median over 50 <= t <= NOISE_UNTIL) and at its maximum; t_rise, the first dump after which the band stays
  above RISE x noise (smoothed over 9 dumps), or none.
- The growth rate of the strongest mode of the spectrum (postprocess.theory.fit_growth_rate of its energy
  history, amplitude rate, tolerance GROWTH_TOLERANCE: the mode's log-slope wanders by more than the default
  10 %), and the electron state at t_rise: T_perp / T_par, beta_par, beta_par - beta_perp.
- Above the whistler threshold, before anything grows: the window from q^ = 1/beta_e to t_rise (or the end),
  its band energy at the end over the noise (medians of the last and first tenth), the amplitude growth rate
  that ratio bounds, 0.5 ln(ratio) / duration, and its right-hand and along-q shares.
- The (k, omega) spectrum of the dumps from t_rise to the end (the last half without a rise): right-hand
  share, share travelling with the heat flux, strongest modes (angle, omega / Omega_ce, cold whistler, B_z
  share).
A run counts as whistler-regulated when the waves after its rise are the heat-flux whistler's: right-hand
(share > WHISTLER_SHARE) and travelling with the heat flux (share > WHISTLER_SHARE); only those runs enter the
exponent, so an anisotropy instability (firehose: left-hand; O-mode: both hands alike, no direction) that bends
q over is not taken for whistler regulation.
The exponent: least squares of log q_sat on log beta_e over the whistler-regulated runs, with its standard
error from the residuals (and, with two runs, from the q_sat errors alone).
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
from postprocess.theory import fit_growth_rate  # noqa: E402
from postprocess.tf import heat_flux_history, read_parameters  # noqa: E402
from postprocess.whistler import (band_energy, fraction_along, mode_energy, oblique_spectrum,  # noqa: E402
                                  read_b_dumps, right_hand_fraction, strongest_modes)

BAND = (0.2, 2.0)          # |k| rho_e
NOISE_UNTIL = 300.0        # the band energy before this time is the noise level
RISE = 3.0                 # the band counts as risen above RISE x noise
SMOOTH = 9                 # dumps in the running median of the rise test
GROWTH_TOLERANCE = 0.3     # of the growth-rate window (postprocess.theory.fit_growth_rate)
WHISTLER_SHARE = 0.6       # right-hand and along-q shares above which the waves after the rise are whistlers


def q_saturated(t, q):
    """(mean, standard error) of q over the last third of the run from its four quarters."""
    tail = q[t >= t[-1] * 2.0 / 3.0]
    means = np.array([part.mean() for part in np.array_split(tail, 4)])
    return float(tail.mean()), float(means.std(ddof=1) / 2.0)


def rise_time(t, energy, noise):
    """First dump time after which the running median of the band energy stays above RISE x noise."""
    smooth = np.array([np.median(energy[max(i - SMOOTH // 2, 0):i + SMOOTH // 2 + 1]) for i in range(t.size)])
    above = smooth > RISE * noise
    if not above[-1]:
        return None
    last_below = np.flatnonzero(~above)
    return float(t[last_below[-1] + 1]) if last_below.size else float(t[0])


def quiet_window(t, q, beta, tb, t_rise):
    """(t0, t1): from q^ first above 1/beta_e to t_rise (or the last dump); None if q^ never passes 1/beta_e or
    the window holds fewer than 20 dumps."""
    crossed = np.flatnonzero(q >= 1.0 / beta)
    if crossed.size == 0:
        return None
    t0, t1 = float(t[crossed[0]]), (t_rise if t_rise is not None else float(tb[-1]))
    return (t0, t1) if np.count_nonzero((tb >= t0) & (tb <= t1)) >= 20 else None


def analyse(outdir, species):
    parameters = read_parameters(outdir)
    beta, omega_ce, rho_e, b0 = (parameters[k] for k in ("beta_e", "omega_ce", "gyroradius_e", "b0"))
    t, q = heat_flux_history(outdir, species)
    q = np.abs(q)
    band = (BAND[0] / rho_e, BAND[1] / rho_e)
    dumps = read_b_dumps(outdir)
    tb, energy = band_energy(dumps, band)
    energy = energy / b0 ** 2
    noise = float(np.median(energy[(tb >= 50.0) & (tb <= NOISE_UNTIL)]))
    t_rise = rise_time(tb, energy, noise)
    window = (t_rise, float(tb[-1])) if t_rise is not None and tb[-1] - t_rise > 200.0 else (0.5 * tb[-1], tb[-1])
    kx, ky, omega, power = oblique_spectrum(dumps, window)
    scalars = read_scalars(outdir)
    inside = (scalars["time"] >= window[0]) & (scalars["time"] <= window[1])
    sign = float(np.sign(np.mean(scalars[f"heat_flux_{species}"][inside])))
    q_sat, q_err = q_saturated(t, q)
    temperature = (scalars[f"T_par_{species}"] + 2.0 * scalars[f"T_perp_{species}"]) / 3.0
    modes = strongest_modes(kx, ky, omega, power, omega_ce, 4, band)
    tm, mode = mode_energy(dumps, modes[0]["kx"], modes[0]["ky"])
    try:
        growth, growth_window, growth_r2 = fit_growth_rate(tm[1:], mode[1:], energy=True, tolerance=GROWTH_TOLERANCE)
    except ValueError:
        growth, growth_window, growth_r2 = None, None, None
    state = {}
    if t_rise is not None:
        i = int(np.searchsorted(scalars["time"], t_rise))
        t_par, t_perp = scalars[f"T_par_{species}"][i], scalars[f"T_perp_{species}"][i]
        beta_par = scalars[f"beta_par_{species}"][i]
        state = {"anisotropy": float(t_perp / t_par), "beta_par": float(beta_par),
                 "beta_par_minus_perp": float(beta_par * (1.0 - t_perp / t_par)),
                 "q_at_rise": float(np.interp(t_rise, t, q))}
    peak = int(np.argmax(q))
    above = quiet_window(t, q, beta, tb, t_rise)
    if above is not None:
        span = (tb >= above[0]) & (tb <= above[1])
        tenth = max(span.sum() // 10, 3)
        ratio = float(np.median(energy[span][-tenth:]) / np.median(energy[span][:tenth]))
        kxa, kya, wa, pa = oblique_spectrum(dumps, above)
        above = {"window": list(above), "band_ratio": ratio,
                 "growth_bound": 0.5 * math.log(max(ratio, 1.0)) / (above[1] - above[0]),
                 "right_hand_share": right_hand_fraction(dumps, above, band),
                 "share_along_heat_flux": fraction_along(kxa, kya, wa, pa, sign, band)}
    for m in modes:
        m["k_rho_e"] = m["k"] * rho_e
        m["omega_over_omega_ce"] = m["omega"] / omega_ce
        m["cold_over_omega_ce"] = m["omega_cold"] / omega_ce
    return {"outdir": str(outdir), "beta_e": beta, "omega_ce": omega_ce, "rho_e": rho_e, "t_end": float(t[-1]),
            "q_sat": q_sat, "q_sat_error": q_err, "q_peak": float(q[peak]), "t_peak": float(t[peak]),
            "q_end": float(q[-1]), "one_over_beta": 1.0 / beta,
            "band_noise": noise, "band_max": float(energy.max()), "t_band_max": float(tb[np.argmax(energy)]),
            "band_end": float(energy[-1]), "t_rise": t_rise, "window": list(window), "mode_growth": growth,
            "mode_growth_window": growth_window, "mode_growth_r2": growth_r2, "state_at_rise": state,
            "above_threshold": above,
            "right_hand_share": right_hand_fraction(dumps, window, band),
            "share_along_heat_flux": fraction_along(kx, ky, omega, power, sign, band),
            "modes": modes, "history": {"t": t[::10].tolist(), "q": q[::10].tolist(),
                                         "temperature": temperature[::10].tolist()},
            "band_history": {"t": tb.tolist(), "energy": energy.tolist()}}


def fit_exponent(results):
    """(exponent, standard error, prefactor) of q_sat = C beta_e^p over the runs."""
    beta = np.array([r["beta_e"] for r in results])
    q = np.array([r["q_sat"] for r in results])
    err = np.array([r["q_sat_error"] for r in results]) / q
    x, y = np.log(beta), np.log(q)
    design = np.stack([np.ones_like(x), x], axis=1)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    if beta.size > 2:
        sigma2 = float(np.sum((y - design @ coef) ** 2) / (beta.size - 2))
        sigma2 = max(sigma2, float(np.mean(err ** 2)))
    else:
        sigma2 = float(np.mean(err ** 2))
    return float(coef[1]), float(math.sqrt(sigma2 * cov[1, 1])), float(math.exp(coef[0]))


def figure(runs, control, fit):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(16, 4))
    ax, bx, tx, cx = fig.subplots(1, 4)
    for r in runs + control:
        label = f"beta_e = {r['beta_e']:g}" + (" (control)" if r in control else "")
        line, = ax.plot(r["history"]["t"], r["history"]["q"], lw=1, label=label)
        ax.axhline(r["one_over_beta"], color=line.get_color(), ls=":", lw=0.8)
        bx.semilogy(r["band_history"]["t"][1:], r["band_history"]["energy"][1:], lw=0.8, color=line.get_color(),
                    label=label)
        tx.semilogy(r["history"]["t"], np.array(r["history"]["temperature"]) / r["history"]["temperature"][0],
                    lw=1, color=line.get_color(), label=label)
    ax.set_ylim(0.0, 1.3 * max(max(r["history"]["q"]) for r in runs + control))
    ax.set_xlabel(r"$t\,\omega_{pe}$")
    ax.set_ylabel(r"$|q| / (n T v_{th})$ (dotted: $1/\beta_e$)")
    ax.legend(fontsize=7)
    bx.set_xlabel(r"$t\,\omega_{pe}$")
    bx.set_ylabel(r"$\delta B^2/B_0^2$, $|k|\rho_e$ in 0.2-2")
    tx.set_xlabel(r"$t\,\omega_{pe}$")
    tx.set_ylabel(r"$T / T(0)$, $T = (T_\parallel + 2 T_\perp)/3$")
    beta = np.array([r["beta_e"] for r in runs])
    cx.errorbar(beta, [r["q_sat"] for r in runs], yerr=[r["q_sat_error"] for r in runs], fmt="o",
                label="q^ mean of the last third")
    cx.plot(beta, [r["q_peak"] for r in runs], "^", mfc="none", label="q^ peak")
    for r in control:
        cx.plot(r["beta_e"], r["q_sat"], "s", color="0.4", label="control (whistler-stable)")
    grid = np.geomspace(min([beta.min(), *(r["beta_e"] for r in control)]) / 1.3, beta.max() * 1.3, 20)
    if fit is not None:
        p, dp, c = fit
        cx.loglog(grid, c * grid ** p, "-", color="C3", lw=1, label=f"fit: beta^({p:.2f} +- {dp:.2f})")
    cx.loglog(grid, 1.0 / grid, "k:", lw=1, label="1/beta_e")
    cx.set_xlabel(r"$\beta_e$")
    cx.set_ylabel(r"$q_{sat} / (n T v_{th})$")
    cx.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", action="append", type=Path, default=[], help="output of a whistler-unstable run")
    ap.add_argument("--control", action="append", type=Path, default=[], help="output of a whistler-stable run")
    ap.add_argument("--species", default="electrons")
    ap.add_argument("--json", type=Path, help="write the numbers (histories thinned) here")
    ap.add_argument("--figure", type=Path, help="write the PNG figure here")
    args = ap.parse_args(argv)
    runs = sorted((analyse(o, args.species) for o in args.run), key=lambda r: r["beta_e"])
    control = [analyse(o, args.species) for o in args.control]
    print("beta_e  t_end   q_sat (last third)   q_peak @ t     1/beta  band dB^2/B0^2: noise  max @ t  "
          "t_rise  RH share  along q")
    for r in runs + control:
        rise = f"{r['t_rise']:.0f}" if r["t_rise"] is not None else "none"
        print(f"{r['beta_e']:6g}  {r['t_end']:5.0f}  {r['q_sat']:.4f} +- {r['q_sat_error']:.4f}  "
              f"{r['q_peak']:.4f} @ {r['t_peak']:5.0f}  {r['one_over_beta']:.3f}  {r['band_noise']:.2e}  "
              f"{r['band_max']:.2e} @ {r['t_band_max']:5.0f}  {rise:>6}  {r['right_hand_share']:.3f}  "
              f"{r['share_along_heat_flux']:.3f}" + ("   (control)" if r in control else ""))
        if r["state_at_rise"]:
            st = r["state_at_rise"]
            print(f"        at t_rise: q^ = {st['q_at_rise']:.3f}, T_perp/T_par = {st['anisotropy']:.3f}, beta_par = "
                  f"{st['beta_par']:.2f}, beta_par - beta_perp = {st['beta_par_minus_perp']:.2f}")
        if r["above_threshold"]:
            a = r["above_threshold"]
            print(f"        q^ > 1/beta_e before the rise, t = {a['window'][0]:.0f}-{a['window'][1]:.0f}: band x "
                  f"{a['band_ratio']:.2f} (growth rate <= {a['growth_bound']:.2g} omega_pe = "
                  f"{a['growth_bound'] / r['omega_ce']:.2g} Omega_ce), RH share {a['right_hand_share']:.3f}, "
                  f"along q {a['share_along_heat_flux']:.3f}")
        if r["mode_growth"] is not None:
            g0, g1 = r["mode_growth_window"]
            print(f"        strongest mode's growth rate {r['mode_growth']:.3g} omega_pe = "
                  f"{r['mode_growth'] / r['omega_ce']:.3g} Omega_ce (t = {g0:.0f}-{g1:.0f}, "
                  f"r^2 = {r['mode_growth_r2']:.3f})")
        for m in r["modes"]:
            print(f"        mode k rho_e = {m['k_rho_e']:.3f}, theta = {m['theta']:7.1f} deg, omega/Omega_ce = "
                  f"{m['omega_over_omega_ce']:.3f} (cold whistler {m['cold_over_omega_ce']:.3f}), share "
                  f"{m['share']:.3f}, B_z share {m['bz_share']:.2f}")
    regulated = [r for r in runs if r["t_rise"] is not None and r["right_hand_share"] > WHISTLER_SHARE
                 and r["share_along_heat_flux"] > WHISTLER_SHARE]
    for r in runs:
        r["whistler_regulated"] = r in regulated
    fit = fit_exponent(regulated) if len(regulated) >= 2 else None
    names = ", ".join(f"beta_e = {r['beta_e']:g}" for r in regulated)
    print(f"whistler-regulated runs: {names or 'none'}")
    if fit is None:
        print("exponent: not measurable (fewer than two whistler-regulated runs)")
    if fit is not None:
        print(f"q_sat = {fit[2]:.3f} beta_e^({fit[0]:.3f} +- {fit[1]:.3f})   (expected exponent -1)")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "control": control, "exponent": fit and fit[0],
                                         "exponent_error": fit and fit[1], "prefactor": fit and fit[2]},
                                        indent=1) + "\n")
    if args.figure:
        save_figure(figure(runs, control, fit), args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
