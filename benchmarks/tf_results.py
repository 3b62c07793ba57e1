#!/usr/bin/env python
"""TF-PIC research cases of spec 3.9-3.11 (and the collisionless forcing-only check): run the decks of
decks/tf/ at the sizes of docs/tf_results.md, or read existing outputs, print the table of numbers and write
the figures.

    python benchmarks/tf_results.py --run --outdir /tmp/tfruns          # run everything (about 30 min, 1 core)
    python benchmarks/tf_results.py --outdir /tmp/tfruns --figures docs/figures   # numbers + figures only
    python benchmarks/tf_results.py --run --only hf_beta16 --outdir ...  # one run (names: see RUNS)

Results and their discussion: docs/tf_results.md.

Each run is `nice -n 10 python -m hpcsim run DECK -o OUTDIR/NAME [--set ...]` on one rank with
NUMBA_NUM_THREADS=1, one at a time; an existing finished output (log line "finished step") is reused unless
--force. Its wall time is kept in OUTDIR/NAME/wall_seconds.txt.

Analysis (code units: t in 1/omega_pe, temperatures in m_e c^2):
- heat flux (spec 3.9): q^ = q / (n T v_th) with the current T = (T_par + 2 T_perp)/3
  (postprocess.tf.heat_flux_history); the magnetic fluctuation energy dB^2/B0^2 = 2 sum_m W_m / (B0^2 L)
  from spectrum_B; a run counts as saturated when |q^| peaks before 85 % of the run and ends below 90 % of
  that peak, and then q_sat is the mean |q^| after the peak. The exponent is a least-squares fit of
  log q_sat against log beta_e over the saturated runs (reported as not measurable with fewer than two).
- anisotropy (spec 3.10, 3.11): the path (beta_par, T_perp/T_par) of the electrons against the parallel
  electron firehose threshold of the project's dispersion relation (postprocess.parallel_modes.dispersion)
  at maximum growth 0.1 Omega_cp for the run's mass ratio, omega_pe/Omega_ce and T_p/T_e.
  `threshold_anisotropy(..., "firehose")` is tried first; where it raises or returns a root with zero
  growth (its branch search starts at k = 0.01 and can lock onto a non-growing root, see the results page),
  the threshold is found by a scan over k with a grid of initial guesses at every k (`firehose_growth`).
- spectra / polarisation (spec 3.11): with field dumps, the space-time Fourier transform of B_y + i B_z over
  a window: the sign of its frequency is the sense of rotation (+: with the electrons, right-hand = whistler;
  -: with the ions, left-hand = firehose), and |omega| / Omega_ce, k d_e name the branch.
- forcing only (spec 2 without collisions): P(t) against expm(-G t) P0 expm(-G t)^T (the ODE of
  postprocess.tf.pressure_moment_solution with nu = 0) and the heat flux against the collisionless
  linear response q = -(5/2) n T^2 |g| t / m.
"""
import argparse
import math
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import h5py  # noqa: E402
from scipy.linalg import expm  # noqa: E402
from scipy.optimize import brentq  # noqa: E402

from postprocess.parallel_modes import BiMaxwellianPlasma, dispersion, root, threshold_anisotropy  # noqa: E402
from postprocess.readers import list_iterations, read_mesh, read_scalars  # noqa: E402
from postprocess.tf import (heat_flux_history, pressure_moment_solution, pressure_tensor,  # noqa: E402
                            read_parameters)

DECKS = ROOT / "decks" / "tf"
BETAS = (8.0, 16.0, 32.0)
RUNS = {"forcing_only": ("forcing_only.toml", [])}
RUNS.update({f"hf_beta{b:g}": ("heat_flux_saturation.toml", [f"pic.beta_e={b}"]) for b in BETAS})
# beta_e = 32 continued towards the runaway time with B dumps (polarisation of the late mode)
RUNS["hf_beta32_long"] = ("heat_flux_saturation.toml", ["pic.beta_e=32.0", "run.t_end=5200.0", "output.fields_every=40"])
RUNS.update({"firehose": ("velocity_gradient_firehose.toml", []), "both": ("both_gradients.toml", []),
             # control for 3.11: the plasma of both_gradients with the compression switched off (S = -1e-12)
             "gradient_only": ("both_gradients.toml", ["species.0.strain_rate_wce=-1e-12"])})
FIREHOSE_GROWTH = 0.1          # threshold: maximum growth rate = 0.1 Omega_cp (postprocess.tf.threshold_curves)


# ------------------------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------------------------

def finished(out):
    log = out / "log.txt"
    return log.is_file() and "finished step" in log.read_text()


