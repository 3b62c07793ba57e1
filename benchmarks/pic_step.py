"""TF-PIC cost per particle and step: a thermal 2D3V electron plasma with 64 particles per cell (Debye-length
cells, theta_e = 0.01), full step (gather, Vay push and Esirkepov deposit fused in one kernel, migration with
the periodic wrap, ghost sums, Yee update) beside the push alone, measured in the same run. On the CPU it runs
on 1 rank and on 2 ranks (one numba thread each, each rank half the box), launched side by side from this
process (`mpiexec -n 1`, then `-n 2`), and reports the speed-up; `--backend gpu` runs one rank on the GPU
(CuPy arrays, numba.cuda kernels; the device is synchronised before each clock stops).

The timed steps sort the particles by cell every `--sort-every` steps (default 50, the deck default
pic.sort_every), the sorts' cost included, over `--steps` (default 100) steps from a cell-ordered start: the
steady state of a long run, whose particles would otherwise lose the cell order (with `--sort-every 0` the
slowdown of an unsorted run shows: on a 256^2 block, 41 -> 48 ns within 200 steps, 2x when fully mixed).

Particle shapes (pic.shape): `--shapes 1,2,3` (the default) times the full step of each order on 1 rank side by
side in the same run (the 2-rank run and the push alone use the linear shape).

Run: `python benchmarks/pic_step.py [--cells 128] [--steps 100] [--sort-every 50] [--shapes 1,2,3]
[--backend cpu|gpu]`. The worker mode (`--worker`) is what mpiexec launches.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PPC = 64


def worker(cells, steps, backend_name, sort_every, shape=1):
    import numba
    import numpy as np

    from hpcsim.backend import create_backend
    from hpcsim.mesh import Mesh
    from hpcsim.parallel import Comm
    from hpcsim.pic.deck import ghost_for
    from hpcsim.pic.engine import PIC
    from hpcsim.pic.species import Species, bi_maxwellian, quiet_start

    comm = Comm()
    backend = create_backend(backend_name, comm.rank)
    xp = backend.xp
    mesh = Mesh.create(comm, (cells, cells), (0.1 * cells, 0.1 * cells), "periodic",
                       ghost=ghost_for(shape))
    x = quiet_start(mesh, PPC)
    u = bi_maxwellian(np.random.default_rng(comm.rank), x.shape[1], 1.0, 0.01, 0.01, symmetric=True)
    ids = np.arange(x.shape[1]) + comm.rank * x.shape[1]
    electrons = Species("electrons", -1.0, 1.0, xp.asarray(x), xp.asarray(u), xp.asarray(ids), qw=-1.0 / PPC)
    pic = PIC(mesh, backend, [electrons], background=1.0, shape=shape)
    dt = 0.5 * 0.1 / math.sqrt(2)
    pic.step(dt)                                   # compile, first touch (and, on several ranks, the
    pic.step(dt)                                   # spare columns the migration gives the particle arrays)
    if sort_every:
        pic.sort()                                 # compile, first touch of the sort's scratch
    backend.synchronize()
    comm.barrier()
    t0 = time.perf_counter()
    for step in range(steps):
        if sort_every and step % sort_every == 0:
            pic.sort()
        pic.step(dt)
    backend.synchronize()
    comm.barrier()
    full = (time.perf_counter() - t0) / steps
    # the push alone (the step fuses it with gather and deposit): on the fields gathered at the particles
    for c in (*pic.fields.e, *pic.fields.b):
        mesh.fill_ghosts(c)
    e, b = xp.empty_like(electrons.x), xp.empty_like(electrons.x)
    backend.kernels("pic.gather").gather(pic.fields.e, pic.fields.b, e, b, electrons.x, pic.inv_h, pic.shift)
    push_k, (xs, us) = backend.kernels("pic.pic"), (electrons.x.copy(), electrons.u.copy())
    push_k.push_and_move(xs, us, e, b, -dt, dt, 0)
    backend.synchronize()
    comm.barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        push_k.push_and_move(xs, us, e, b, -dt, dt, 0)
    backend.synchronize()
    comm.barrier()
    push = (time.perf_counter() - t0) / steps
    n = comm.allreduce(int(electrons.x.shape[1]))
    if comm.is_root:
        print(json.dumps({"ranks": comm.size, "particles": n, "threads": numba.get_num_threads(), "shape": shape,
                          "device": backend.device, "ns_per_particle_step": 1e9 * full / n,
                          "push_ns_per_particle": 1e9 * push / n}))


def launch(nprocs, cells, steps, backend="cpu", sort_every=50, shape=1):
    """Run the worker on `nprocs` ranks (one rank: a plain process, MPI as a singleton, so that a GPU machine
    without an mpiexec of its own can run it)."""
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, __file__, "--worker", "--cells", str(cells), "--steps", str(steps), "--backend",
               backend, "--sort-every", str(sort_every), "--shape", str(shape)]
    if nprocs > 1:
        mpiexec = Path(sys.executable).parent / "mpiexec"
        command = [str(mpiexec if mpiexec.exists() else shutil.which("mpiexec")), "-n", str(nprocs), *command]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(cells=128, steps=100, backend="cpu", sort_every=50, shapes=(1, 2, 3)):
    common = {"cells": cells, "backend": backend, "steps": steps, "sort_every": sort_every}
    higher = {s: launch(1, cells, steps, backend, sort_every, s) for s in shapes if s != 1}
    common["shapes"] = {s: o["ns_per_particle_step"] for s, o in higher.items()}
    if backend == "gpu":
        one = launch(1, cells, steps, "gpu", sort_every)
        common["shapes"][1] = one["ns_per_particle_step"]
        return {**common, "one_rank": one}
    one, two = launch(1, cells, steps, sort_every=sort_every), launch(2, cells, steps, sort_every=sort_every)
    common["shapes"][1] = one["ns_per_particle_step"]
    return {**common, "one_rank": one, "two_ranks": two,
            "speedup": one["ns_per_particle_step"] / two["ns_per_particle_step"]}


def report(r):
    lines = [f"TF-PIC 2D3V thermal plasma, {r['cells']}^2 cells x {PPC} particles per cell "
             f"({r['one_rank']['particles']:,} particles), ns per particle-step (wall time / all particles), "
             f"{r['steps']} steps, " + (f"sorted every {r['sort_every']} steps (included)" if r["sort_every"]
                                        else "never sorted")]
    runs = [("1 rank", r["one_rank"])] + ([("2 ranks", r["two_ranks"])] if "two_ranks" in r else [])
    for name, o in runs:
        lines.append(f"  {name:8s} ({o['device']}, {o['threads']} numba thread(s) each): full step "
                     f"{o['ns_per_particle_step']:7.1f}, push only {o['push_ns_per_particle']:6.1f}")
    if "speedup" in r:
        lines.append(f"  2 ranks vs 1: {r['speedup']:.2f} x")
    shapes = sorted(r.get("shapes", {}))
    if len(shapes) > 1:
        base = r["shapes"][1] if 1 in r["shapes"] else r["shapes"][shapes[0]]
        lines.append("  full step by particle shape (1 rank): " + ", ".join(
            f"shape {s}: {r['shapes'][s]:.1f} ns ({r['shapes'][s] / base:.2f} x)" for s in shapes))
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=128)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--sort-every", type=int, default=50)
    ap.add_argument("--backend", choices=("cpu", "gpu"), default="cpu")
    ap.add_argument("--shapes", default="1,2,3", help="particle shape orders timed side by side")
    ap.add_argument("--shape", type=int, default=1, help="(worker) the particle shape order")
    ap.add_argument("--worker", action="store_true")
    a = ap.parse_args()
    if a.worker:
        worker(a.cells, a.steps, a.backend, a.sort_every, a.shape)
    else:
        print(report(run(a.cells, a.steps, a.backend, a.sort_every, tuple(int(v) for v in a.shapes.split(",")))))
