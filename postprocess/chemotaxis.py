"""Chemotaxis runs (the `chemotaxis` family): linear theory, growth-rate fits, convergence tables and figures.

Linear theory of the indirect-signalling system about n = n_bar, c = w = n_bar: a perturbation along a Laplacian
eigenfunction with eigenvalue mu grows as e^{lambda t} with

    (lambda + mu)(eps lambda + 1 + mu)(eps lambda + 1 + tau mu) = chi n_bar mu        (a cubic in lambda)

(direct signalling: (lambda + mu)(eps lambda + 1 + mu) = chi n_bar mu); the uniform state is unstable exactly
when chi n_bar > (1 + mu_1)(1 + tau mu_1) for the smallest positive eigenvalue mu_1 (the root lambda = 0 crosses).
"""
import math

import numpy as np

from .readers import ReadError, list_iterations, read_deck, read_mesh, read_scalars


def dispersion_polynomial(n_bar, mu, eps, tau, chi=1.0, indirect=True):
    """Coefficients (highest first) of the polynomial in lambda whose roots are the growth rates."""
    p = np.polymul([1.0, mu], [eps, 1.0 + mu])
    if indirect:
        p = np.polymul(p, [eps, 1.0 + tau * mu])
    p = np.polysub(p, [chi * n_bar * mu])
    return np.trim_zeros(p, "f")


def growth_rate(n_bar, mu, eps, tau, chi=1.0, indirect=True):
    """The largest real part of the roots: the growth rate of the mode (eps = 0 included)."""
    return float(max(np.roots(dispersion_polynomial(n_bar, mu, eps, tau, chi, indirect)).real))


def threshold(mu, tau, chi=1.0, indirect=True):
    """The n_bar above which the mode of eigenvalue mu grows: (1 + mu)(1 + tau mu) / chi."""
    return (1.0 + mu) * (1.0 + (tau if indirect else 0.0) * mu) / chi


def fit_growth(t, amplitude, window=(0.5, 1.0)):
    """Least-squares slope of log|amplitude| against t over the fraction `window` of the series."""
    t, a = np.asarray(t, dtype=float), np.abs(np.asarray(amplitude, dtype=float))
    lo, hi = t[0] + window[0] * (t[-1] - t[0]), t[0] + window[1] * (t[-1] - t[0])
    keep = (t >= lo) & (t <= hi) & (a > 0)
    if keep.sum() < 3:
        raise ReadError("fewer than three samples in the fit window")
    return float(np.polyfit(t[keep], np.log(a[keep]), 1)[0])


def mode_amplitude(n, modes, periodic, spacing):
    """<n - mean(n), phi> / <phi, phi> for phi = prod_a cos(k_a x_a) on the cell centres of a global array."""
    phi = np.ones(n.shape)
    for a, m in enumerate(modes):
        x = (np.arange(n.shape[a]) + 0.5) * spacing[a]
        length = n.shape[a] * spacing[a]
        k = (2.0 if periodic[a] else 1.0) * math.pi * m / length
        phi = phi * np.cos(k * x).reshape([-1 if b == a else 1 for b in range(n.ndim)])
    return float(np.sum((n - n.mean()) * phi) / np.sum(phi * phi))


def discrete_eigenvalue(modes, periodic, spacing, shape):
    """mu_h = sum_a 4 / h_a^2 sin^2(k_a h_a / 2), the eigenvalue of the mode for the discrete Laplacian."""
    mu = 0.0
    for m, p, h, n in zip(modes, periodic, spacing, shape):
        k = (2.0 if p else 1.0) * math.pi * m / (n * h)
        mu += 4.0 / h**2 * math.sin(k * h / 2.0) ** 2
    return mu


def observed_orders(sizes, errors):
    """log2-free observed orders between consecutive entries: log(e_i / e_{i+1}) / log(s_i / s_{i+1})."""
    s, e = np.asarray(sizes, dtype=float), np.asarray(errors, dtype=float)
    return list(np.log(e[:-1] / e[1:]) / np.log(s[:-1] / s[1:]))


