"""TF-PIC postprocessing from files: growth rates from the mode spectra, energy histories, omega-k dispersion
diagrams from the field dumps and phase-space histograms from the particle dumps.

Code units throughout (those of `postprocess.theory`): time in 1/omega_pe, wavenumbers in omega_pe/c, frequencies
in omega_pe, momenta in m_e c, u = p/m = gamma v in c. Inputs (see `readers` for the directory layout):
OUTDIR/diags/scalars.h5 with `time`, `energy_*` and the 2-D mode spectra `spectrum_E`, `spectrum_B` (rows, M)
(attribute `k`: the M wavenumbers 2 pi m / L_x), and the openPMD field/particle dumps OUTDIR/fields/data_%08d.h5.

Functions
---------
read_spectrum(outdir, field)                    (time, k, energy) of spectrum_<field>
growth_from_spectrum(outdir, field, mode)       growth rate of one mode, fit window chosen automatically
energy_history(outdir, log)                     figure of every energy_* column against time
dispersion(outdir, field, component)            (k, omega, power) of the field dumps along the first axis
dispersion_figure(k, omega, power, curves)      |F(k, omega)| image with the caller's omega(k) curves
read_particles(outdir, species, iteration)      particle arrays (from `readers`)
phase_space(outdir, species, x, p, ...)         weighted 2-D histogram figure
"""
import math
import sys

import h5py
import numpy as np

from .families import Panel, save_figure
from .readers import (ReadError, list_iterations, read_mesh, read_particles, read_scalars, scalars_file,
                      uniform_interval)
from .theory import fit_growth_rate

SPECTRA = ("Ex", "E", "B")     # the mode spectra a run may write, the report's preferred one last
PHASE_SPACE_SPECIES = 2        # phase-space panels on the report page for at most this many species


def _figure(size):
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def _log_norm(vmin, vmax):
    from matplotlib.colors import LogNorm

    return LogNorm(vmin=vmin, vmax=vmax)

__all__ = ["read_spectrum", "growth_from_spectrum", "fastest_mode", "energy_history", "dispersion",
           "dispersion_figure", "read_particles", "phase_space_histogram", "phase_space"]

MIN_DUMPS = 4           # field dumps needed for a time FFT
DYNAMIC_RANGE = 1e-6    # |F| below this fraction of its maximum is drawn as the floor of the colour scale


# --------------------------------------------------------------------------------------------------------------
# Mode spectra and growth rates
# --------------------------------------------------------------------------------------------------------------

def read_spectrum(outdir, field="B"):
    """(time, k, energy) of `spectrum_<field>` in OUTDIR/diags/scalars.h5: time (rows,) in 1/omega_pe; k (M,) the
    wavenumbers k_m = 2 pi m / L_x, m = 0..M-1, in omega_pe/c; energy (rows, M) the energy of Fourier mode m along
    the first mesh axis of the field components perpendicular to it (E_y, E_z or B_y, B_z), summed over the
    transverse cells; NaN in rows where it was not computed. Rows past the shorter of `time` and the spectrum
    (a run appending meanwhile) are dropped."""
    file = scalars_file(outdir)
    if not file.is_file():
        raise ReadError(f"{file}: no scalar diagnostics")
    name = f"spectrum_{field}"
    with h5py.File(file, "r", locking=False) as f:
        if name not in f:
            raise ReadError(f"{file}: no dataset '{name}' (the run wrote no {field} mode spectrum)")
        time, energy = f["time"][...], f[name][...]
        rows = min(time.size, energy.shape[0])
        return time[:rows], np.asarray(f[name].attrs["k"], dtype=float), energy[:rows]


def fastest_mode(energy):
    """Index m >= 1 of the dominant mode: the one that reaches the largest energy during the run (rows that
    are NaN are skipped). Harmonics of a saturated mode may gain more e-folds from round-off, but the
    instability's own mode is the one that carries the energy. m = 0, the box-averaged field, is not a wave
    and is never chosen."""
    if energy.shape[1] < 2:
        raise ReadError("the spectrum holds no mode m >= 1")
    peak = np.nanmax(np.where(np.isfinite(energy[:, 1:]), energy[:, 1:], -np.inf), axis=0)
    return int(np.argmax(peak)) + 1


