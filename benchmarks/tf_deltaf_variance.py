"""What a delta-f (weighted) scheme would buy for a temperature-forced TF-PIC run (issue 17, docs/tf_results.md
section 2f): the variance of the weights w = (f - f0) / f that markers sampling f would carry against a fixed
Maxwell-Juttner background f0 at the initial temperature, from each checkpoint's electrons.

A delta-f estimate of a moment or a field has the variance of the full-f one times <w^2> (markers distributed as
f), so its numerical collisionality is about <w^2> nu_num: the noise reduction at equal particle count is
1 / <w^2>. Estimated on a histogram of (u_par, |u_perp|), 80 x 40 bins over |u_par| < 8 sqrt(theta), |u_perp| <
8 sqrt(theta):

    <w^2> = sum_bins (f_i - f0_i)^2 / f_i - (occupied bins) / N

(the last term removes the histogram's own counting noise, which adds about 1/N per occupied bin); f0_i by
quadrature of exp(-(gamma - 1) / theta) 2 pi u_perp over the bin. Particles beyond the histogram are counted
apart (their w is close to 1).

    python benchmarks/tf_deltaf_variance.py runs/l8 --theta 0.1
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from postprocess.whistler_growth import _checkpoints, checkpoint_momenta  # noqa: E402

SPAN, BINS_PAR, BINS_PERP, SUB = 8.0, 80, 40, 16


def juttner_bin_probabilities(theta, edges_par, edges_perp):
    """Probability of each (u_par, |u_perp|) bin under the isotropic Maxwell-Juttner distribution."""
    fine = [np.linspace(e[0], e[-1], (len(e) - 1) * SUB + 1) for e in (edges_par, edges_perp)]
    c_par, c_perp = (0.5 * (f[1:] + f[:-1]) for f in fine)
    gamma = np.sqrt(1.0 + c_par[:, None] ** 2 + c_perp[None, :] ** 2)
    p = np.exp(-(gamma - 1.0) / theta) * c_perp[None, :]
    p = p.reshape(len(edges_par) - 1, SUB, len(edges_perp) - 1, SUB).sum(axis=(1, 3))
    return p / p.sum()


def weight_variance(u, theta):
    """(<w^2>, fraction of particles outside the histogram) for momenta u (3, N) against Juttner(theta)."""
    width = SPAN * math.sqrt(theta)
    edges_par, edges_perp = np.linspace(-width, width, BINS_PAR + 1), np.linspace(0.0, width, BINS_PERP + 1)
    u_par, u_perp = u[0] - u[0].mean(), np.hypot(u[1], u[2])
    h = np.histogram2d(u_par, u_perp, [edges_par, edges_perp])[0] / u_par.size
    f0 = juttner_bin_probabilities(theta, edges_par, edges_perp)
    occupied = h > 0
    w2 = float(np.sum((h[occupied] - f0[occupied]) ** 2 / h[occupied])) - occupied.sum() / u_par.size
    return w2, float(1.0 - h.sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path, help="output directory of a TF-PIC run with checkpoints")
    ap.add_argument("--theta", type=float, required=True, help="the background temperature T / m c^2")
    ap.add_argument("--species", default="electrons")
    args = ap.parse_args()
    print(f"{args.outdir}: delta-f weights against Juttner(theta = {args.theta:g})")
    print("      t     <w^2>   noise reduction 1/<w^2>   outside the histogram")
    for path in _checkpoints(args.outdir, None):
        u, t = checkpoint_momenta(path, args.species)
        w2, outside = weight_variance(u, args.theta)
        print(f"{t:7.0f}   {w2:7.4f}   {1.0 / w2:10.1f}               {outside:.1e}")


if __name__ == "__main__":
    main()
