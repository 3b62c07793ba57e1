"""`hpcsim-post`: look at an hpcsim output directory without hpcsim installed.

  hpcsim-post info OUTDIR                      iterations, meshes, scalar diagnostics, mode spectra
  hpcsim-post plot OUTDIR --out FIG.png        scalar time series + a mesh (default: first mesh, last iteration)
  hpcsim-post scalars OUTDIR [--csv FILE]      the scalar time series as CSV (stdout or FILE)
  hpcsim-post report OUTDIR... [-o FILE]       one self-contained HTML page per run (default OUTDIR/report.html):
                                               log summary, parameters, deck, the family's standard figures,
                                               every scalar's history, the last fields

Each solver family registers its own subcommands (`postprocess.families`: `register(sub)` in its module):
  pic (postprocess.pic)                 growth, energy, dispersion, phase-space
  thermodynamic forcing (postprocess.tf)   tf-moments, tf-heat-flux, tf-anisotropy, tf-growth
  chemotaxis (postprocess.chemotaxis)   chemotaxis-history, -growth, -sweep, -layer, -profiles
  phase field (postprocess.phasefield)  pf-pfhub, pf-soret, pf-tracks, pf-sizes, pf-centre
`hpcsim-post COMMAND --help` gives each one's options.

A missing directory, file, iteration, mesh, species or dataset is one line on stderr and exit status 2; a mode
spectrum without exponential growth (`growth`) is one line and exit status 1.
"""
import argparse
import sys

import h5py
import numpy as np

from .families import register_commands
from .readers import ReadError, list_iterations, list_meshes, read_scalars, scalars_file

RESERVED = ("step", "time")


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
    register_commands(sub)
    return ap


def main(argv=None):
    """Entry point of `hpcsim-post`; returns the exit status (0, or 2 for a missing or unreadable input)."""
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (ReadError, OSError) as exc:
        sys.stderr.write(f"hpcsim-post: error: {exc}\n")
        return 2
