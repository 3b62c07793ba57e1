"""`hpcsim-post`: look at an hpcsim output directory without hpcsim installed.

  hpcsim-post info OUTDIR                      iterations, meshes, scalar diagnostics, mode spectra
  hpcsim-post plot OUTDIR --out FIG.png        scalar time series + a mesh (default: first mesh, last iteration)
  hpcsim-post scalars OUTDIR [--csv FILE]      the scalar time series as CSV (stdout or FILE)
  hpcsim-post report OUTDIR... [-o FILE]       one self-contained HTML page per run (default OUTDIR/report.html):
                                               log summary, parameters, deck, the family's standard figures,
                                               every scalar's history, the last fields

PIC runs (`postprocess.pic`):
  hpcsim-post growth OUTDIR [--field B|E] [--mode M]             growth rate of one mode of spectrum_B/E, with
                                                                 the automatically chosen fit window
  hpcsim-post energy OUTDIR -o FIG.png [--log]                   energy_* histories
  hpcsim-post dispersion OUTDIR [--field E] [--component x] -o FIG.png          omega-k diagram of the dumps
  hpcsim-post phase-space OUTDIR --species NAME [--x x] [--p ux] [--iteration N] [--bins N] -o FIG.png

Thermodynamic forcing (`postprocess.tf`):
  hpcsim-post tf-moments OUTDIR --species NAME [-o FIG.png]     pressure tensor / heat flux against the
                                                                 forcing + Krook moment theory
  hpcsim-post tf-growth OUTDIR [--field B] [--mode M] [-o FIG.png]           growth vs the dispersion solver
  hpcsim-post tf-heat-flux OUTDIR... --species NAME [-o FIG.png]             q / (n T v_th) against time
  hpcsim-post tf-anisotropy OUTDIR... --species NAME [--thresholds] [-o FIG.png]   T_perp/T_par vs beta_par

Chemotaxis (`postprocess.chemotaxis`):
  hpcsim-post chemotaxis-history OUTDIR [-o FIG.png]            mass, min/max n, Lyapunov functional, checks
  hpcsim-post chemotaxis-growth OUTDIR [--mode M ...] [-o FIG.png]   mode growth against the cubic
  hpcsim-post chemotaxis-sweep OUTDIR... --limit OUTDIR [--parameter eps|eps+tau] [--skip-layer T]
                                                                 distances to the limit run, fitted orders
  hpcsim-post chemotaxis-layer OUTDIR... --limit OUTDIR -o FIG.png   ||n - n_limit||(t): the initial layer
  hpcsim-post chemotaxis-profiles OUTDIR -o FIG.png             radial profiles n(r) of the dumps (blow-up)
Phase field (`postprocess.phasefield`):
  hpcsim-post pf-pfhub OUTDIR... [--csv FILE] [-o FIG.png]       PFHub time,free_energy CSV and log-log plot
  hpcsim-post pf-soret OUTDIR [--iteration N]                   slope of ln c against 1/T (= Q*/R at steady state)
  hpcsim-post pf-tracks OUTDIR [--t-min T] [-o FIG.png]         precipitate tracks and their velocities
  hpcsim-post pf-sizes OUTDIR [--time T] [--bins N] [-o FIG.png]  equivalent-radius distribution
  hpcsim-post pf-centre OUTDIR [--axis x]                       beta-phase centre of mass against time, drift

A missing directory, file, iteration, mesh, species or dataset is one line on stderr and exit status 2; a mode
spectrum without exponential growth (`growth`) is one line and exit status 1.
"""
import argparse
import math
import sys
from pathlib import Path

import h5py
import numpy as np

from .readers import ReadError, list_iterations, list_meshes, read_scalars, scalars_file

RESERVED = ("step", "time")
SPECTRA = ("B", "E", "Ex")


def cmd_info(args):
    iterations = list_iterations(args.outdir)
    has_scalars = scalars_file(args.outdir).is_file()
    if not iterations and not has_scalars:
        raise ReadError(f"{args.outdir}: neither diags/scalars.h5 nor field output in fields/")
    print(f"{args.outdir}")
    if iterations:
        print(f"  field iterations: {len(iterations)} ({iterations[0]} .. {iterations[-1]})")
        print(f"  meshes: {', '.join(list_meshes(args.outdir))}")
    else:
        print("  field iterations: none")
    if has_scalars:
        scalars = read_scalars(args.outdir)
        steps = scalars["step"]
        span = f" (steps {steps[0]} .. {steps[-1]})" if steps.size else ""
        print(f"  scalar rows: {steps.size}{span}; diagnostics: "
              f"{', '.join(n for n in sorted(scalars) if n not in RESERVED)}")
        spectra = _spectra(args.outdir)
        if spectra:
            print(f"  mode spectra: {', '.join(spectra)}")
    else:
        print("  scalar diagnostics: none")


