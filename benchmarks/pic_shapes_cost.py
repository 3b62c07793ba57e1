"""Cost of the PIC step against the particle shape (pic.shape 1, 2, 3), measured side by side in one process.

A 2D3V thermal plasma (64^2 cells, 64 particles per cell, Vay, no forcing) per shape; the three runs interleaved
5 times x 5 steps; the best ns per particle-step of each and its ratio to the linear shape. The first step of each
shape compiles its fused kernel (seconds; numba's disk cache keeps it), reported as `first step`.

Run with one numba thread: `NUMBA_NUM_THREADS=1 python benchmarks/pic_shapes_cost.py [--json out.json]`.
"""
import argparse
import json
import time

import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.deck import ghost_for
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian, quiet_start

CELLS, PPC, DT = 64, 64, 0.035


def plasma(order):
    """The thermal plasma with particle shape `order`, one step taken (compiling it) and sorted; the seconds of
    that first step."""
    mesh = Mesh.create(Comm(), (CELLS, CELLS), (0.1 * CELLS, 0.1 * CELLS), "periodic", ghost=ghost_for(order))
    x = quiet_start(mesh, PPC)
    u = bi_maxwellian(np.random.default_rng(0), x.shape[1], 1.0, 0.01, 0.01, symmetric=True)
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(x.shape[1]), qw=-1.0 / PPC)
    pic = PIC(mesh, CPUBackend(), [electrons], background=1.0, shape=order)
    t = time.perf_counter()
    pic.step(DT)
    first = time.perf_counter() - t
    pic.sort()
    return pic, first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    pics, first = {}, {}
    for order in (1, 2, 3):
        pics[order], first[order] = plasma(order)
    n = CELLS * CELLS * PPC
    best = {order: np.inf for order in pics}
    for _ in range(5):
        for order, pic in pics.items():
            t = time.perf_counter()
            for _ in range(5):
                pic.step(DT)
            best[order] = min(best[order], (time.perf_counter() - t) / 5 / n * 1e9)
    rows = [{"shape": o, "ns_per_particle_step": best[o], "ratio": best[o] / best[1], "first_step_s": first[o]}
            for o in pics]
    for r in rows:
        print(f"shape {r['shape']}: {r['ns_per_particle_step']:.1f} ns per particle-step "
              f"({r['ratio']:.2f} x linear); first step {r['first_step_s']:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cells": CELLS, "ppc": PPC, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