def run(name, outdir, force=False):
    deck, sets = RUNS[name]
    out = outdir / name
    if finished(out) and not force:
        print(f"{name}: reusing {out}")
        return
    cmd = ["nice", "-n", "10", sys.executable, "-m", "hpcsim", "run", str(DECKS / deck), "-o", str(out)]
    for s in sets:
        cmd += ["--set", s]
    print(" ".join(cmd), flush=True)
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    (out / "wall_seconds.txt").write_text(f"{wall:.1f}\n")
    (out / "stdout.txt").write_text(proc.stdout + proc.stderr)
    print(f"{name}: exit {proc.returncode} after {wall:.0f} s", flush=True)
    if proc.returncode != 0:
        print((proc.stdout + proc.stderr)[-600:], flush=True)


def wall_seconds(out):
    f = out / "wall_seconds.txt"
    return float(f.read_text()) if f.is_file() else math.nan


# ------------------------------------------------------------------------------------------------------------
# analysis helpers
# ------------------------------------------------------------------------------------------------------------

def spectrum(out, name="spectrum_B"):
    """(t, k, W[t, k]) of a mode spectrum in OUTDIR/diags/scalars.h5."""
    with h5py.File(out / "diags" / "scalars.h5", "r", locking=False) as f:
        return f["time"][...], f[name].attrs["k"][...], f[name][...]


def field_fluctuation(out, parameters):
    """(t, dB^2 / B0^2): the energy of B_y, B_z summed over all modes, per unit length, over B0^2 / 2."""
    t, _, w = spectrum(out)
    b0 = math.sqrt(sum(parameters[f"B0_{c}"] ** 2 for c in "xyz"))
    return t, 2.0 * w.sum(axis=1) / (b0 ** 2 * read_deck_length(out))


def read_deck_length(out):
    import tomllib
    deck = tomllib.loads((out / "deck.toml").read_text())
    return deck["mesh"]["length"][0]


