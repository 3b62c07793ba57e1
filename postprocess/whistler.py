"""Oblique whistlers in 2-D field dumps: the magnetic fluctuation energy of a wavenumber band against time, the
(k_x, k_y, omega) power of the dumps, its strongest modes with their propagation angle and frequency, and the
cold-plasma whistler frequency at the same wavevector.

Code units (those of TF-PIC): c = omega_pe = 1, so lengths in d_e = c/omega_pe, frequencies in omega_pe,
B in m_e c omega_pe / e (B_0 = Omega_ce / omega_pe). B_0 lies along the first mesh axis x; the plane of the
mesh holds k = (k_x, k_y), and theta = atan2(k_y, k_x) is the angle between k and B_0.

Whistler branch (electrons, immobile ions, cold; Stix 1992 ch. 1, Appleton-Hartree): with X = omega_pe^2 /
omega^2 and Y = Omega_ce / omega,

    n^2 = k^2 c^2 / omega^2 = 1 - X (1 - X) / (1 - X - Y^2 sin^2(theta) / 2
                                              + sqrt(Y^4 sin^4(theta) / 4 + (1 - X)^2 Y^2 cos^2(theta))),

the root 0 < omega < Omega_ce |cos theta| (for omega < omega_pe; at theta = 0 it is the R mode n^2 = 1 -
X / (1 - Y)). For omega << Omega_ce << omega_pe it tends to omega = Omega_ce k |k_par| d_e^2 / (1 + k^2 d_e^2).
Thermal corrections (k rho_e ~ 1 at beta_e ~ 1-10) lower the frequency by tens of per cent; the cold value
identifies the branch, it is not a prediction to a few per cent.

Spectrum: F(k, omega) = sum_n w_n sum_x B(x, t_n) exp(-i k.x + i omega t_n) with a Hann window w_n over the
dumps in the time window, summed over the three components of B; a wave cos(k.x - omega t) peaks at (k, +omega)
and at (-k, -omega), so the half omega > 0 lists each travelling wave once, with k its direction of propagation.
"""
import math
from typing import NamedTuple

import numpy as np

from .families import save_figure
from .readers import ReadError, list_iterations, read_mesh, read_scalars, uniform_interval

MIN_DUMPS = 8            # dumps needed in the window for a time transform
COMPONENTS = ("x", "y", "z")


def _refractive_index_squared(omega, angle, omega_ce):
    """Appleton-Hartree n^2 of the whistler (upper sign) for electrons in code units (omega_pe = 1)."""
    x, y = 1.0 / omega ** 2, omega_ce / omega
    s2, c2 = math.sin(angle) ** 2, math.cos(angle) ** 2
    root = math.sqrt(0.25 * y ** 4 * s2 ** 2 + (1.0 - x) ** 2 * y ** 2 * c2)
    return 1.0 - x * (1.0 - x) / (1.0 - x - 0.5 * y ** 2 * s2 + root)


def cold_whistler_frequency(k, angle, omega_ce):
    """omega (omega_pe) of the cold whistler at wavenumber k (omega_pe/c) and angle (rad) to B_0, for
    Omega_ce < omega_pe; NaN where the branch does not exist (theta = 90 degrees). The branch runs from
    omega = 0 (n^2 omega^2 -> 0) up to its resonance (n^2 -> infinity) just below Omega_ce |cos theta|: the
    root is the first sign change from k^2 - n^2 omega^2 > 0 to < 0 on a logarithmic grid, refined by brentq."""
    from scipy.optimize import brentq

    top = omega_ce * abs(math.cos(angle))
    if k <= 0 or top <= 1e-12 * omega_ce or omega_ce >= 1.0:
        return math.nan
    grid = np.geomspace(top * 1e-9, top * (1.0 - 1e-12), 4000)
    mismatch = np.array([k ** 2 - w ** 2 * _refractive_index_squared(w, angle, omega_ce) for w in grid])
    crossing = np.flatnonzero((mismatch[:-1] > 0) & (mismatch[1:] <= 0))
    if crossing.size == 0:
        return math.nan
    lo, hi = grid[crossing[0]], grid[crossing[0] + 1]
    return brentq(lambda w: k ** 2 - w ** 2 * _refractive_index_squared(w, angle, omega_ce), lo, hi,
                  xtol=1e-14 * top, rtol=1e-12)


class BDumps(NamedTuple):
    """The magnetic field of a run's dumps in code units: times (M,), b (M, 3, N_x, N_y), spacing (2,) of the
    mesh, and source (the output directory, for messages)."""
    times: np.ndarray
    b: np.ndarray
    spacing: np.ndarray
    source: str


