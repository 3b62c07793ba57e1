"""Memory and disk a run needs, estimated from its deck before anything is allocated.

Memory per rank = BASE_BYTES (interpreter, numba, MPI) + 8 bytes x GRID_ARRAYS[family] (+ MULTIGRID_ARRAYS
with a multigrid preconditioner) per cell of the rank's largest block including its ghost layers +
PARTICLE_BYTES per particle it loads. The counts are the measured slopes of the peak resident set size (GNU
time's maxrss) of one-rank runs on 512^2 and 1536^2 meshes (and 64^2 with 16 and 1024 particles per cell),
with a field dump and a checkpoint, rounded up: they hold the state, the solver's work vectors, the particles'
spare room and sort scratch, and the transient copies of the output. Disk = the run's checkpoints
(checkpoint_keep + 1 exist at once while a new one is written) + the field dumps + the scalar rows.

`hpcsim check` prints the estimate; `hpcsim run` compares it, before any rank allocates, with the memory
available on the node (MemAvailable, or the cgroup limit of the job if lower) for the ranks placed there and
with the free space of the output file system: exit 2 when it cannot fit, a warning above WARN_FRACTION.
"""
import math
import os
import shutil
from dataclasses import dataclass

from .errors import InputError
from .io.outdir import nearest_existing

BASE_BYTES = 256 << 20
GRID_ARRAYS = {"poisson": 28, "diffusion": 11, "pic": 16}
MULTIGRID_ARRAYS = 7
PARTICLE_BYTES = 224
PARTICLE_FILE_BYTES = {"checkpoint": 7 * 8, "dump": 8 * 8}      # x, u, id / position, momentum, id, weighting
STATE_FIELDS = {"poisson": 1, "diffusion": 1, "pic": 6}
RECORDS = {"poisson": 3, "diffusion": 1, "pic": 10}
SCALAR_ROW_BYTES = 8 * 200
WARN_FRACTION = 0.8


@dataclass
class Estimate:
    rank_bytes: int          # the rank with the largest block
    total_bytes: int         # all ranks
    disk_bytes: int          # the whole run's output
    checkpoint_bytes: int    # one checkpoint
    dominant: str            # the deck key that sets most of the memory

    def lines(self, nranks):
        return [f"memory: {gib(self.rank_bytes)} per rank (largest block), {gib(self.total_bytes)} on {nranks} "
                f"rank(s); disk: {gib(self.disk_bytes)} of output ({gib(self.checkpoint_bytes)} per checkpoint)"]


def gib(n):
    return f"{n / 2**30:.3g} GiB"


def estimate(deck, dims):
    """The `Estimate` of a validated deck run on the process grid `dims`."""
    mesh, run, out = deck["mesh"], deck["run"], deck["output"]
    shape, ghost = mesh["shape"], deck.spec.ghost
    cells = math.prod(shape)
    block = [math.ceil(n / d) for n, d in zip(shape, dims)]
    block_cells = math.prod(n + 2 * ghost for n in block)
    arrays = GRID_ARRAYS.get(deck.family, max(GRID_ARRAYS.values()))
    if deck.data.get("solver", {}).get("preconditioner") == "multigrid":
        arrays += MULTIGRID_ARRAYS
    ppc = sum(s["particles_per_cell"] for s in deck.data.get("species", []))
    rank = BASE_BYTES + 8 * arrays * block_cells + PARTICLE_BYTES * ppc * math.prod(block)
    nranks = math.prod(dims)
    total = BASE_BYTES * nranks + 8 * arrays * math.ceil(block_cells / math.prod(block) * cells) \
        + PARTICLE_BYTES * ppc * cells
    checkpoint = 8 * STATE_FIELDS.get(deck.family, 1) * cells + PARTICLE_FILE_BYTES["checkpoint"] * ppc * cells
    dump = 8 * RECORDS.get(deck.family, 1) * cells
    if deck.data.get("pic", {}).get("dump_particles"):
        dump += PARTICLE_FILE_BYTES["dump"] * ppc * cells
    dumps = outputs(run, out, "fields")
    checkpoints = out["checkpoint_keep"] + 1
    disk = checkpoints * checkpoint + dumps * dump + SCALAR_ROW_BYTES * outputs(run, out, "diag")
    particles = PARTICLE_BYTES * ppc * math.prod(block)
    dominant = "species.particles_per_cell" if particles > 8 * arrays * block_cells else "mesh.shape"
    return Estimate(rank, total, disk, checkpoint, dominant)


def outputs(run, out, name):
    """How many times output `name` (diag, fields) is written: by step count and by simulation time, plus the
    first and the last (an adaptive run without a step cap counts its time-based outputs only)."""
    count = 2
    if out[f"{name}_every"] and run["steps"]:
        count += run["steps"] // out[f"{name}_every"]
    if out[f"{name}_interval"] and run.get("t_end"):
        count += math.ceil(run["t_end"] / out[f"{name}_interval"])
    return count


def node_memory():
    """Bytes of memory a job may still use on this node: MemAvailable, or the cgroup v2 limit if lower."""
    available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read())
        if limit != "max":
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def check_fits(est, ranks_on_node, outdir):
    """Raise InputError if the ranks on this node cannot fit in its memory or the output in the free space
    of `outdir`'s file system; return warnings for what is close (above WARN_FRACTION)."""
    warnings = []
    need, have = est.rank_bytes * ranks_on_node, node_memory()
    what = (f"needs about {gib(need)} for {ranks_on_node} rank(s) on this node ({gib(est.rank_bytes)} each: "
            f"fields, particles with spare room, solver work), {gib(have)} available")
    if need > have:
        raise InputError(f"the run {what}: use more nodes or a coarser mesh / fewer particles per cell", est.dominant)
    if need > WARN_FRACTION * have:
        warnings.append(f"memory: the run {what}")
    base = nearest_existing(outdir)
    free = shutil.disk_usage(base).free
    what = f"about {gib(est.disk_bytes)} of output, {gib(free)} free on the file system of {base}"
    if est.disk_bytes > free:
        raise InputError(f"the run writes {what}: lower output.fields_every or output.checkpoint_keep, or choose "
                         f"another directory", "output.dir")
    if est.disk_bytes > WARN_FRACTION * free:
        warnings.append(f"disk: the run writes {what}")
    return warnings