def fitted_order(sizes, errors):
    """Least-squares slope of log(error) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(errors), 1)[0])


# -- runs on disk ----------------------------------------------------------------------------------------------

def run_parameters(outdir):
    """The resolved [chemotaxis] and [mesh] tables of a run (from OUTDIR/deck.toml)."""
    try:
        import tomllib
    except ImportError:          # Python 3.10
        import tomli as tomllib
    deck = tomllib.loads(read_deck(outdir))
    if "chemotaxis" not in deck:
        raise ReadError(f"{outdir}: not a chemotaxis run")
    return deck["chemotaxis"], deck["mesh"]


def history(outdir):
    """Time series of mass, n_min, n_max and the Lyapunov functional, with the three checks of the ladder's first
    item: the largest relative mass change, the smallest n, the largest step-to-step increase of E relative to
    |E|."""
    s = read_scalars(outdir)
    for name in ("mass", "n_min", "n_max", "lyapunov"):
        if name not in s:
            raise ReadError(f"{outdir}: no scalar '{name}' (not a chemotaxis run?)")
    e = s["lyapunov"]
    rise = np.diff(e) / np.maximum(np.abs(e[1:]), 1e-300)
    return {"time": s["time"], "mass": s["mass"], "n_min": s["n_min"], "n_max": s["n_max"], "lyapunov": e,
            "mass_change": float(np.max(np.abs(s["mass"] - s["mass"][0])) / s["mass"][0]),
            "n_min_min": float(np.min(s["n_min"])), "lyapunov_rise": float(np.max(rise)) if rise.size else 0.0}


def density_series(outdir):
    """(times, [n arrays], metadata of the last) of every field dump of a run."""
    times, arrays, meta = [], [], None
    for it in list_iterations(outdir):
        n, meta = read_mesh(outdir, "n", it)
        times.append(meta["time"] / meta["timeUnitSI"])
        arrays.append(n)
    if not arrays:
        raise ReadError(f"{outdir}: no field dumps")
    return np.array(times), arrays, meta


def growth_against_theory(outdir, modes=None, window=(0.5, 1.0)):
    """Growth rate of a mode fitted to the field dumps, against the largest root of the dispersion relation with
    the mode's discrete eigenvalue (the run's own modes by default)."""
    p, mesh = run_parameters(outdir)
    modes = list(modes or p["modes"])
    periodic = [bc[0] == "periodic" for bc in mesh["bc"]]
    times, arrays, meta = density_series(outdir)
    spacing = list(meta["spacing"] / meta["gridUnitSI"])
    amplitudes = [mode_amplitude(n, modes, periodic, spacing) for n in arrays]
    mu = discrete_eigenvalue(modes, periodic, spacing, arrays[0].shape)
    indirect = p["signal"] == "indirect"
    theory = growth_rate(p["n_bar"], mu, p["eps"], p["tau"], p["chi"], indirect)
    fitted = fit_growth(times, amplitudes, window)
    return {"modes": modes, "mu": mu, "times": times, "amplitudes": np.array(amplitudes), "fitted": fitted,
            "theory": theory, "relative_error": abs(fitted - theory) / max(abs(theory), 1e-300),
            "threshold": threshold(mu, p["tau"], p["chi"], indirect)}


def distances(run, limit):
    """(times, ||n_run(t) - n_limit(t)||_L2) at the dump times the two runs share."""
    t_run, n_run, meta = density_series(run)
    t_lim, n_lim, _ = density_series(limit)
    volume = float(np.prod(meta["spacing"] / meta["gridUnitSI"]))
    shared = [(t, a, n_lim[j]) for t, a in zip(t_run, n_run)
              for j in np.nonzero(np.isclose(t_lim, t, rtol=1e-9, atol=1e-12))[0][:1]]
    if not shared:
        raise ReadError(f"{run} and {limit} share no dump times")
    return (np.array([t for t, _, _ in shared]),
            np.array([math.sqrt(volume * np.sum((a - b) ** 2)) for _, a, b in shared]))


def sweep_table(runs, limit, parameter="eps", skip_layer=0.0):
    """Convergence of runs towards the limit run: per run its parameter (eps, or eps + tau with
    parameter = 'eps+tau'), the L^inf(0,T;L^2) and L^2(0,T;L^2) distances of n (times t >= skip_layer only), and
    the orders fitted between consecutive runs and over all of them."""
    rows = []
    for run in runs:
        p, _ = run_parameters(run)
        value = p["eps"] + p["tau"] if parameter == "eps+tau" else p["eps"]
        t, d = distances(run, limit)
        keep = t >= skip_layer
        t, d = t[keep], d[keep]
        l2 = math.sqrt(float(np.sum(0.5 * (d[1:] ** 2 + d[:-1] ** 2) * np.diff(t)))) if t.size > 1 else float(d[0])
        rows.append({"run": str(run), "parameter": value, "sup": float(d.max()), "l2": l2})
    rows.sort(key=lambda r: -r["parameter"])
    values = [r["parameter"] for r in rows]
    orders = {}
    for norm in ("sup", "l2"):
        errors = [r[norm] for r in rows]
        orders[norm] = {"consecutive": observed_orders(values, errors), "fitted": fitted_order(values, errors)}
    return {"rows": rows, "orders": orders, "parameter": parameter}


def format_sweep(table):
    lines = [f"{table['parameter']:>10} {'sup_t ||n - n_lim||':>20} {'order':>6} {'L2_t ||n - n_lim||':>20} "
             f"{'order':>6}"]
    sup, l2 = table["orders"]["sup"]["consecutive"], table["orders"]["l2"]["consecutive"]
    for i, r in enumerate(table["rows"]):
        o1 = f"{sup[i - 1]:6.2f}" if i else " " * 6
        o2 = f"{l2[i - 1]:6.2f}" if i else " " * 6
        lines.append(f"{r['parameter']:10.4g} {r['sup']:20.4e} {o1} {r['l2']:20.4e} {o2}")
    lines.append(f"fitted orders: sup {table['orders']['sup']['fitted']:.3f}, L2 {table['orders']['l2']['fitted']:.3f}")
    return "\n".join(lines)


def radial_profiles(outdir):
    """(r, [(t, n(r))]) of a radial run's dumps (cell centres)."""
    times, arrays, meta = density_series(outdir)
    h = float(meta["spacing"][0] / meta["gridUnitSI"])
    r = (np.arange(arrays[0].size) + 0.5) * h
    return r, list(zip(times, arrays))