def _dump(outdir, iteration):
    """(B (3, nx, ny) in code units, spacing (2,), time) of one dump."""
    components, meta = [], None
    for c in COMPONENTS:
        array, meta = read_mesh(outdir, "B", iteration, c)
        if array.ndim != 2:
            raise ReadError(f"{outdir}: mesh 'B' is {array.ndim}-D; the oblique-mode analysis needs a 2-D mesh")
        components.append(array / meta["unitSI"])
    if meta["axis_labels"][:2] != ["x", "y"]:
        raise ReadError(f"{outdir}: axes {meta['axis_labels']}; expected x, y (B_0 along x)")
    return np.asarray(components), meta["spacing"] / meta["gridUnitSI"], meta["time"] / meta["timeUnitSI"]


def read_b_dumps(outdir):
    """BDumps of every field dump of OUTDIR, read once for all the analyses below."""
    dumps = [_dump(outdir, it) for it in list_iterations(outdir)]
    if not dumps:
        raise ReadError(f"{outdir}: no field dumps in fields/")
    return BDumps(np.array([t for _, _, t in dumps]), np.stack([b for b, _, _ in dumps]), dumps[0][1], str(outdir))


def in_band(kx, ky, k_band):
    """Wavevectors with k_band[0] <= |k| < k_band[1], k = 0 (the uniform part, B_0) excluded."""
    k_abs = np.hypot(kx, ky)
    return (k_abs >= k_band[0]) & (k_abs < k_band[1]) & (k_abs > 0)


def wavenumbers(shape, spacing):
    """(k_x, k_y) grids (omega_pe/c) of numpy's fft2 ordering for a mesh of `shape` cells of `spacing`."""
    kx = 2.0 * np.pi * np.fft.fftfreq(shape[0], spacing[0])
    ky = 2.0 * np.pi * np.fft.fftfreq(shape[1], spacing[1])
    return np.meshgrid(kx, ky, indexing="ij")


def _energy_history(dumps, select):
    """(t, W) of every dump: W = sum over the wavevectors where select(k_x, k_y) is True of |B_k|^2 / (N_x N_y)^2
    (code units, all three components), the share of the spatial mean of |B - <B>|^2 they carry (Parseval)."""
    inside = select(*wavenumbers(dumps.b.shape[2:], dumps.spacing))
    size = dumps.b[0, 0].size
    energy = [float(np.sum(np.abs(np.fft.fft2(b, axes=(1, 2))[:, inside] / size) ** 2)) for b in dumps.b]
    return dumps.times, np.asarray(energy)


def band_energy(dumps, k_band):
    """(t, W): the mean square magnetic fluctuation carried by k_band[0] <= |k| < k_band[1] (`_energy_history`)."""
    return _energy_history(dumps, lambda kx, ky: in_band(kx, ky, k_band))


def mode_energy(dumps, kx0, ky0):
    """(t, W): the mean square magnetic fluctuation of the Fourier mode nearest (kx0, ky0) and its conjugate,
    one real wave, for a growth-rate fit (`postprocess.theory.fit_growth_rate`, energy=True)."""
    def select(kx, ky):
        nearest = lambda sx, sy: np.hypot(kx - sx, ky - sy) == np.hypot(kx - sx, ky - sy).min()     # noqa: E731
        return nearest(kx0, ky0) | nearest(-kx0, -ky0)
    return _energy_history(dumps, select)


def _series(dumps, window):
    """(times (M,), B (M, 3, N_x, N_y) less its spatial mean, Hann window (M,), dump interval) of the dumps in
    window = (t0, t1) (None: all), which must be evenly spaced."""
    lo, hi = window if window is not None else (-math.inf, math.inf)
    inside = (dumps.times >= lo) & (dumps.times <= hi)
    if np.count_nonzero(inside) < MIN_DUMPS:
        raise ReadError(f"{dumps.source}: {np.count_nonzero(inside)} field dumps in the window {window}; the "
                        f"spectrum needs {MIN_DUMPS}")
    times, b = dumps.times[inside], dumps.b[inside]
    interval = uniform_interval(dumps.source, times)
    return times, b - b.mean(axis=(2, 3), keepdims=True), np.hanning(times.size), interval


def oblique_spectrum(dumps, window=None):
    """(k_x, k_y, omega, power) of the B dumps in window = (t0, t1): k_x, k_y (N_x, N_y) wavenumber grids,
    omega (M,) ascending in omega_pe, power (3, N_x, N_y, M) = |F(k, omega)|^2 of B_x, B_y, B_z (module
    docstring; B_0 and any uniform part removed). The dumps must be evenly spaced; frequencies above
    pi / interval alias."""
    times, b, hann, interval = _series(dumps, window)
    signal = b * hann[:, None, None, None]
    transform = np.fft.ifft(np.fft.fft2(signal, axes=(2, 3)), axis=0) * times.size
    power = np.abs(transform) ** 2                        # (M, 3, N_x, N_y)
    omega = 2.0 * np.pi * np.fft.fftfreq(times.size, interval)
    order = np.argsort(omega)
    kx, ky = wavenumbers(b.shape[2:], dumps.spacing)
    return kx, ky, omega[order], np.moveaxis(power[order], 0, -1)