def cmd_plot(args):
    from .plots import summary_figure

    print(summary_figure(args.outdir, args.out, args.mesh, args.iteration))


def _spectra(outdir):
    """Names of the 2-D mode spectra (`spectrum_*`) in OUTDIR/diags/scalars.h5."""
    with h5py.File(scalars_file(outdir), "r", locking=False) as f:
        return [n for n in f if n.startswith("spectrum_") and f[n].ndim == 2]


def cmd_growth(args):
    from .pic import growth_from_spectrum

    try:
        fit = growth_from_spectrum(args.outdir, args.field, args.mode)
    except ValueError as exc:
        sys.stderr.write(f"hpcsim-post: spectrum_{args.field}: {exc}\n")
        return 1
    t0, t1 = fit["window"]
    print(f"spectrum_{fit['field']} mode {fit['mode']}: k = {fit['k']:.6g} omega_pe/c, "
          f"gamma = {fit['gamma']:.6g} omega_pe")
    print(f"  fit window: t = {t0:.6g} .. {t1:.6g} /omega_pe ({fit['samples']} rows), r^2 = {fit['r2']:.6f}")
    return 0


def _save(fig, out):
    fig.savefig(out, dpi=120)
    print(out)


def cmd_energy(args):
    from .pic import energy_history

    _save(energy_history(args.outdir, args.log), args.out)


def cmd_dispersion(args):
    from .pic import dispersion, dispersion_figure

    k, omega, power = dispersion(args.outdir, args.field, args.component)
    _save(dispersion_figure(k, omega, power, title=f"{args.field}_{args.component}: {args.outdir}"), args.out)


def cmd_phase_space(args):
    from .pic import phase_space

    _save(phase_space(args.outdir, args.species, args.x, args.p, args.iteration, args.bins), args.out)


def cmd_tf_moments(args):
    from .tf import moment_comparison, moments_figure

    comparison = moment_comparison(args.outdir, args.species)
    if "P" in comparison:
        print(f"pressure tensor vs dP/dt = -(G P + P G^T) - nu (P - p I): max |P - P_theory| / p = "
              f"{float(np.max(comparison['P_deviation'])):.4g}")
    if "heat_flux" in comparison:
        t, q, theory = comparison["time"], comparison["heat_flux"], comparison["heat_flux_theory"]
        late = t >= t[-1] / 2
        ratio = float(np.mean(q[late]) / np.mean(theory[late]))
        print(f"heat flux vs -(5/2) (n T^2 g / m) (1 - exp(-nu t)) / nu (t when nu = 0): mean ratio over "
              f"t >= {t[-1] / 2:.4g} = {ratio:.4f}")
    if args.out:
        _save(moments_figure(comparison, args.species), args.out)


def cmd_tf_heat_flux(args):
    from .tf import heat_flux_figure, heat_flux_history

    for outdir in args.outdirs:
        t, q = heat_flux_history(outdir, args.species)
        last = t >= t[-1] * (1.0 - args.tail)
        print(f"{outdir}: q / (n T v_th) = {float(np.mean(q[last])):.5g} (mean over the last "
              f"{100 * args.tail:g} % of the run, t >= {t[last][0]:.5g})")
    if args.out:
        _save(heat_flux_figure({str(o): o for o in args.outdirs}, args.species), args.out)


def cmd_tf_anisotropy(args):
    from .tf import anisotropy_figure, anisotropy_path, read_parameters, threshold_curves

    paths = {}
    for outdir in args.outdirs:
        _, beta, anisotropy = anisotropy_path(outdir, args.species)
        paths[str(outdir)] = (beta, anisotropy)
        print(f"{outdir}: beta_par {beta[0]:.4g} -> {beta[-1]:.4g}, T_perp/T_par {anisotropy[0]:.4g} -> "
              f"{anisotropy[-1]:.4g}")
    parameters = read_parameters(args.outdirs[0])
    betas = thresholds = None
    if args.thresholds:
        wpe_over_wce = 1.0 / math.sqrt(sum(parameters.get(f"B0_{c}", 0.0) ** 2 for c in "xyz"))
        mass_ratio = parameters.get("mass_ratio", args.mass_ratio)
        lo = min(float(np.min(b)) for b, _ in paths.values())
        hi = max(float(np.max(b)) for b, _ in paths.values())
        betas = np.geomspace(max(lo / 1.5, 0.05), hi * 1.5, 12)
        thresholds = threshold_curves(betas, wpe_over_wce, mass_ratio)
        for name, values in thresholds.items():
            print(f"threshold {name}: " + ", ".join(f"beta {b:.3g}: {v:.4g}" for b, v in zip(betas, values)))
    if args.out:
        _save(anisotropy_figure(paths, betas, thresholds), args.out)