def growth_from_spectrum(outdir, field="B", mode=None, tolerance=0.1):
    """Growth rate of one mode of `spectrum_<field>` (`read_spectrum`): gamma from the fit of its energy
    E_m(t) ~ exp(2 gamma t) by `theory.fit_growth_rate(..., energy=True, tolerance)`, which chooses the window of
    the linear phase (steady log-slope between the noise floor and saturation). mode=None takes `fastest_mode`.
    Returns {'field', 'mode', 'k' (omega_pe/c), 'gamma' (omega_pe), 'window' (t_start, t_end) in 1/omega_pe,
    'samples' (rows fitted), 'r2' (coefficient of determination of the fit of log E)}. ValueError from the fit
    when the mode shows no exponential growth."""
    time, k, energy = read_spectrum(outdir, field)
    if mode is None:
        mode = fastest_mode(energy)
    elif not 0 <= mode < k.size:
        raise ReadError(f"spectrum_{field} has no mode {mode} (modes 0 .. {k.size - 1})")
    series = energy[:, mode]
    gamma, window, r2 = fit_growth_rate(time, series, energy=True, tolerance=tolerance)
    fitted = (time >= window[0]) & (time <= window[1]) & np.isfinite(series) & (series > 0)
    return {"field": field, "mode": int(mode), "k": float(k[mode]), "gamma": gamma, "window": window,
            "samples": int(fitted.sum()), "r2": r2}


