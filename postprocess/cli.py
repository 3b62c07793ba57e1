"""`hpcsim-post`: look at an hpcsim output directory without hpcsim installed.

  hpcsim-post info OUTDIR                      iterations, meshes, scalar diagnostics
  hpcsim-post plot OUTDIR --out FIG.png        scalar time series + a mesh (default: first mesh, last iteration)
  hpcsim-post scalars OUTDIR [--csv FILE]      the scalar time series as CSV (stdout or FILE)
"""
import argparse
import sys

import numpy as np

from .readers import ReadError, list_iterations, list_meshes, read_scalars


def cmd_info(args):
    iterations = list_iterations(args.outdir)
    print(f"{args.outdir}")
    if iterations:
        print(f"  field iterations: {len(iterations)} ({iterations[0]} .. {iterations[-1]})")
        print(f"  meshes: {', '.join(list_meshes(args.outdir))}")
    scalars = read_scalars(args.outdir)
    print(f"  scalar rows: {len(scalars['step'])}; diagnostics: {', '.join(n for n in scalars if n not in ('step', 'time'))}")


def cmd_plot(args):
    from .plots import summary_figure

    print(summary_figure(args.outdir, args.out, args.mesh, args.iteration))


def cmd_scalars(args):
    scalars = read_scalars(args.outdir)
    names = ["step", "time"] + sorted(n for n in scalars if n not in ("step", "time"))
    table = np.column_stack([scalars[n] for n in names])
    out = open(args.csv, "w") if args.csv else sys.stdout
    try:
        out.write(",".join(names) + "\n")
        np.savetxt(out, table, delimiter=",", fmt="%.17g")
    finally:
        if args.csv:
            out.close()


def main(argv=None):
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
    args = ap.parse_args(argv)
    try:
        args.func(args)
    except ReadError as exc:
        sys.stderr.write(f"hpcsim-post: error: {exc}\n")
        sys.exit(2)