def cmd_tf_growth(args):
    from .tf import growth_against_theory, growth_figure

    try:
        c = growth_against_theory(args.outdir, args.field, args.mode, args.electrons, args.ions)
    except ValueError as exc:
        sys.stderr.write(f"hpcsim-post: spectrum_{args.field}: {exc}\n")
        return 1
    t0, t1 = c["window"]
    w = c["omega_theory"]
    print(f"spectrum_{c['field']} mode {c['mode']}: k = {c['k']:.6g}, gamma = {c['gamma']:.6g} over t = {t0:.6g} .. "
          f"{t1:.6g} (r^2 = {c['r2']:.6f})")
    print(f"{c['branch']} theory (postprocess.parallel_modes) at that k: omega = {w.real:.6g} + {w.imag:.6g}i; "
          f"gamma / theory = {c['ratio']:.4f}")
    if args.out:
        _save(growth_figure(args.outdir, c, args.field), args.out)
    return 0


def cmd_report(args):
    from .report import write_report

    if args.out and len(args.outdirs) > 1:
        raise ReadError("-o names one page: give one OUTDIR with it, or leave it out")
    for outdir in args.outdirs:
        print(write_report(outdir, args.out))


def cmd_scalars(args):
    scalars = read_scalars(args.outdir)
    names = list(RESERVED) + sorted(n for n in scalars if n not in RESERVED)
    table = np.column_stack([scalars[n] for n in names])
    out = open(args.csv, "w", encoding="utf-8") if args.csv else sys.stdout
    try:
        out.write(",".join(names) + "\n")
        np.savetxt(out, table, delimiter=",", fmt="%.17g")
    finally:
        if args.csv:
            out.close()