def energy_history(outdir, log=False):
    """Figure of every `energy_*` column of OUTDIR/diags/scalars.h5 (field, kinetic per species, total) against
    time in 1/omega_pe, on a logarithmic energy axis with log=True (non-positive values are then not drawn)."""
    scalars = read_scalars(outdir)
    names = sorted(n for n in scalars if n.startswith("energy_"))
    if not names:
        raise ReadError(f"{scalars_file(outdir)}: no energy_* diagnostics")
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    for name in names:
        ax.plot(scalars["time"], scalars[name], label=name[len("energy_"):])
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(r"$t\,\omega_{pe}$")
    ax.set_ylabel("energy (code units)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    ax.set_title(f"energy history: {outdir}")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------------
# Dispersion diagram
# --------------------------------------------------------------------------------------------------------------

def _line(outdir, field, component, iteration):
    """(f(x), dx, t) of one dump in code units: the record averaged over the transverse axes (the k_perp = 0
    part of the field), dx = gridSpacing along the first axis, t the iteration's time."""
    array, meta = read_mesh(outdir, field, iteration, component)
    line = array.mean(axis=tuple(range(1, array.ndim))) if array.ndim > 1 else array
    return line, meta["spacing"][0] / meta["gridUnitSI"], meta["time"] / meta["timeUnitSI"]


def dispersion(outdir, field="E", component="x"):
    """(k, omega, power) of the field dumps: power[i, j] = |F(k_i, omega_j)|^2 with

        F(k, omega) = sum_n sum_x w_n f(x, t_n) exp(-i k x + i omega t_n),

    f(x, t_n) the record `field`/`component` of dump n averaged over the transverse axes of a 2-D or 3-D mesh
    (so only k_perp = 0 waves, those propagating along the first axis, contribute) and w_n the Hann window over
    the N dumps (the space direction is periodic and needs none). A wave cos(k0 x - omega0 t) peaks at
    (k0, +omega0). k = 2 pi m / L_x for m = 0 .. N_x/2 (omega_pe/c); omega = 2 pi j / (N T) for the dump interval
    T, sorted from -pi/T to pi/T (omega_pe): frequencies above the Nyquist pi/T alias. The dumps must be evenly
    spaced in time."""
    iterations = list_iterations(outdir)
    if len(iterations) < MIN_DUMPS:
        raise ReadError(f"{outdir}: {len(iterations)} field dumps; a dispersion diagram needs at least {MIN_DUMPS}")
    lines, spacings, times = zip(*(_line(outdir, field, component, it) for it in iterations))
    times = np.asarray(times)
    interval = uniform_interval(outdir, times)
    signal = np.asarray(lines) * np.hanning(times.size)[:, None]
    transform = np.fft.ifft(np.fft.rfft(signal, axis=1), axis=0) * times.size
    k = 2.0 * np.pi * np.fft.rfftfreq(signal.shape[1], spacings[0])
    omega = 2.0 * np.pi * np.fft.fftfreq(times.size, interval)
    order = np.argsort(omega)
    return k, omega[order], np.abs(transform[order].T) ** 2


def _edges(centres):
    """Image extent of evenly spaced pixel centres."""
    half = 0.5 * (centres[1] - centres[0]) if centres.size > 1 else 0.5
    return centres[0] - half, centres[-1] + half


def dispersion_figure(k, omega, power, curves=None, title="dispersion"):
    """Figure of |F(k, omega)| = sqrt(power) (`dispersion`) as an image over k (omega_pe/c) and omega (omega_pe),
    on a logarithmic colour scale spanning DYNAMIC_RANGE of its maximum. `curves` maps a legend label to
    (k, omega) arrays drawn on top, e.g. {'Bohm-Gross': (k, theory.langmuir_frequency(k, theta_e))}."""
    amplitude = np.sqrt(power)
    top = amplitude.max()
    fig = _figure((7, 5))
    ax = fig.subplots()
    image = ax.imshow(amplitude.T, origin="lower", aspect="auto", cmap="viridis",
                      extent=[*_edges(k), *_edges(omega)],
                      norm=_log_norm(vmin=DYNAMIC_RANGE * top, vmax=top) if top > 0 else None)
    fig.colorbar(image, ax=ax, label=r"$|F(k,\omega)|$")
    for label, (kc, wc) in (curves or {}).items():
        ax.plot(kc, wc, lw=1.2, ls="--", label=label)
    if curves:
        ax.legend(fontsize="small")
    ax.set_xlim(*_edges(k))
    ax.set_ylim(*_edges(omega))
    ax.set_xlabel(r"$k\,c/\omega_{pe}$")
    ax.set_ylabel(r"$\omega/\omega_{pe}$")
    ax.set_title(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------------
# Phase space
# --------------------------------------------------------------------------------------------------------------

def phase_space_histogram(particles, x="x", p="ux", bins=128):
    """(H, x_edges, p_edges): the histogram of the particles over quantities `x` and `p` (keys of
    `read_particles`), weighted by `weighting`, so that H sums to the number of real particles. `bins` as for
    numpy.histogram2d."""
    for name in (x, p):
        if name not in particles or np.ndim(particles[name]) != 1:
            have = sorted(n for n, v in particles.items() if np.ndim(v) == 1)
            raise ReadError(f"no particle quantity '{name}' (have {', '.join(have)})")
    return np.histogram2d(particles[x], particles[p], bins=bins, weights=particles["weighting"])


def phase_space(outdir, species, x="x", p="ux", iteration=None, bins=128):
    """Figure of the weighted (x, p) histogram of `species` at `iteration` (default: the last dump), p = 'ux' the
    momentum per mass u_x = p_x / m = gamma v_x (units of c); any two quantities of `read_particles` work."""
    particles = read_particles(outdir, species, iteration)
    hist, x_edges, p_edges = phase_space_histogram(particles, x, p, bins)
    fig = _figure((7, 5))
    ax = fig.subplots()
    mesh = ax.pcolormesh(x_edges, p_edges, np.ma.masked_equal(hist.T, 0.0), cmap="magma", shading="flat")
    fig.colorbar(mesh, ax=ax, label="real particles per bin")
    ax.set_xlabel(x)
    ax.set_ylabel(p)
    ax.set_title(f"{species}: {p} against {x} at t = {particles['time']:.4g} "
                 f"(iteration {particles['iteration']})")
    fig.tight_layout()
    return fig


# -- the report page's panels --------------------------------------------------------------------------------

def _two_stream(run):
    """(field, name, gamma(k)) for two cold electron beams drifting at +-u along x, else None. The beams'
    Lorentz factor g scales the cold relativistic dispersion relation: gamma(k) = s gamma_nr(k / s, v0),
    s = g^(-3/2) (`theory.two_stream_cold` is non-relativistic)."""
    from .theory import two_stream_cold

    beams = [s for s in run.deck.get("species", []) if s.get("charge", 0) < 0]
    if len(beams) != 2 or any(s.get("temperature", 0.0) or s.get("temperature_par", 0.0) for s in beams):
        return None
    u = [float(s.get("drift", [0.0])[0]) for s in beams]
    if u[0] == 0.0 or u[0] != -u[1] or any(float(d) for s in beams for d in s.get("drift", [0.0])[1:]):
        return None
    gamma0 = math.sqrt(1.0 + u[0] ** 2)
    v0, scale = abs(u[0]) / gamma0, gamma0 ** -1.5
    return "Ex", "cold two-stream", lambda k: scale * float(two_stream_cold(k / scale, v0))


def _weibel(run):
    """(field, name, gamma(k)) for one anisotropic unmagnetised electron species (T_perp > T_par), else None."""
    from .theory import weibel_growth

    p, species = run.parameters, run.deck.get("species", [])
    if len(species) != 1 or _b0(p) > 0.0:
        return None
    name = species[0]["name"]
    t_par, t_perp = p.get(f"temperature_par_{name}", 0.0), p.get(f"temperature_perp_{name}", 0.0)
    if not 0.0 < t_par < t_perp:
        return None
    return "B", "kinetic Weibel", lambda k: float(weibel_growth(k, t_par, t_perp))


def _b0(parameters):
    return math.sqrt(sum(parameters.get(f"B0_{c}", 0.0) ** 2 for c in "xyz"))


def _growth_panel(run):
    """The growth of the mode that linear theory says grows fastest, against that theory, for the plasmas
    postprocess.theory knows; otherwise the fastest-growing mode's fit alone."""
    from .tf import growth_against_theory, growth_figure

    present = [f for f in SPECTRA if f"spectrum_{f}" in run.spectra]
    if not present:
        return []
    case = _two_stream(run) or _weibel(run)
    try:
        if case is not None and case[0] in present:
            field, name, theory = case
            _, k, _ = read_spectrum(run.outdir, field)
            rates = [theory(kk) for kk in k[1:]]   # the linearly fastest mode, not a faster-growing harmonic
            fit = growth_from_spectrum(run.outdir, field, 1 + int(np.argmax(rates)) if max(rates) > 0 else None)
            comparison = dict(fit, branch=name, omega_theory=complex(0.0, theory(fit["k"])))
        elif _b0(run.parameters) > 0.0 and "B" in present:
            field, comparison = "B", growth_against_theory(run.outdir, "B")
        else:
            field = present[-1]
            fit = growth_from_spectrum(run.outdir, field)
            comparison = dict(fit, branch="no linear theory for this plasma", omega_theory=complex(0.0, math.nan))
    except (ValueError, ReadError) as exc:
        return [Panel("growth rate", None, f"No growth rate: {exc}.")]
    gamma_th = comparison["omega_theory"].imag
    ratio = f"; measured / theory = {comparison['gamma'] / gamma_th:.3f}" if gamma_th > 0 else ""
    t0, t1 = comparison["window"]
    text = (f"spectrum_{field} mode {comparison['mode']} (k = {comparison['k']:.4g} omega_pe/c): measured gamma = "
            f"{comparison['gamma']:.4g} omega_pe over t = {t0:.4g} .. {t1:.4g} (r^2 = {comparison['r2']:.4f}); "
            f"{comparison['branch']}: gamma = {gamma_th:.4g}{ratio}.")
    return [Panel("growth rate against linear theory", growth_figure(run.outdir, comparison, field), text)]


def report_figures(run):
    """The PIC panels of the report page: energy history, growth against linear theory, phase space."""
    panels = []
    if any(name.startswith("energy_") for name in run.scalars):
        panels.append(Panel("energy history", energy_history(run.outdir, log=True),
                            "Field, kinetic and total energy (code units) against t omega_pe."))
    panels += _growth_panel(run)
    if list_iterations(run.outdir) and run.deck.get("pic", {}).get("dump_particles", True):
        for species in run.deck.get("species", [])[:PHASE_SPACE_SPECIES]:
            try:
                figure = phase_space(run.outdir, species["name"], bins=64)
            except ReadError as exc:
                panels.append(Panel(f"phase space: {species['name']}", None, f"No phase space: {exc}."))
                continue
            panels.append(Panel(f"phase space: {species['name']}", figure,
                                "Weighted x-u_x histogram of the last particle dump (u = gamma v in c)."))
    return panels


# -- hpcsim-post subcommands (registered through `postprocess.families`) ----------------------------------------

def cmd_growth(args):
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


def cmd_energy(args):
    save_figure(energy_history(args.outdir, args.log), args.out)


def cmd_dispersion(args):
    k, omega, power = dispersion(args.outdir, args.field, args.component)
    save_figure(dispersion_figure(k, omega, power, title=f"{args.field}_{args.component}: {args.outdir}"), args.out)


def cmd_phase_space(args):
    save_figure(phase_space(args.outdir, args.species, args.x, args.p, args.iteration, args.bins), args.out)


def register(sub):
    """The `hpcsim-post` subcommands of PIC runs: growth, energy, dispersion, phase-space."""
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
