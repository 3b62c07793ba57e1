"""`hpcsim-post`: look at an hpcsim output directory without hpcsim installed.

  hpcsim-post info OUTDIR                      iterations, meshes, scalar diagnostics
  hpcsim-post plot OUTDIR --out FIG.png        scalar time series + a mesh (default: first mesh, last iteration)
  hpcsim-post scalars OUTDIR [--csv FILE]      the scalar time series as CSV (stdout or FILE)

A missing directory, file, iteration or mesh is one line on stderr and exit status 2.
"""
import argparse
import sys

import numpy as np

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
    else:
        print("  scalar diagnostics: none")


def cmd_plot(args):
    from .plots import summary_figure

    print(summary_figure(args.outdir, args.out, args.mesh, args.iteration))


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
    return ap


def main(argv=None):
    """Entry point of `hpcsim-post`; returns the exit status (0, or 2 for a missing or unreadable input)."""
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except (ReadError, OSError) as exc:
        sys.stderr.write(f"hpcsim-post: error: {exc}\n")
        return 2
    return 0
