"""TF-PIC: cost of the thermodynamic forcing in the fused particle step, side by side in one run: the CPU kernel
(`kernels/advance_cpu.advance`, one numba thread) on a 2D block of 128^2 cells x 64 cell-ordered particles per
cell, plain, with velocity-gradient forcing, with temperature-gradient forcing (branch-free series push, flagged
particles redone exactly), with both, and with the relativistically exact temperature forcing
(`forcing_model = "relativistic"`: third-order Taylor substeps of du_par/dt = (h_J - theta - gamma) |g|);
ns per particle for one call, best of 4 interleaved rounds.

Run: `python benchmarks/pic_forcing.py` (about 20 s).
"""
import time

import numpy as np
from scipy.linalg import expm

from hpcsim.pic.forcing import relativistic_k0

CELLS, PPC, DT = 128, 64, 0.035


def setup():
    rng = np.random.default_rng(0)
    n = CELLS * CELLS * PPC
    cx, cy = np.meshgrid(np.arange(CELLS), np.arange(CELLS), indexing="ij")
    x = np.zeros((3, n))
    x[0] = (np.repeat(cx.ravel(), PPC) + rng.random(n)) * 0.1
    x[1] = (np.repeat(cy.ravel(), PPC) + rng.random(n)) * 0.1
    u = 0.1 * rng.standard_normal((3, n))
    shape = (CELLS + 4, CELLS + 4, 1)
    fields = 0.01 * rng.standard_normal((6,) + shape)
    # research-deck strengths: G = 1e-4 omega_pe shear, g = 1/1200 along x, T = 0.01
    G = np.array([[0.0, 1e-4, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    f = np.concatenate([expm(-G * DT / 4).ravel(), [1.0, 0.0, 0.0], [DT / (4 * 1200.0), 1.5 * 0.01]])
    relativistic = f.copy()
    relativistic[-1] = relativistic_k0(0.01)
    return x, u, fields, shape, f, relativistic


def run():
    import numba

    from hpcsim.kernels.pic import advance_cpu
    from hpcsim.kernels.pic.forcing_elements import RELATIVISTIC

    numba.set_num_threads(1)
    x, u, fields, shape, f, relativistic = setup()
    n = x.shape[1]
    inner = (2.000001, 2 + CELLS - 1e-6, 2.000001, 2 + CELLS - 1e-6, -np.inf, np.inf)
    variants = {"plain": (None, False, False), "velocity": (f, True, False), "temperature": (f, False, True),
                "both": (f, True, True), "relativistic": (relativistic, False, RELATIVISTIC)}

    def once(fc, velocity, temperature):
        xs, us, j = x.copy(), u.copy(), tuple(np.zeros(shape) for _ in range(3))
        t0 = time.perf_counter()
        advance_cpu.advance(tuple(fields[:3]), tuple(fields[3:]), j, xs, us, -DT, DT, 0, fc, velocity,
                            temperature, -1.0 / PPC, (10.0, 10.0, 0.0), (2.0, 2.0, 0.0), (0.1, 0.1, 1.0), inner)
        return time.perf_counter() - t0

    for v in variants.values():
        once(*v)                                       # compile or load from the cache
    rounds = [{name: once(*v) for name, v in variants.items()} for _ in range(4)]   # interleaved: load hits all
    best = {name: min(r[name] for r in rounds) * 1e9 / n for name in variants}
    return {"cells": CELLS, "ppc": PPC, "ns_per_particle": best}


def report(r):
    b = r["ns_per_particle"]
    return (f"TF-PIC fused step, 2D {r['cells']}^2 x {r['ppc']} ppc, one thread, ns per particle: "
            + ", ".join(f"{k} {v:.1f}" for k, v in b.items())
            + f"; forcing overhead: velocity {b['velocity'] / b['plain']:.2f}x, temperature "
              f"{b['temperature'] / b['plain']:.2f}x, both {b['both'] / b['plain']:.2f}x, relativistic temperature "
              f"{b['relativistic'] / b['plain']:.2f}x ({b['relativistic'] / b['temperature']:.2f}x the spec's form)")


if __name__ == "__main__":
    print(report(run()))