def firehose_growth(plasma, ks=None):
    """(k, omega_r, gamma) of the fastest left-hand (firehose) root of parallel_modes.dispersion: at every k a
    grid of initial guesses Omega_p (x + i y), genuine roots only (|D| < 1e-8 (|omega|^2 + k^2))."""
    ks = np.linspace(0.02, 0.8, 40) if ks is None else ks
    wp = plasma.b0 / plasma.mass_ratio
    best = (math.nan, math.nan, -math.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in ks:
            for x in (0.0, 0.5, 1.0, 2.0):
                for y in (0.1, 0.5, 1.0, 3.0):
                    try:
                        w = root(k, plasma, wp * complex(x, y), -1)
                    except (RuntimeError, OverflowError, ZeroDivisionError, ValueError):
                        continue
                    if not np.isfinite(w) or w.real < -1e-12 or abs(w) > 50 * wp:
                        continue
                    if abs(dispersion(w, k, plasma, -1)) > 1e-8 * (abs(w) ** 2 + k * k):
                        continue
                    if w.imag > best[2]:
                        best = (k, w.real, w.imag)
    return best


def firehose_threshold(beta_par, wpe_over_wce, mass_ratio, temperature_ratio, growth=FIREHOSE_GROWTH):
    """(A_threshold, how): electron T_perp/T_par at which the fastest parallel firehose grows at growth Omega_cp.
    Tries postprocess.parallel_modes.threshold_anisotropy first (how = 'threshold_anisotropy'), checks its
    answer with the k scan, and falls back to Brent on the k scan (how = 'k-scan')."""
    kw = dict(mass_ratio=mass_ratio, temperature_ratio=temperature_ratio)
    unit = 1.0 / wpe_over_wce / mass_ratio
    lib = math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            lib = threshold_anisotropy(beta_par, growth, "firehose", wpe_over_wce, **kw)
        except (ValueError, RuntimeError):
            pass

    def excess(a):
        return firehose_growth(BiMaxwellianPlasma(beta_par, wpe_over_wce, a, **kw))[2] / unit - growth

    if np.isfinite(lib) and abs(excess(lib)) < 0.02:
        return lib, "threshold_anisotropy"
    lo, hi = 0.05, 0.98
    if excess(lo) < 0 or excess(hi) > 0:
        return math.nan, "not bracketed"
    return brentq(excess, lo, hi, xtol=2e-3), "k-scan"


def plasma_of(out):
    """(wpe_over_wce, mass_ratio, temperature_ratio, B0) of a run from parameters.h5."""
    p = read_parameters(out)
    return p["wpe_over_wce"], p["mass_ratio"], p["temperature_ratio"], p["b0"], p


def window_omega_k(out, t0, t1, mmax=16, omega_ce=None):
    """Space-time FFT of b = B_y + i B_z over the dumps with t0 <= t <= t1: (k, omega, |F|^2) and the peak
    (k_peak, omega_peak) over 1 <= |m| <= mmax. omega > 0: rotation with the electrons (right-hand)."""
    its = list_iterations(out)
    frames, times = [], []
    for it in its:
        by, meta = read_mesh(out, "B", it, "y")
        t = meta["time"] / meta["timeUnitSI"]
        if not (t0 <= t <= t1):
            continue
        bz, _ = read_mesh(out, "B", it, "z")
        frames.append(by + 1j * bz)
        times.append(t)
        dx = meta["spacing"][0] / meta["gridUnitSI"]
    if len(frames) < 8:
        return None
    b = np.array(frames)
    b = b - b.mean(axis=0)
    n_t, n_x = b.shape
    win = np.hanning(n_t)[:, None]
    F = np.fft.fft2(b * win)
    omega = np.fft.fftfreq(n_t, d=times[1] - times[0]) * 2 * math.pi
    k = np.fft.fftfreq(n_x, d=dx) * 2 * math.pi
    power = np.abs(F) ** 2
    m = np.fft.fftfreq(n_x, d=1.0 / n_x)
    mask = (np.abs(m) >= 1) & (np.abs(m) <= mmax)
    sub = np.where(mask[None, :], power, 0.0)
    i, j = np.unravel_index(np.argmax(sub), sub.shape)
    right = power[omega > 0][:, mask].sum()
    left = power[omega < 0][:, mask].sum()
    band = power[omega >= 0.05 * omega_ce][:, mask].sum() / (right + left) if omega_ce else math.nan
    centroid = float(np.sum(np.abs(omega)[:, None] * np.where(mask[None, :], power, 0.0)) / (right + left))
    return dict(k=k, omega=omega, power=power, k_peak=abs(k[j]), omega_peak=omega[i], right_fraction=right / (right + left),
                whistler_band=band, mean_abs_omega=centroid, d_omega=omega[1] - omega[0],
                times=(times[0], times[-1]), frames=n_t)



# ------------------------------------------------------------------------------------------------------------
# the cases
# ------------------------------------------------------------------------------------------------------------

def mode_growth(out, frac=0.05):
    """(k, m, ratio): the mode of spectrum_B whose energy grew most from the thermal-noise level (rows in 10-20 %
    of the run, after the quiet mirrored loading has filled in its noise) to the last `frac` of rows."""
    t, k, w = spectrum(out)
    n = max(1, int(frac * len(t)))
    base = w[len(t) // 10: max(len(t) // 5, len(t) // 10 + 1), 1:].mean(axis=0)
    ratio = w[-n:, 1:].mean(axis=0) / np.maximum(base, 1e-300)
    m = int(np.argmax(ratio)) + 1
    return k[m], m, float(ratio[m - 1])


def heat_flux_case(out):
    p = read_parameters(out)
    s = read_scalars(out)
    t, q = heat_flux_history(out, "electrons")
    log = (out / "log.txt").read_text() if (out / "log.txt").is_file() else ""
    if "finished step" not in log and len(t) > 2:
        # stopped by the runaway error: the last row already holds the runaway particle(s); drop it
        t, q = t[:-1], q[:-1]
        s = {k: v[:-1] for k, v in s.items()}
    a = np.abs(q)
    beta = p["beta_e"]
    g = math.sqrt(sum(p[f"forcing_g{c}_electrons"] ** 2 for c in "xyz"))
    T0 = (s["T_par_electrons"][0] + 2 * s["T_perp_electrons"][0]) / 3
    vth = math.sqrt(T0)
    early = t <= 0.25 * t[-1]
    slope = np.polyfit(t[early], a[early], 1)[0]
    linear = 2.5 * vth * g                       # d q^/dt of the collisionless linear response
    n_smooth = max(1, len(a) // 50)
    smooth = np.convolve(a, np.ones(n_smooth) / n_smooth, mode="same")
    ipk = int(np.argmax(smooth[n_smooth:-n_smooth or None])) + n_smooth
    saturated = t[ipk] < 0.85 * t[-1] and smooth[-n_smooth - 1] < 0.9 * smooth[ipk]
    tt, db2 = field_fluctuation(out, p)
    tt, db2 = tt[:len(t)], db2[:len(t)]
    k_g, m_g, ratio = mode_growth(out)
    cross = t[np.argmax(a >= 1.0 / beta)] if np.any(a >= 1.0 / beta) else math.nan
    t_star = 2.0 / (g * 4.5 * vth)
    return dict(name=out.name, beta=beta, t=t, q=a, db2=db2, t_db2=tt, slope_ratio=slope / linear,
                q_max=float(a.max()), t_end=float(t[-1]), saturated=bool(saturated),
                q_sat=float(a[ipk:].mean()) if saturated else math.nan, t_peak=float(t[ipk]),
                db2_start=float(db2[: max(1, len(db2) // 20)].mean()), db2_end=float(db2[-max(1, len(db2) // 20):].mean()),
                k_grow=k_g, m_grow=m_g, grow_ratio=ratio, t_cross=cross, t_star=t_star,
                rho_e=vth * p["wpe_over_wce"], A_end=float(s["anisotropy_electrons"][-1]),
                beta_par_end=float(s["beta_par_electrons"][-1]), finished="finished step" in log,
                wall=wall_seconds(out), steps=int(s["step"][-1]), gradient_length=1.0 / g)


def anisotropy_case(out, threshold_points=6):
    wr, mu, tr, b0, p = plasma_of(out)
    s = read_scalars(out)
    t, beta_par, A = s["time"], s["beta_par_electrons"], s["anisotropy_electrons"]
    n3 = len(t) // 3
    held_A, held_beta = float(A[-n3:].mean()), float(beta_par[-n3:].mean())
    betas = np.geomspace(max(beta_par.min(), 1.0) * 0.95, beta_par.max() * 1.05, threshold_points)
    thr, how = zip(*(firehose_threshold(b, wr, mu, tr) for b in betas))
    thr_held, how_held = firehose_threshold(held_beta, wr, mu, tr)
    thr_at = np.interp(beta_par, betas, thr)
    crossed = np.nonzero(A <= thr_at)[0]
    t_cross = float(t[crossed[0]]) if len(crossed) else math.nan
    tt, db2 = field_fluctuation(out, p)
    n = max(1, len(db2) // 20)
    onset = tt[np.argmax(db2 > 10 * db2[:n].mean())] if np.any(db2 > 10 * db2[:n].mean()) else math.nan
    ipk = int(np.argmax(db2))
    k_g, m_g, ratio = mode_growth(out)
    wk = None
    if np.isfinite(onset):
        wk = window_omega_k(out, onset, t[-1], omega_ce=b0)
    out_ = dict(name=out.name, t=t, beta_par=beta_par, A=A, betas=betas, thresholds=np.array(thr), how=how,
                held_A=held_A, held_beta=held_beta, thr_held=thr_held, how_held=how_held, t_cross=t_cross,
                t_db2=tt, db2=db2, onset=float(onset), t_db2_peak=float(tt[ipk]), db2_peak=float(db2[ipk]),
                k_grow=k_g, m_grow=m_g, grow_ratio=ratio, wk=wk, omega_ce=b0, omega_cp=b0 / mu, mu=mu,
                rho_e=math.sqrt(s["T_perp_electrons"][0]) * wr, wall=wall_seconds(out), steps=int(s["step"][-1]),
                A_min=float(A.min()), t_A_min=float(t[np.argmin(A)]))
    imin = int(np.argmin(A))
    k_th, w_th, g_th = firehose_growth(BiMaxwellianPlasma(float(beta_par[imin]), wr, float(A[imin]), mass_ratio=mu,
                                                          temperature_ratio=tr))
    out_.update(theory_k=k_th, theory_omega=w_th, theory_gamma=g_th)
    if "heat_flux_electrons" in s and any(k.startswith("forcing_g") for k in p):
        tq, q = heat_flux_history(out, "electrons")
        out_.update(tq=tq, q=np.abs(q), q_max=float(np.abs(q).max()), t_q_max=float(tq[np.argmax(np.abs(q))]),
                    q_end=float(np.abs(q)[-n3:].mean()), beta_e=p["beta_e"])
    return out_


def forcing_only_case(out):
    p, s = read_parameters(out), read_scalars(out)
    t = s["time"]
    G = np.array([[p[f"forcing_G{i}{j}_strained"] for j in range(3)] for i in range(3)])
    P = pressure_tensor(s, "strained")
    theory = pressure_moment_solution(G, 0.0, P[0], t)
    M = expm(-G * t[-1])
    closed = M @ P[0] @ M.T
    p_scale = np.trace(theory, axis1=1, axis2=2)[:, None, None] / 3.0
    dev = np.max(np.abs(P - theory) / p_scale, axis=(1, 2))
    g = p["forcing_gx_conducting"]
    n = p["density_conducting"]
    T = (s["T_par_conducting"] + 2 * s["T_perp_conducting"]) / 3
    q = s["heat_flux_conducting"]
    q_lin = -2.5 * n * T ** 2 * g * t
    ratio = np.divide(q, q_lin, out=np.full_like(q, np.nan), where=t > 0)
    return dict(t=t, P=P, theory=theory, dev=dev, ode_vs_expm=float(np.max(np.abs(theory[-1] - closed)) / p_scale[-1, 0, 0]),
                q=q, q_lin=q_lin, ratio=ratio, A_end=float(s["anisotropy_strained"][-1]),
                db2_max=float(s["energy_B"].max()), T0=float(T[0]), wall=wall_seconds(out), G=G, g=g)


# ------------------------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------------------------

def figures(folder, hf, fh, both, fo, gonly=None):
    from matplotlib.figure import Figure
    folder.mkdir(parents=True, exist_ok=True)
    dpi = 90
    if hf:
        fig = Figure(figsize=(6.5, 5.6))
        ax1, ax2 = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
        for r in hf:
            line, = ax1.plot(r["t"], r["q"], lw=1, label=f"beta_e = {r['beta']:g}")
            ax1.axhline(1.0 / r["beta"], color=line.get_color(), ls=":", lw=0.8)
            ax2.semilogy(r["t_db2"], r["db2"], lw=0.8, color=line.get_color())
        ax1.set_ylabel("|q| / (n T v_th)")
        ax1.legend(fontsize=8, title="dotted: 1/beta_e", title_fontsize=7)
        ax2.set_ylabel("dB^2 / B0^2 (all modes)")
        ax2.set_xlabel("t omega_pe")
        fig.suptitle("temperature-gradient forcing, 1D3V along B0 (heat_flux_saturation.toml)", fontsize=9)
        fig.tight_layout()
        fig.savefig(folder / "tf_heat_flux.png", dpi=dpi)

        fig = Figure(figsize=(4.8, 3.8))
        ax = fig.add_subplot(1, 1, 1)
        betas = np.array([r["beta"] for r in hf])
        sat = [r for r in hf if r["saturated"]]
        uns = [r for r in hf if not r["saturated"]]
        if sat:
            ax.loglog([r["beta"] for r in sat], [r["q_sat"] for r in sat], "o", label="q_sat (saturated)")
        if uns:
            ax.loglog([r["beta"] for r in uns], [r["q_max"] for r in uns], "v", mfc="none",
                      label="no saturation: max |q| reached")
        ax.loglog(betas, 1.0 / betas, "k--", lw=0.8, label="1 / beta_e")
        ax.set_xlabel("beta_e")
        ax.set_ylabel("q / (n T v_th)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(folder / "tf_qsat_beta.png", dpi=dpi)

    labelled = [(r, lab) for r, lab in ((fh, "velocity gradient"), (both, "both gradients"),
                                        (gonly, "temperature gradient only")) if r]
    runs = [r for r, _ in labelled]
    if runs:
        fig = Figure(figsize=(5.6, 4.3))
        ax = fig.add_subplot(1, 1, 1)
        for r, label in labelled:
            line, = ax.plot(r["beta_par"], r["A"], lw=0.8, label=f"{label} (path)")
            ax.plot(r["beta_par"][:1], r["A"][:1], "o", ms=3, color=line.get_color())
            ax.plot(r["betas"], r["thresholds"], "--", lw=1, color=line.get_color(),
                    label="firehose threshold (dispersion solver), gamma_max = 0.1 Omega_cp" if r is runs[0] else None)
        ax.set_xscale("log")
        ax.set_xlabel("beta_e,par")
        ax.set_ylabel("T_perp / T_par (electrons)")
        ax.legend(fontsize=7)
        fig.suptitle(f"compression along B0, m_p/m_e = {runs[0]['mu']:g}", fontsize=9)
        fig.tight_layout()
        fig.savefig(folder / "tf_anisotropy_path.png", dpi=dpi)

    panels = [(r, lab) for r, lab in ((hf[-1] if hf else None, "heat_flux beta_e=%g" % (hf[-1]["beta"] if hf else 0)),
                                      (fh, "velocity_gradient_firehose"), (both, "both_gradients")) if r]
    if panels:
        fig = Figure(figsize=(6.8, 2.6 * len(panels)))
        for n, (r, lab) in enumerate(panels):
            out = r["out"]
            t, k, w = spectrum(out)
            ax = fig.add_subplot(len(panels), 1, n + 1)
            mm = min(len(k), 40)
            im = ax.pcolormesh(t, k[1:mm], np.log10(np.maximum(w[:, 1:mm].T, 1e-12)), shading="auto", cmap="viridis")
            fig.colorbar(im, ax=ax, label="log10 W_m (B_y, B_z)")
            ax.set_ylabel("k d_e")
            ax.set_title(lab, fontsize=8)
        ax.set_xlabel("t omega_pe")
        fig.tight_layout()
        fig.savefig(folder / "tf_spectra.png", dpi=dpi)

    wks = [(r["wk"], lab, r) for r, lab in ((fh, "velocity gradient"), (both, "both gradients"),
                                            (gonly, "temperature gradient only")) if r and r.get("wk")]
    if wks:
        fig = Figure(figsize=(3.2 * len(wks), 5.6))
        for n, (wk, lab, r) in enumerate(wks):
            ax = fig.add_subplot(2, len(wks), n + 1)
            ks, om = np.fft.fftshift(wk["k"]), np.fft.fftshift(wk["omega"])
            pw = np.fft.fftshift(wk["power"])
            sel_k = (np.abs(ks) <= 0.6) & (np.abs(ks) > 0)
            sel_w = np.abs(om) <= 8 * r["omega_cp"]
            img = np.log10(pw[np.ix_(sel_w, sel_k)] + 1e-300)
            im = ax.pcolormesh(ks[sel_k], om[sel_w] / r["omega_cp"], img, shading="auto", cmap="magma",
                               vmin=np.percentile(img, 50), vmax=img.max())
            ax.axhline(0, color="c", lw=0.5)
            ax.set_xlabel("k d_e")
            ax.set_ylabel("omega / Omega_cp")
            ax.set_title(f"{lab}\nt = {wk['times'][0]:.0f}..{wk['times'][1]:.0f}", fontsize=8)
            ax2 = fig.add_subplot(2, len(wks), len(wks) + n + 1)
            m = np.fft.fftshift(np.fft.fftfreq(len(ks), d=1.0 / len(ks)))
            band = (np.abs(m) >= 1) & (np.abs(m) <= 16)
            spec = pw[:, band].sum(axis=1)
            sel = np.abs(om) <= 0.5 * r["omega_ce"]
            ax2.semilogy(om[sel] / r["omega_cp"], spec[sel], lw=0.8)
            ax2.axvline(0, color="0.6", lw=0.5)
            ax2.set_xlabel("omega / Omega_cp (<0: left-hand)")
            ax2.set_ylabel("power, 1 <= |m| <= 16")
        fig.tight_layout()
        fig.savefig(folder / "tf_omega_k.png", dpi=dpi)

    qruns = [(r, lab) for r, lab in ((both, "both gradients"), (gonly, "temperature gradient only")) if r and "q" in r]
    if qruns:
        fig = Figure(figsize=(6.5, 6.6))
        axs = [fig.add_subplot(3, 1, i + 1) for i in range(3)]
        for r, lab in qruns:
            line, = axs[0].plot(r["tq"], r["q"], lw=1, label=lab)
            axs[1].plot(r["t"], r["A"], lw=1, color=line.get_color())
            axs[1].plot(r["t"], np.interp(r["beta_par"], r["betas"], r["thresholds"]), ":", lw=1,
                        color=line.get_color())
            axs[2].semilogy(r["t_db2"], r["db2"], lw=0.8, color=line.get_color())
        if fh:
            axs[1].plot(fh["t"], fh["A"], lw=1, color="0.5", label="velocity gradient only")
            axs[2].semilogy(fh["t_db2"], fh["db2"], lw=0.8, color="0.5")
            axs[1].legend(fontsize=7)
        axs[0].plot([], [], color="0.5", label="velocity gradient only (q = 0)")
        axs[0].axhline(1.0 / qruns[0][0]["beta_e"], color="k", ls=":", lw=0.8)
        axs[0].set_ylabel("|q| / (n T v_th)")
        axs[0].legend(fontsize=7)
        axs[1].set_ylabel("T_perp/T_par (dotted: threshold)")
        axs[2].set_ylabel("dB^2 / B0^2")
        axs[2].set_xlabel("t omega_pe")
        fig.suptitle("both gradients vs temperature gradient only (same plasma, m_p/m_e = 25)", fontsize=9)
        fig.tight_layout()
        fig.savefig(folder / "tf_both_gradients.png", dpi=dpi)

    if fo:
        fig = Figure(figsize=(6.5, 5.2))
        ax1, ax2 = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
        for c, (i, j) in (("xx", (0, 0)), ("yy", (1, 1)), ("zz", (2, 2)), ("xy", (0, 1)), ("yz", (1, 2))):
            line, = ax1.plot(fo["t"], fo["P"][:, i, j] / fo["P"][0, 0, 0], lw=1, label=f"P_{c}")
            ax1.plot(fo["t"], fo["theory"][:, i, j] / fo["P"][0, 0, 0], "k:", lw=0.8)
        ax1.set_ylabel("P / p0 (dotted: M P0 M^T)")
        ax1.legend(fontsize=7, ncol=5)
        ax2.plot(fo["t"], fo["q"], lw=1, label="q (PIC)")
        ax2.plot(fo["t"], fo["q_lin"], "k:", lw=1, label="-(5/2) n T^2 g t / m")
        ax2.set_ylabel("heat flux (n0 me c^3)")
        ax2.set_xlabel("t omega_pe")
        ax2.legend(fontsize=7)
        fig.suptitle("forcing only, no collisions (forcing_only.toml)", fontsize=9)
        fig.tight_layout()
        fig.savefig(folder / "tf_forcing_only.png", dpi=dpi)


# ------------------------------------------------------------------------------------------------------------
# table
# ------------------------------------------------------------------------------------------------------------

def analyse(outdir, names, folder=None):
    hf, fh, both, fo, gonly, long_run = [], None, None, None, None, None
    for name in names:
        out = outdir / name
        if not (out / "diags" / "scalars.h5").is_file():
            print(f"{name}: no output in {out}")
            continue
        if name == "hf_beta32_long":
            long_run = out
        elif name.startswith("hf_"):
            r = heat_flux_case(out)
            r["out"] = out
            hf.append(r)
        elif name in ("firehose", "both", "gradient_only"):
            r = anisotropy_case(out)
            r["out"] = out
            if name == "firehose":
                fh = r
            elif name == "both":
                both = r
            else:
                gonly = r
        elif name == "forcing_only":
            fo = forcing_only_case(out)
    if fo:
        print("\n== forcing only (no collisions) ==")
        print(f"P against the nu = 0 ODE: max |P - P_theory| / p = {fo['dev'].max():.2%} over t = 0..{fo['t'][-1]:g} "
              f"(ODE vs expm(-Gt) P0 expm(-Gt)^T at the end: {fo['ode_vs_expm']:.1e}); T_perp/T_par -> {fo['A_end']:.2f}")
        early = (fo["t"] > 0) & (fo["t"] <= 0.5 * fo["t"][-1])
        print(f"heat flux / (-(5/2) n T^2 g t / m): {np.nanmean(fo['ratio'][early]):.3f} (t <= {0.5 * fo['t'][-1]:g}), "
              f"{fo['ratio'][-1]:.3f} at t = {fo['t'][-1]:g}; max energy_B {fo['db2_max']:.1e}; wall {fo['wall']:.0f} s")
    if hf:
        print("\n== heat flux (temperature gradient along B0, collisionless, immobile protons) ==")
        print(f"{'beta_e':>6} {'L_T':>6} {'rho_e':>5} {'dq/dt/lin':>9} {'t(q=1/b)':>8} {'t*':>6} {'t_end':>6} "
              f"{'max|q|':>7} {'sat?':>5} {'q_sat':>6} {'dB2 start':>9} {'dB2 end':>9} {'grow m(k)':>12} "
              f"{'A_end':>5} {'wall s':>6}")
        for r in hf:
            print(f"{r['beta']:6g} {r['gradient_length']:6g} {r['rho_e']:5.2f} {r['slope_ratio']:9.3f} {r['t_cross']:8.0f} "
                  f"{r['t_star']:6.0f} {r['t_end']:6.0f} {r['q_max']:7.3f} {str(r['saturated']):>5} {r['q_sat']:6.3f} "
                  f"{r['db2_start']:9.2e} {r['db2_end']:9.2e} {r['grow_ratio']:5.1f}x m{r['m_grow']}({r['k_grow']:.2f}) "
                  f"{r['A_end']:5.2f} {r['wall']:6.0f}")
        sat = [r for r in hf if r["saturated"]]
        if len(sat) >= 2:
            slope, icpt = np.polyfit(np.log([r["beta"] for r in sat]), np.log([r["q_sat"] for r in sat]), 1)
            print(f"fit q_sat = {math.exp(icpt):.3g} beta_e^{slope:.2f} over {len(sat)} saturated runs")
        else:
            print(f"exponent: not measurable ({len(sat)} saturated run(s) of {len(hf)})")
    if long_run:
        r = heat_flux_case(long_run)
        wr, mu, tr, b0, p = plasma_of(long_run)
        print(f"\n== heat flux, beta_e = 32 continued: {long_run.name} ==")
        print(f"t_end {r['t_end']:.0f} ({'finished' if r['finished'] else 'stopped by the runaway error at the next row'}), max |q^| "
              f"{r['q_max']:.3f} at t = {r['t_peak']:.0f}, saturated: {r['saturated']}; dB^2/B0^2 {r['db2_start']:.2e} -> "
              f"{r['db2_end']:.2e}; mode m = {r['m_grow']} (k d_e = {r['k_grow']:.3f}, k rho_e = "
              f"{r['k_grow'] * r['rho_e']:.2f}) x{r['grow_ratio']:.0f} over noise; T_perp/T_par {r['A_end']:.2f}, "
              f"beta_par {r['beta_par_end']:.1f}; wall {r['wall']:.0f} s")
        wk = window_omega_k(long_run, r["t_end"] - 1500.0, r["t_end"], mmax=8, omega_ce=b0)
        if wk:
            print(f"omega-k of B_y + i B_z over t = {wk['times'][0]:.0f}..{wk['times'][1]:.0f}: peak k d_e = {wk['k_peak']:.3f}, "
                  f"omega = {wk['omega_peak'] / b0:+.3f} Omega_ce (bin {wk['d_omega'] / b0:.3f}); right-hand fraction "
                  f"{wk['right_fraction']:.2f}; fraction at omega >= 0.05 Omega_ce {wk['whistler_band']:.3f}")
    for r, label in ((fh, "velocity gradient (compression along B0)"), (both, "both gradients"),
                     (gonly, "control: temperature gradient only, same plasma as both_gradients")):
        if not r:
            continue
        print(f"\n== {label}: {r['name']} ==")
        print("firehose threshold (gamma_max = 0.1 Omega_cp): " + ", ".join(
            f"beta_par {b:.2f}: {a:.3f} ({h})" for b, a, h in zip(r["betas"], r["thresholds"], r["how"])))
        print(f"path: A from {r['A'][0]:.3f} at beta_par {r['beta_par'][0]:.2f}; crosses the threshold at t = "
              f"{r['t_cross']:.0f}; minimum A {r['A_min']:.3f} at t = {r['t_A_min']:.0f}; dB^2/B0^2 rises 10x at "
              f"t = {r['onset']:.0f}, peaks {r['db2_peak']:.2e} at t = {r['t_db2_peak']:.0f}")
        print(f"held (last third): A = {r['held_A']:.3f} at beta_par = {r['held_beta']:.2f}; threshold there "
              f"{r['thr_held']:.3f} ({r['how_held']}): A / A_thr = {r['held_A'] / r['thr_held']:.3f}")
        print(f"linear theory at the most anisotropic state (beta_par {r['beta_par'][np.argmin(r['A'])]:.2f}, A {r['A_min']:.3f}): "
              f"fastest firehose k d_e = {r['theory_k']:.3f}, omega_r = {r['theory_omega'] / r['omega_cp']:.2f} Omega_cp "
              f"(left-hand), gamma = {r['theory_gamma'] / r['omega_cp']:.2f} Omega_cp = {r['theory_gamma']:.2e} omega_pe")
        print(f"fastest-growing mode m = {r['m_grow']} (k d_e = {r['k_grow']:.3f}, k rho_e = {r['k_grow'] * r['rho_e']:.2f}),"
              f" energy x{r['grow_ratio']:.0f}")
        if r.get("wk"):
            wk = r["wk"]
            print(f"omega-k of B_y + i B_z over t = {wk['times'][0]:.0f}..{wk['times'][1]:.0f} ({wk['frames']} dumps): peak at "
                  f"k d_e = {wk['k_peak']:.3f}, omega = {wk['omega_peak']:+.2e} = {wk['omega_peak'] / r['omega_cp']:+.2f} Omega_cp"
                  f" = {wk['omega_peak'] / r['omega_ce']:+.3f} Omega_ce; right-hand fraction of the power "
                  f"{wk['right_fraction']:.2f} (whistler: right-hand, |omega| ~ 0.1-0.5 Omega_ce; firehose: left-hand, "
                  f"|omega| ~ Omega_cp); frequency bin {wk['d_omega'] / r['omega_cp']:.2f} Omega_cp; power-weighted "
                  f"|omega| = {wk['mean_abs_omega'] / r['omega_cp']:.2f} Omega_cp; fraction in the right-hand whistler band "
                  f"omega >= 0.05 Omega_ce: {wk['whistler_band']:.3f}")
        if "q" in r:
            print(f"heat flux: max |q|/(nTv_th) = {r['q_max']:.3f} at t = {r['t_q_max']:.0f}, mean over the last third "
                  f"{r['q_end']:.3f} (1/beta_e = {1 / r['beta_e']:.3f})")
        print(f"wall {r['wall']:.0f} s, {r['steps']} steps")
    if folder:
        figures(folder, hf, fh, both, fo, gonly)
        for f in sorted(folder.glob("tf_*.png")):
            print(f"figure {f} ({f.stat().st_size / 1024:.0f} kB)")


# ------------------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outdir", type=Path, default=Path("/tmp/tfruns"), help="where the runs are (or go)")
    ap.add_argument("--run", action="store_true", help="run the decks first (reusing finished outputs)")
    ap.add_argument("--force", action="store_true", help="with --run: rerun finished outputs too")
    ap.add_argument("--only", nargs="*", default=None, help=f"runs to do (of {', '.join(RUNS)})")
    ap.add_argument("--figures", type=Path, default=None, help="write the PNG figures into this folder")
    args = ap.parse_args(argv)
    names = args.only or list(RUNS)
    if args.run:
        for name in names:
            run(name, args.outdir, args.force)
    if "analyse" in globals():
        analyse(args.outdir, names, args.figures)


if __name__ == "__main__":
    main()
