"""TF-PIC cost per particle and step: a thermal 2D3V electron plasma with 64 particles per cell (Debye-length
cells, theta_e = 0.01), full step (gather, Vay push, Esirkepov deposit with the periodic wrap, ghost sums, Yee
update) against the push alone, measured in the same run on one core (one numba thread).

Run: `python benchmarks/pic_step.py [--cells 128] [--steps 20]`.
"""
import argparse
import math
import time

import numba
import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.kernels import pic_cpu
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, bi_maxwellian, quiet_start


def run(cells=128, steps=20, ppc=64):
    numba.set_num_threads(1)
    mesh = Mesh.create(Comm(), (cells, cells), (0.1 * cells, 0.1 * cells), "periodic", ghost=2)
    x = quiet_start(mesh, ppc)
    u = bi_maxwellian(np.random.default_rng(0), x.shape[1], 1.0, 0.01, 0.01, symmetric=True)
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(x.shape[1]), qw=-1.0 / ppc)
    pic = PIC(mesh, CPUBackend(), [electrons], background=1.0)
    dt = 0.5 * 0.1 / math.sqrt(2)
    pic.step(dt)                                   # compile
    n = x.shape[1]
    t0 = time.perf_counter()
    for _ in range(steps):
        pic.step(dt)
    full = (time.perf_counter() - t0) / steps / n
    xs, us = electrons.x.copy(), electrons.u.copy()
    t0 = time.perf_counter()
    for _ in range(steps):
        pic_cpu.push_and_move(xs, us, electrons.e, electrons.b, -dt, dt, 0)
    push = (time.perf_counter() - t0) / steps / n
    return {"cells": cells, "particles": n, "threads": numba.get_num_threads(),
            "ns_per_particle_step": 1e9 * full, "push_ns_per_particle": 1e9 * push}


def report(r):
    return "\n".join([
        f"TF-PIC 2D3V thermal plasma, {r['cells']}^2 cells x 64 particles per cell ({r['particles']:,} particles), "
        f"{r['threads']} numba thread(s)",
        f"  full step : {r['ns_per_particle_step']:7.1f} ns per particle-step",
        f"  push only : {r['push_ns_per_particle']:7.1f} ns per particle-step",
    ])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    print(report(run(a.cells, a.steps)))
