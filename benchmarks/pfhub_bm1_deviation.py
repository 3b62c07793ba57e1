"""The BM1a free energy of every run in one or more `pfhub_bm1.py` result files against the converged reference:
|F/F_ref - 1| against t (log-log), the 1% line that "matching" means, one curve per code and setting.

Run: `python benchmarks/pfhub_bm1_deviation.py benchmarks/results/pfhub_bm1_side_by_side.json
benchmarks/results/pfhub_bm1_fipy_dtmax*.json -o docs/figures/pf_bm1_deviation.png`
"""
import argparse
import json
from pathlib import Path

import numpy as np

from pfhub_bm1 import MATCH, RESULTS


def label(name, run):
    if name.startswith("fipy"):
        return f"FiPy, dt <= {run.get('dt_max', 50.0):g}"
    if name.startswith("hpcsim"):
        return f"hpcsim {run.get('scheme', 'bdf2')}, tol {run.get('tol', 5e-6):g}"
    return name


def curves(paths):
    """{label: (t, |F/F_ref - 1|)} over the sample times each run reached (the reference at the same times)."""
    ref = json.loads((RESULTS / "pfhub_bm1_reference.json").read_text())
    t_ref, f_ref = (np.array(v) for v in zip(*[r[:2] for r in ref["rows"]]))
    out = {}
    for path in paths:
        for name, run in json.loads(Path(path).read_text()).items():
            if name == "reference" or "rows" not in run:
                continue
            t, f = (np.array(v) for v in zip(*[r[:2] for r in run["rows"]]))
            keep = t > 0
            out.setdefault(label(name, run), (t[keep], np.abs(f[keep] / np.interp(t[keep], t_ref, f_ref) - 1.0)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (t, dev) in curves(args.results).items():
        ax.loglog(t, np.maximum(dev, 1e-6), marker=".", label=name)
    ax.axhline(MATCH, color="k", lw=0.8, ls="--")
    ax.set_xlabel("time")
    ax.set_ylabel("|F / F_ref - 1|")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)


if __name__ == "__main__":
    main()