def parser():
    ap = argparse.ArgumentParser(prog="hpcsim-post", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="what an output directory holds")
    p.add_argument("outdir")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("plot", help="summary figure (scalars + a mesh) to PNG")
    p.add_argument("outdir")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--mesh", help="mesh record (name or name/component; default: the first)")
    p.add_argument("--iteration", type=int, help="iteration (default: the last)")
    p.set_defaults(func=cmd_plot)
    p = sub.add_parser("scalars", help="scalar time series as CSV")
    p.add_argument("outdir")
    p.add_argument("--csv", help="file to write (default: stdout)")
    p.set_defaults(func=cmd_scalars)
    p = sub.add_parser("report", help="one self-contained HTML page per run")
    p.add_argument("outdirs", nargs="+", metavar="OUTDIR")
    p.add_argument("-o", "--out", help="HTML file to write (one OUTDIR only; default: OUTDIR/report.html)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("growth", help="PIC: growth rate of a mode of spectrum_B or spectrum_E")
    p.add_argument("outdir")
    p.add_argument("--field", choices=SPECTRA, default="B")
    p.add_argument("--mode", type=int, help="mode index m (k = 2 pi m / L_x; default: the fastest growing)")
    p.set_defaults(func=cmd_growth)
    p = sub.add_parser("energy", help="PIC: energy histories to PNG")
    p.add_argument("outdir")
    p.add_argument("-o", "--out", required=True, help="PNG file to write")
    p.add_argument("--log", action="store_true", help="logarithmic energy axis")
    p.set_defaults(func=cmd_energy)
    p = sub.add_parser("dispersion", help="PIC: omega-k diagram of the field dumps to PNG")
    p.add_argument("outdir")
    p.add_argument("--field", default="E", help="mesh record (default: E)")
    p.add_argument("--component", default="x", help="component of a vector record (default: x)")
    p.add_argument("-o", "--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_dispersion)
    p = sub.add_parser("phase-space", help="PIC: weighted phase-space histogram of a species to PNG")
    p.add_argument("outdir")
    p.add_argument("--species", required=True)
    p.add_argument("--x", default="x", help="horizontal quantity (default: x)")
    p.add_argument("--p", default="ux", help="vertical quantity (default: ux = p_x / m)")
    p.add_argument("--iteration", type=int, help="iteration (default: the last)")
    p.add_argument("--bins", type=int, default=128, help="bins per axis (default: 128)")
    p.add_argument("-o", "--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_phase_space)
    p = sub.add_parser("tf-moments", help="TF-PIC: forcing + Krook moments against the moment theory")
    p.add_argument("outdir")
    p.add_argument("--species", required=True)
    p.add_argument("-o", "--out", help="PNG file to write (default: numbers only)")
    p.set_defaults(func=cmd_tf_moments)
    p = sub.add_parser("tf-heat-flux", help="TF-PIC: heat flux / (n T v_th) against time (one or more runs)")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--species", required=True)
    p.add_argument("--tail", type=float, default=0.25, help="fraction of the run averaged for the printed value")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_tf_heat_flux)
    p = sub.add_parser("tf-anisotropy", help="TF-PIC: T_perp/T_par against beta_par with instability thresholds")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--species", required=True)
    p.add_argument("--thresholds", action="store_true", help="add the whistler and firehose thresholds of "
                   "postprocess.parallel_modes (slow: a root search per beta)")
    p.add_argument("--mass-ratio", type=float, default=1836.15267343,
                   help="m_p/m_e for the thresholds when the run does not record it")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_tf_anisotropy)
    p = sub.add_parser("tf-growth", help="TF-PIC: mode growth against the parallel-mode dispersion solver")
    p.add_argument("outdir")
    p.add_argument("--field", choices=SPECTRA, default="B")
    p.add_argument("--mode", type=int, help="mode index (default: the fastest growing)")
    p.add_argument("--electrons", help="electron species (default: the only negative one)")
    p.add_argument("--ions", help="ion species (default: the only positive one, else immobile ions)")
    p.add_argument("-o", "--out", help="PNG file to write (mode energy with fit and theory, spectra)")
    p.set_defaults(func=cmd_tf_growth)
    _chemotaxis_parsers(sub)
    _phasefield_parsers(sub)
    return ap


# -- chemotaxis (postprocess.chemotaxis) ---------------------------------------------------------------------

def cmd_chemotaxis_history(args):
    from . import chemotaxis

    h = chemotaxis.history(args.outdir)
    print(f"relative mass change {h['mass_change']:.3e}; min n {h['n_min_min']:.6g}; largest rise of E "
          f"{h['lyapunov_rise']:.3e} of |E| ({len(h['time'])} rows)")
    if args.out:
        chemotaxis.history_figure(h).savefig(args.out, dpi=120)


def cmd_chemotaxis_growth(args):
    from . import chemotaxis

    g = chemotaxis.growth_against_theory(args.outdir, args.mode)
    print(f"mode {g['modes']} (mu_h = {g['mu']:.6g}): fitted growth rate {g['fitted']:.6g}, largest root of the "
          f"cubic {g['theory']:.6g}, relative difference {g['relative_error']:.2e}; unstable above n_bar = "
          f"{g['threshold']:.6g}")
    if args.out:
        chemotaxis.growth_figure(g).savefig(args.out, dpi=120)


def cmd_chemotaxis_sweep(args):
    from . import chemotaxis

    table = chemotaxis.sweep_table(args.outdirs, args.limit, args.parameter, args.skip_layer)
    print(chemotaxis.format_sweep(table))


def cmd_chemotaxis_layer(args):
    from . import chemotaxis

    curves = []
    for run in args.outdirs:
        p, _ = chemotaxis.run_parameters(run)
        t, d = chemotaxis.distances(run, args.limit)
        curves.append((f"eps = {p['eps']:g}, tau = {p['tau']:g}, {p['signal_initial']}", t, d))
    chemotaxis.layer_figure(curves).savefig(args.out, dpi=120)


def cmd_chemotaxis_profiles(args):
    from . import chemotaxis

    r, profiles = chemotaxis.radial_profiles(args.outdir)
    chemotaxis.profiles_figure(r, profiles).savefig(args.out, dpi=120)
    t, n = profiles[-1]
    print(f"{len(profiles)} profiles; last t = {t:.6g}: max n = {n.max():.6g} at r = {r[int(n.argmax())]:.4g}")


def _chemotaxis_parsers(sub):
    p = sub.add_parser("chemotaxis-history", help="chemotaxis: mass, min/max n and Lyapunov functional")
    p.add_argument("outdir")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_chemotaxis_history)
    p = sub.add_parser("chemotaxis-growth", help="chemotaxis: mode growth of the field dumps against the cubic")
    p.add_argument("outdir")
    p.add_argument("--mode", type=int, nargs="+", help="mode numbers per axis (default: the deck's modes)")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_chemotaxis_growth)
    p = sub.add_parser("chemotaxis-sweep", help="chemotaxis: eps-sweep distances to a limit run, fitted orders")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--limit", required=True, help="the limit run (eps = 0, or eps = tau = 0)")
    p.add_argument("--parameter", choices=("eps", "eps+tau"), default="eps")
    p.add_argument("--skip-layer", type=float, default=0.0, help="leave out dump times below this")
    p.set_defaults(func=cmd_chemotaxis_sweep)
    p = sub.add_parser("chemotaxis-layer", help="chemotaxis: distance to the limit run against time (log-log)")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--limit", required=True)
    p.add_argument("-o", "--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_chemotaxis_layer)
    p = sub.add_parser("chemotaxis-profiles", help="chemotaxis: radial profiles n(r) of the dumps")
    p.add_argument("outdir")
    p.add_argument("-o", "--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_chemotaxis_profiles)


# -- phase field (postprocess.phasefield) ------------------------------------------------------------------------
def cmd_pf_pfhub(args):
    from . import phasefield

    runs = {Path(d).name or d: phasefield.pfhub_series(d) for d in args.outdirs}
    if args.csv:
        rows = phasefield.write_pfhub_csv(args.outdirs[0], args.csv)
        print(f"{args.csv}: {rows} rows of time,free_energy")
    for label, (t, f) in runs.items():
        print(f"{label}: F(t={t[0]:g}) = {f[0]:.6g}, F(t={t[-1]:g}) = {f[-1]:.6g}, "
              f"monotone decrease: {bool(np.all(np.diff(f) <= 0))}")
    if args.out:
        phasefield.plot_free_energy(runs, args.out)


def cmd_pf_soret(args):
    from . import phasefield

    fit = phasefield.soret_fit(args.outdir, args.iteration)
    unit = " K" if fit["temperature_unit"] == "K" else ""
    print(f"slope of ln c against 1/T: {fit['slope_ln_c']:.6g}{unit}; of ln(c/(1-c)): {fit['slope_ln_y']:.6g}{unit} "
          f"(Q*/R at the Soret steady state)")


def cmd_pf_tracks(args):
    from . import phasefield

    for ident, v in sorted(phasefield.track_velocities(args.outdir, args.t_min).items()):
        print(f"particle {ident}: velocity ({v[0]:.6g}, {v[1]:.6g}, {v[2]:.6g})")
    if args.out:
        phasefield.plot_tracks(args.outdir, args.out)


def cmd_pf_sizes(args):
    from . import phasefield

    time, radii = phasefield.size_distribution(args.outdir, args.time)
    print(f"t = {time:g}: {radii.size} particles, mean radius {radii.mean():.6g}, max {radii.max():.6g}")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.6))
        ax.hist(radii, bins=args.bins)
        ax.set_xlabel("equivalent radius")
        ax.set_ylabel("particles")
        _save(fig, args.out)