def right_hand_fraction(dumps, window=None, k_band=(0.0, math.inf)):
    """Share of the band's power of b = B_y + i B_z that rotates with the electrons about B_0 = x (from y to
    z: power of sum_n w_n b(t_n) exp(-i omega t_n) at omega > 0). The whistler is right-hand polarised
    (exactly circular along B_0, elliptical obliquely, still with the electrons); thermal noise gives a share
    set by the plasma's own normal modes, which the control run measures."""
    _, b, hann, _ = _series(dumps, window)
    rotating = np.fft.fft(np.fft.fft2(b[:, 1] + 1j * b[:, 2], axes=(1, 2)) * hann[:, None, None], axis=0)
    power = np.abs(rotating[:, in_band(*wavenumbers(b.shape[2:], dumps.spacing), k_band)]) ** 2
    omega = np.fft.fftfreq(b.shape[0])
    return float(power[omega > 0].sum() / power[omega != 0].sum())


def strongest_modes(kx, ky, omega, power, omega_ce, count=5, k_band=(0.0, math.inf)):
    """The `count` wavevectors in k_band[0] <= |k| < k_band[1] with the most power at omega > 0, strongest
    first: dicts with kx, ky, k, theta (degrees, of k to B_0: below 90 propagates along +B_0), omega
    (power-weighted over the peak and its two neighbours), omega_cold (the cold whistler at that k, theta),
    share (of the band's power at omega > 0) and bz_share (the part of the mode's power in B_z: 1 for a
    non-propagating k-perpendicular mode with E along B_0, the O-mode / Weibel type; about 1/2 or more for a
    parallel circularly polarised wave)."""
    positive = omega > 0
    spectra = power[:, :, :, positive].sum(axis=0)
    totals = np.where(in_band(kx, ky, k_band), spectra.sum(axis=-1), 0.0)
    w = omega[positive]
    modes = []
    for flat in np.argsort(totals, axis=None)[::-1][:count]:
        i, j = np.unravel_index(flat, totals.shape)
        line = spectra[i, j]
        peak = int(np.argmax(line))
        near = slice(max(peak - 1, 0), peak + 2)
        k, angle = float(np.hypot(kx[i, j], ky[i, j])), float(np.arctan2(ky[i, j], kx[i, j]))
        modes.append({"kx": float(kx[i, j]), "ky": float(ky[i, j]), "k": k, "theta": math.degrees(angle),
                      "omega": float(np.sum(w[near] * line[near]) / np.sum(line[near])),
                      "omega_cold": cold_whistler_frequency(k, angle, omega_ce),
                      "share": float(totals[i, j] / totals.sum()),
                      "bz_share": float(power[2, i, j, positive].sum() / line.sum())})
    return modes


def fraction_along(kx, ky, omega, power, sign, k_band=(0.0, math.inf)):
    """Share of the band's power at omega > 0 in waves propagating along sign * B_0 (sign * k_x > 0; k_x = 0
    counts half). Thermal noise fills both directions alike (0.5 within its scatter); whistlers driven by a
    heat flux along B_0 travel with it (Gary et al. 1999; Komarov et al. 2018)."""
    totals = power[:, :, :, omega > 0].sum(axis=(0, -1)) * in_band(kx, ky, k_band)
    weight = np.where(sign * kx > 0, 1.0, np.where(kx == 0, 0.5, 0.0))
    return float(np.sum(totals * weight) / np.sum(totals))