# -- figures ---------------------------------------------------------------------------------------------------

def _figure(rows=1, cols=1, size=(6.0, 4.0)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), squeeze=False)
    return fig, axes.ravel()


def history_figure(h):
    fig, ax = _figure(1, 3, (4.2, 3.4))
    ax[0].plot(h["time"], (h["mass"] - h["mass"][0]) / h["mass"][0])
    ax[0].set(xlabel="t", ylabel="relative mass change")
    ax[1].semilogy(h["time"], h["n_max"], label="max n")
    ax[1].semilogy(h["time"], np.maximum(h["n_min"], 1e-300), label="min n")
    ax[1].set(xlabel="t")
    ax[1].legend()
    ax[2].plot(h["time"], h["lyapunov"])
    ax[2].set(xlabel="t", ylabel="Lyapunov functional E")
    fig.tight_layout()
    return fig


def growth_figure(g):
    fig, ax = _figure()
    t = g["times"]
    ax[0].semilogy(t, np.abs(g["amplitudes"]), "o", ms=3, label="mode amplitude")
    a0 = abs(g["amplitudes"][-1]) * np.exp(-g["theory"] * t[-1])
    ax[0].semilogy(t, a0 * np.exp(g["theory"] * t), "-", label=f"cubic: lambda = {g['theory']:.4g}")
    ax[0].set(xlabel="t", title=f"mode {g['modes']}: fitted {g['fitted']:.4g}")
    ax[0].legend()
    return fig


def layer_figure(curves):
    """curves: [(label, times, distances)]: ||n_eps - n_lim||(t) on log axes (the initial layer)."""
    fig, ax = _figure()
    for label, t, d in curves:
        keep = t > 0
        ax[0].loglog(t[keep], d[keep], label=label)
    ax[0].set(xlabel="t", ylabel="||n - n_limit||_L2")
    ax[0].legend(fontsize=7)
    return fig


def profiles_figure(r, profiles):
    fig, ax = _figure()
    for t, n in profiles:
        ax[0].loglog(r, np.maximum(n, 1e-300), label=f"t = {t:.4g}")
    ax[0].set(xlabel="r", ylabel="n(r)")
    ax[0].legend(fontsize=7)
    return fig


# -- hpcsim-post subcommands (registered through `postprocess.families`) ----------------------------------------


def cmd_chemotaxis_history(args):
    h = history(args.outdir)
    print(f"relative mass change {h['mass_change']:.3e}; min n {h['n_min_min']:.6g}; largest rise of E "
          f"{h['lyapunov_rise']:.3e} of |E| ({len(h['time'])} rows)")
    if args.out:
        history_figure(h).savefig(args.out, dpi=120)


def cmd_chemotaxis_growth(args):
    g = growth_against_theory(args.outdir, args.mode)
    print(f"mode {g['modes']} (mu_h = {g['mu']:.6g}): fitted growth rate {g['fitted']:.6g}, largest root of the "
          f"cubic {g['theory']:.6g}, relative difference {g['relative_error']:.2e}; unstable above n_bar = "
          f"{g['threshold']:.6g}")
    if args.out:
        growth_figure(g).savefig(args.out, dpi=120)


def cmd_chemotaxis_sweep(args):
    table = sweep_table(args.outdirs, args.limit, args.parameter, args.skip_layer)
    print(format_sweep(table))


def cmd_chemotaxis_layer(args):
    curves = []
    for run in args.outdirs:
        p, _ = run_parameters(run)
        t, d = distances(run, args.limit)
        curves.append((f"eps = {p['eps']:g}, tau = {p['tau']:g}, {p['signal_initial']}", t, d))
    layer_figure(curves).savefig(args.out, dpi=120)


def cmd_chemotaxis_profiles(args):
    r, profiles = radial_profiles(args.outdir)
    profiles_figure(r, profiles).savefig(args.out, dpi=120)
    t, n = profiles[-1]
    print(f"{len(profiles)} profiles; last t = {t:.6g}: max n = {n.max():.6g} at r = {r[int(n.argmax())]:.4g}")


def register(sub):
    """The `hpcsim-post` subcommands of chemotaxis runs: chemotaxis-history, -growth, -sweep, -layer, -profiles."""
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