def cmd_pf_centre(args):
    from . import phasefield

    t, x, velocity = phasefield.centre_of_mass(args.outdir, args.axis)
    print(f"beta-phase centre {args.axis}: {x[0]:.6g} at t = {t[0]:g} -> {x[-1]:.6g} at t = {t[-1]:g}; "
          f"drift velocity {velocity:.6g}")


def _phasefield_parsers(sub):
    p = sub.add_parser("pf-pfhub", help="phase field: PFHub time,free_energy CSV and log-log plot")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--csv", help="CSV file for the first run")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_pf_pfhub)
    p = sub.add_parser("pf-soret", help="phase field: slope of ln c against 1/T")
    p.add_argument("outdir")
    p.add_argument("--iteration", type=int, help="field dump (default: the last)")
    p.set_defaults(func=cmd_pf_soret)
    p = sub.add_parser("pf-tracks", help="phase field: precipitate tracks and velocities")
    p.add_argument("outdir")
    p.add_argument("--t-min", type=float, default=0.0, help="fit velocities over t >= T")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_pf_tracks)
    p = sub.add_parser("pf-sizes", help="phase field: equivalent-radius distribution of the precipitates")
    p.add_argument("outdir")
    p.add_argument("--time", type=float, help="diagnostic time (default: the last)")
    p.add_argument("--bins", type=int, default=20)
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_pf_sizes)
    p = sub.add_parser("pf-centre", help="phase field: beta-phase centre of mass against time")
    p.add_argument("outdir")
    p.add_argument("--axis", default="x")
    p.set_defaults(func=cmd_pf_centre)


def main(argv=None):
    """Entry point of `hpcsim-post`; returns the exit status (0, or 2 for a missing or unreadable input)."""
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (ReadError, OSError) as exc:
        sys.stderr.write(f"hpcsim-post: error: {exc}\n")
        return 2