def _figure(size):
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def whistler_figure(t, energy, b0_squared, kx, ky, omega, power, modes, window, title, k_max):
    """Figure: the band's dB^2 / B_0^2 against time (window shaded), and the power at omega > 0 over
    (k_x, k_y) in d_e^-1 up to |k_x|, |k_y| <= k_max with the strongest modes marked."""
    from matplotlib.colors import LogNorm

    fig = _figure((11, 4.2))
    ax, bx = fig.subplots(1, 2)
    ax.semilogy(t[1:], energy[1:] / b0_squared, lw=1)
    ax.axvspan(*window, color="0.85")
    ax.set_xlabel(r"$t\,\omega_{pe}$")
    ax.set_ylabel(r"band $\delta B^2 / B_0^2$")
    ax.set_title(title)
    total = np.fft.fftshift(power[:, :, :, omega > 0].sum(axis=(0, -1)))
    total[total.shape[0] // 2, total.shape[1] // 2] = np.nan
    extent = [kx.min(), kx.max(), ky.min(), ky.max()]
    top = np.nanmax(total)
    image = bx.imshow(total.T, origin="lower", extent=extent, aspect="equal", cmap="viridis",
                      norm=LogNorm(vmin=top * 1e-4, vmax=top))
    fig.colorbar(image, ax=bx, label=r"power at $\omega > 0$")
    bx.plot([m["kx"] for m in modes], [m["ky"] for m in modes], "r+", ms=8)
    bx.set_xlim(-k_max, k_max)
    bx.set_ylim(-k_max, k_max)
    bx.set_xlabel(r"$k_x d_e$ (along $B_0$)")
    bx.set_ylabel(r"$k_y d_e$")
    fig.tight_layout()
    return fig


def cmd_tf_whistler(args):
    from .tf import read_parameters

    parameters = read_parameters(args.outdir)
    omega_ce, rho_e, b0 = parameters["omega_ce"], parameters["gyroradius_e"], parameters["b0"]
    band = (args.band[0] / rho_e, args.band[1] / rho_e)
    dumps = read_b_dumps(args.outdir)
    t, energy = band_energy(dumps, band)
    window = tuple(args.window) if args.window else (0.5 * t[-1], t[-1])
    kx, ky, omega, power = oblique_spectrum(dumps, window)
    modes = strongest_modes(kx, ky, omega, power, omega_ce, args.modes, band)
    early = energy[(t > 0) & (t <= args.noise_until)]
    print(f"{args.outdir}: band {args.band[0]:g}-{args.band[1]:g} / rho_e (|k| d_e = {band[0]:.4g}-{band[1]:.4g}); "
          f"Omega_ce = {omega_ce:.5g} omega_pe, rho_e = {rho_e:.5g} d_e")
    print(f"band dB^2/B0^2: noise {np.median(early) / b0 ** 2:.4g} (median of t <= {args.noise_until:g}), "
          f"maximum {energy.max() / b0 ** 2:.4g} at t = {t[np.argmax(energy)]:.6g}, end {energy[-1] / b0 ** 2:.4g}")
    sign = 1.0
    if args.species:
        scalars = read_scalars(args.outdir)
        within = (scalars["time"] >= window[0]) & (scalars["time"] <= window[1])
        sign = float(np.sign(np.mean(scalars[f"heat_flux_{args.species}"][within])))
    print(f"window t = {window[0]:.6g}-{window[1]:.6g}: right-hand share "
          f"{right_hand_fraction(dumps, window, band):.3f}, share along "
          f"{'the heat flux' if args.species else '+B_0'} ({'+' if sign > 0 else '-'}x) "
          f"{fraction_along(kx, ky, omega, power, sign, band):.3f}")
    print("   k_x d_e   k_y d_e  k rho_e  theta(deg)  omega/Omega_ce  cold whistler  share  B_z share")
    for m in modes:
        print(f"  {m['kx']:8.4f}  {m['ky']:8.4f}  {m['k'] * rho_e:7.3f}  {m['theta']:10.1f}  "
              f"{m['omega'] / omega_ce:14.4f}  {m['omega_cold'] / omega_ce:13.4f}  {m['share']:.3f}  "
              f"{m['bz_share']:9.3f}")
    if args.out:
        save_figure(whistler_figure(t, energy, b0 ** 2, kx, ky, omega, power, modes, window, str(args.outdir),
                                    2.0 * band[1]),
                    args.out)
    return 0


def register(sub):
    """`hpcsim-post tf-whistler`: oblique whistlers in the field dumps of a 2-D TF-PIC run."""
    p = sub.add_parser("tf-whistler", help="TF-PIC: oblique whistler modes in 2-D field dumps (band energy, "
                       "omega-k, polarisation, direction)")
    p.add_argument("outdir")
    p.add_argument("--band", nargs=2, type=float, default=(0.2, 2.0), metavar=("LO", "HI"),
                   help="wavenumber band in 1/rho_e (default 0.2 2)")
    p.add_argument("--window", nargs=2, type=float, metavar=("T0", "T1"),
                   help="time window of the spectrum (default: the second half of the run)")
    p.add_argument("--noise-until", type=float, default=300.0,
                   help="the band energy up to this time is the noise level (default 300)")
    p.add_argument("--species", help="forced species: direction of its heat flux for the propagation share")
    p.add_argument("--modes", type=int, default=5, help="strongest modes listed (default 5)")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_tf_whistler)
