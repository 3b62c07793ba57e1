"""Phase-field (thermomigration) analysis of hpcsim output: numpy, h5py and matplotlib only.

  pfhub_series      the PFHub `time,free_energy` series (CSV) and its log-log plot
  soret_fit         the slope of ln c (and ln(c/(1-c))) against 1/T over a 1-D or N-D field dump (= Q*/R at
                    the Soret steady state; in K when the run wrote T in kelvin)
  precipitate_tracks / track_velocities / size_distribution    diags/precipitates.h5: tracks by particle id,
                    velocity of each by a least-squares line, equivalent radii at one time
  centre_of_mass    the beta-phase centre `beta_centre_<axis>` against time and its drift velocity
"""
from pathlib import Path

import h5py
import numpy as np

from .families import save_figure
from .readers import ReadError, read_mesh, read_scalars


def pfhub_series(outdir):
    """(time, free_energy) arrays of a run."""
    s = read_scalars(outdir)
    if "free_energy" not in s:
        raise ReadError(f"{outdir}: no free_energy diagnostic (not a phasefield run?)")
    return s["time"], s["free_energy"]


def write_pfhub_csv(outdir, path):
    """Write the PFHub `time,free_energy` CSV; returns the number of rows."""
    t, f = pfhub_series(outdir)
    np.savetxt(path, np.column_stack([t, f]), delimiter=",", header="time,free_energy", comments="", fmt="%.10g")
    return t.size


def plot_free_energy(runs, path):
    """Log-log free energy against time of one or more runs ({label: (time, free_energy)})."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for label, (t, f) in runs.items():
        keep = t > 0
        ax.loglog(t[keep], f[keep], label=label)
    ax.set_xlabel("time")
    ax.set_ylabel("free energy")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def soret_fit(outdir, iteration=None):
    """{'slope_ln_c', 'slope_ln_y', 'temperature_unit'}: least-squares slopes of ln c and ln(c / (1 - c))
    against 1/T over every cell of the dump (T in SI kelvin when the run was physical)."""
    c, _ = read_mesh(outdir, "c", iteration)
    temp, meta = read_mesh(outdir, "T", iteration)
    inverse = 1.0 / temp.ravel()
    c = c.ravel()
    return {"slope_ln_c": float(np.polyfit(inverse, np.log(c), 1)[0]),
            "slope_ln_y": float(np.polyfit(inverse, np.log(c / (1.0 - c)), 1)[0]),
            "temperature_unit": "K" if meta["unitDimension"][4] == 1 else "dimensionless"}


def read_precipitates(outdir):
    path = Path(outdir) / "diags" / "precipitates.h5"
    if not path.is_file():
        raise ReadError(f"{path}: no precipitate table (run with phasefield.track_precipitates = true)")
    with h5py.File(path, "r") as f:
        return {name: f[name][...] for name in f}


def precipitate_tracks(outdir):
    """{id: {column: array over time}} of every tracked particle."""
    rows = read_precipitates(outdir)
    out = {}
    for ident in np.unique(rows["id"]):
        keep = rows["id"] == ident
        out[int(ident)] = {name: values[keep] for name, values in rows.items()}
    return out


def track_velocities(outdir, t_min=0.0):
    """{id: (vx, vy, vz)} least-squares velocities of the tracks over t >= t_min (tracks with >= 3 points)."""
    out = {}
    for ident, track in precipitate_tracks(outdir).items():
        keep = track["time"] >= t_min
        if keep.sum() >= 3:
            out[ident] = tuple(float(np.polyfit(track["time"][keep], track[a][keep], 1)[0]) for a in "xyz")
    return out


def size_distribution(outdir, time=None):
    """(time, equivalent radii) of the particles at the diagnostic nearest `time` (default: the last)."""
    rows = read_precipitates(outdir)
    times = np.unique(rows["time"])
    if times.size == 0:
        raise ReadError(f"{outdir}: the precipitate table is empty")
    chosen = times[-1] if time is None else times[np.argmin(np.abs(times - time))]
    return float(chosen), rows["radius"][rows["time"] == chosen]


def centre_of_mass(outdir, axis="x"):
    """(time, beta-phase centre along `axis`, drift velocity by a least-squares line)."""
    s = read_scalars(outdir)
    name = f"beta_centre_{axis}"
    if name not in s:
        raise ReadError(f"{outdir}: no {name} diagnostic (double-well runs with a no-flux axis {axis})")
    t, x = s["time"], s[name]
    velocity = float(np.polyfit(t, x, 1)[0]) if t.size >= 2 else float("nan")
    return t, x, velocity


def plot_tracks(outdir, path):
    """Particle centres (x against time) and equivalent radii against time, one line per particle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    for ident, track in precipitate_tracks(outdir).items():
        a.plot(track["time"], track["x"], label=f"{ident}")
        b.plot(track["time"], track["radius"])
    a.set_xlabel("time")
    a.set_ylabel("centre x")
    b.set_xlabel("time")
    b.set_ylabel("equivalent radius")
    for ax in (a, b):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# -- hpcsim-post subcommands (registered through `postprocess.families`) ----------------------------------------

def cmd_pf_pfhub(args):
    runs = {Path(d).name or d: pfhub_series(d) for d in args.outdirs}
    if args.csv:
        rows = write_pfhub_csv(args.outdirs[0], args.csv)
        print(f"{args.csv}: {rows} rows of time,free_energy")
    for label, (t, f) in runs.items():
        print(f"{label}: F(t={t[0]:g}) = {f[0]:.6g}, F(t={t[-1]:g}) = {f[-1]:.6g}, "
              f"monotone decrease: {bool(np.all(np.diff(f) <= 0))}")
    if args.out:
        plot_free_energy(runs, args.out)


def cmd_pf_soret(args):
    fit = soret_fit(args.outdir, args.iteration)
    unit = " K" if fit["temperature_unit"] == "K" else ""
    print(f"slope of ln c against 1/T: {fit['slope_ln_c']:.6g}{unit}; of ln(c/(1-c)): {fit['slope_ln_y']:.6g}{unit} "
          f"(Q*/R at the Soret steady state)")


def cmd_pf_tracks(args):
    for ident, v in sorted(track_velocities(args.outdir, args.t_min).items()):
        print(f"particle {ident}: velocity ({v[0]:.6g}, {v[1]:.6g}, {v[2]:.6g})")
    if args.out:
        plot_tracks(args.outdir, args.out)


def cmd_pf_sizes(args):
    time, radii = size_distribution(args.outdir, args.time)
    print(f"t = {time:g}: {radii.size} particles, mean radius {radii.mean():.6g}, max {radii.max():.6g}")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.6))
        ax.hist(radii, bins=args.bins)
        ax.set_xlabel("equivalent radius")
        ax.set_ylabel("particles")
        save_figure(fig, args.out)


def cmd_pf_centre(args):
    t, x, velocity = centre_of_mass(args.outdir, args.axis)
    print(f"beta-phase centre {args.axis}: {x[0]:.6g} at t = {t[0]:g} -> {x[-1]:.6g} at t = {t[-1]:g}; "
          f"drift velocity {velocity:.6g}")


def register(sub):
    """The `hpcsim-post` subcommands of phase-field runs: pf-pfhub, pf-soret, pf-tracks, pf-sizes, pf-centre."""
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
