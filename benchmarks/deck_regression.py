"""Do the decks of decks/ give the same scalars as another version of hpcsim? (A refactoring check.)

    python benchmarks/deck_regression.py run OUTROOT [--steps 20] [--python PY] [--np 1] [--pic-set KEY=VALUE]
    python benchmarks/deck_regression.py compare OUTROOT_A OUTROOT_B

`run` runs every deck under decks/ (time-dependent ones cut to --steps steps: run.steps=N, run.t_end=0) with the
`hpcsim` that PY imports, one directory per deck; `compare` reads both sets of diags/scalars.h5 and prints, per
deck, the largest relative difference of every common diagnostic (0 means bit for bit) and the diagnostics that
only one side has. Run it from two checkouts (e.g. a `git worktree` of the older commit with its own venv).
`--pic-set` adds an override to the PIC decks only (`pic.loading_rng=per_rank` reproduces the random loading
of versions before the counter-based generator).
"""
import argparse
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def run(args):
    out = Path(args.outroot)
    decks = sorted(p for p in (ROOT / "decks").rglob("*.toml") if not p.stem.startswith("dcdm_train"))  # runs only
    for deck in decks:
        name = f"{deck.parent.name}_{deck.stem}"
        overrides = ["--set", f"run.steps={args.steps}", "--set", "run.t_end=0"]
        if deck.parent.name in ("pic", "tf"):
            overrides += [x for item in args.pic_set for x in ("--set", item)]
        cmd = [args.python, "-m", "hpcsim", "run", str(deck), "-o", str(out / name), "--overwrite"]
        if args.np > 1:
            cmd = ["mpiexec", "-n", str(args.np), args.python, "-m", "mpi4py", "-m", "hpcsim", "run", str(deck),
                   "-o", str(out / name), "--overwrite"]
        done = subprocess.run(cmd + overrides, capture_output=True, text=True)
        if done.returncode != 0 and "poisson" in done.stderr + done.stdout:   # one-shot solves take no steps
            done = subprocess.run(cmd, capture_output=True, text=True)
        print(f"{name:40s} exit {done.returncode} {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}",
              flush=True)


def scalars(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][...] for k in f}


def compare(args):
    a_root, b_root = Path(args.a), Path(args.b)
    worst = 0.0
    for a_dir in sorted(p for p in a_root.iterdir() if (p / "diags" / "scalars.h5").exists()):
        b_file = b_root / a_dir.name / "diags" / "scalars.h5"
        if not b_file.exists():
            print(f"{a_dir.name:40s} missing in {b_root}")
            continue
        a, b = scalars(a_dir / "diags" / "scalars.h5"), scalars(b_file)
        common = sorted(set(a) & set(b))
        diffs = {}
        for k in common:
            x, y = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
            if x.shape != y.shape:
                diffs[k] = np.inf
                continue
            scale = np.maximum(np.abs(x), np.abs(y))
            rel = np.where(scale > 0, np.abs(x - y) / np.where(scale > 0, scale, 1), 0.0)
            rel = np.where(np.isnan(x) & np.isnan(y), 0.0, rel)
            diffs[k] = float(np.max(rel)) if rel.size else 0.0
        timing = {k for k in common if k.endswith("_seconds")}
        physics = {k: v for k, v in diffs.items() if k not in timing}
        top = max(physics.values(), default=0.0)
        worst = max(worst, top)
        only = sorted(set(a) ^ set(b))
        rows = len(a["step"])
        print(f"{a_dir.name:40s} rows {rows:4d}  max rel diff {top:.3g}"
              + (f"  (timings differ: {sorted(timing)})" if timing else "")
              + (f"  only on one side: {only}" if only else ""))
    print(f"largest relative difference over all decks (timings excluded): {worst:.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("outroot")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--np", type=int, default=1)
    p.add_argument("--pic-set", action="append", default=[], metavar="KEY=VALUE")
    p.set_defaults(func=run)
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=compare)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
