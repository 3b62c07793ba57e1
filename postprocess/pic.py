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
import h5py
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .readers import ReadError, list_iterations, read_mesh, read_particles, read_scalars, scalars_file
from .theory import fit_growth_rate

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
    fig = Figure(figsize=(7, 4.5))
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
    steps = np.diff(times)
    interval = float(steps.mean())
    if interval <= 0 or np.ptp(steps) > 1e-6 * interval:
        raise ReadError(f"{outdir}: field dumps are not evenly spaced in time "
                        f"(intervals {steps.min():.6g} .. {steps.max():.6g})")
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
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    image = ax.imshow(amplitude.T, origin="lower", aspect="auto", cmap="viridis",
                      extent=[*_edges(k), *_edges(omega)],
                      norm=LogNorm(vmin=DYNAMIC_RANGE * top, vmax=top) if top > 0 else None)
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
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    mesh = ax.pcolormesh(x_edges, p_edges, np.ma.masked_equal(hist.T, 0.0), cmap="magma", shading="flat")
    fig.colorbar(mesh, ax=ax, label="real particles per bin")
    ax.set_xlabel(x)
    ax.set_ylabel(p)
    ax.set_title(f"{species}: {p} against {x} at t = {particles['time']:.4g} "
                 f"(iteration {particles['iteration']})")
    fig.tight_layout()
    return fig
