"""The deck sections every family shares: [run], [mesh], [output]."""
import re

from ..errors import InputError
from ..mesh import parse_boundaries
from .schema import Key, Section


def _duration(value, where):
    """Seconds from a number or a Slurm-style 'D-HH:MM:SS' / 'HH:MM:SS' / 'MM:SS' string; 0 = no limit."""
    if isinstance(value, bool):
        raise InputError(f"must be seconds or 'HH:MM:SS', got {value!r}", where)
    if isinstance(value, (int, float)):
        if value < 0 or value != value or value == float("inf"):
            raise InputError(f"must be a finite number of seconds >= 0, got {value}", where)
        return float(value)
    m = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)", str(value).strip())
    if not m:
        raise InputError(f"must be seconds or 'HH:MM:SS', got {value!r}", where)
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def _boundary_shape(value, where):
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, list)) for v in value):
        return value
    raise InputError(f"must be a kind or a list with one kind (or [low, high] pair) per axis, got {value!r}", where)


RUN = Section("run", "Time stepping and execution.", [
    Key("steps", "int", 0, "Number of time steps (0: derive from t_end / dt; with an adaptive step, the most "
        "steps to take, 0: no limit).", minimum=0),
    Key("t_end", "float", 0.0, "End time in the family's time unit (0: use steps).", minimum=0.0),
    Key("dt", "float", None, "Time step in the family's time unit (the first step where the model chooses its "
        "own).", minimum=0.0, exclusive_minimum=True),
    Key("dt_min", "float", 0.0, "Adaptive step: the run stops with an error when the model asks for a smaller "
        "step (0: no limit).", minimum=0.0),
    Key("dt_max", "float", 0.0, "Adaptive step: the largest step taken (0: no limit).", minimum=0.0),
    Key("seed", "int", 12345, "Seed of the per-rank random generators (rank r uses seed + r).", minimum=0),
    Key("backend", "str", "cpu", "Compute backend: numba kernels on CPU, or CuPy + numba.cuda on GPU.",
        choices=("cpu", "gpu")),
    Key("threads", "int", 0, "Numba threads per MPI rank (0: cores on the node / ranks on the node).", minimum=0),
    Key("wall_time", "any", 0.0, "Wall-time limit: seconds or 'HH:MM:SS'; a checkpoint is written and the run "
        "exits with status 75 before it is reached (0: no limit).", check=_duration),
])

MESH = Section("mesh", "Cell-centred structured mesh, decomposed into Cartesian blocks over the MPI ranks.", [
    Key("shape", "ints", doc="Cells per axis; 1, 2 or 3 entries set the dimensionality.", minimum=1, length=(1, 3)),
    Key("length", "floats", None, "Domain length per axis (default 1 per axis).", minimum=0.0,
        exclusive_minimum=True, length=(1, 3)),
    Key("spacing", "floats", None, "Cell size per axis, instead of length (length = shape x spacing).",
        minimum=0.0, exclusive_minimum=True, length=(1, 3)),
    Key("bc", "any", "periodic", "Boundary kind for all faces, or one per axis, or [low, high] pairs per axis: "
        "periodic, dirichlet, neumann.", check=_boundary_shape),
    Key("process_grid", "ints", None, "MPI ranks per axis (0 entries are chosen automatically).", minimum=0,
        length=(1, 3)),
])

OUTPUT = Section("output", "Output cadence and places (relative paths are under the run's output directory).", [
    Key("dir", "str", "output", "Output directory (the command line's -o overrides it)."),
    Key("diag_every", "int", 10, "Steps between scalar diagnostics (diags/scalars.h5; 0: by diag_interval "
        "only).", minimum=0),
    Key("fields_every", "int", 0, "Steps between openPMD field dumps (0: first and last step only).", minimum=0),
    Key("checkpoint_every", "int", 0, "Steps between checkpoints (0: only at the end and on signals).", minimum=0),
    Key("diag_interval", "float", 0.0, "Simulation time between scalar diagnostics, besides diag_every (the "
        "step is shortened to land on each multiple; 0: off).", minimum=0.0),
    Key("fields_interval", "float", 0.0, "Simulation time between field dumps (0: off).", minimum=0.0),
    Key("checkpoint_interval", "float", 0.0, "Simulation time between checkpoints (0: off).", minimum=0.0),
    Key("checkpoint_keep", "int", 3, "Number of most recent checkpoints kept.", minimum=1),
])

CORE_SECTIONS = (RUN, MESH, OUTPUT)


def check_core(deck):
    """Cross-key checks of the shared sections; fills mesh.length and normalises mesh.bc."""
    mesh = deck["mesh"]
    ndim = len(mesh["shape"])
    if "spacing" in mesh:
        if "length" in mesh:
            raise InputError("give mesh.length or mesh.spacing, not both", "mesh.spacing")
        if len(mesh["spacing"]) != ndim:
            raise InputError(f"has {len(mesh['spacing'])} entries but mesh.shape has {ndim}", "mesh.spacing")
        mesh["length"] = [n * h for n, h in zip(mesh["shape"], mesh.pop("spacing"))]
    length = mesh.setdefault("length", [1.0] * ndim)
    if len(length) != ndim:
        raise InputError(f"has {len(length)} entries but mesh.shape has {ndim}", "mesh.length")
    faces = parse_boundaries(mesh["bc"], ndim)
    mesh["bc"] = [list(pair) for pair in faces]
    grid = mesh.get("process_grid")
    if grid is not None and len(grid) != ndim:
        raise InputError(f"has {len(grid)} entries but mesh.shape has {ndim}", "mesh.process_grid")


def check_time(deck, adaptive=False):
    """For time-dependent families: dt given, and steps / t_end consistent. With a fixed step, t_end is a whole
    number of steps and run.steps is set from it; with an `adaptive` step (the model chooses dt), the run ends
    at t_end (the last step shortened to land on it) or after run.steps steps, whichever comes first."""
    run = deck["run"]
    if "dt" not in run:
        raise InputError("is required for a time-dependent run", "run.dt")
    steps, t_end, dt = run["steps"], run["t_end"], run["dt"]
    if steps == 0 and t_end == 0.0:
        raise InputError("give run.steps or run.t_end", "run.steps")
    if run["dt_max"] and run["dt_max"] < max(dt, run["dt_min"]):
        raise InputError(f"dt_max = {run['dt_max']} is below run.dt (or run.dt_min)", "run.dt_max")
    if run["dt_min"] > dt:
        raise InputError(f"dt_min = {run['dt_min']} is above run.dt = {dt}", "run.dt_min")
    if not deck["output"]["diag_every"] and not deck["output"]["diag_interval"]:
        raise InputError("give output.diag_every or output.diag_interval (or both)", "output.diag_every")
    if adaptive:
        return
    n = t_end / dt
    if t_end > 0 and abs(n - round(n)) > 1e-9 * max(1.0, n):
        raise InputError(f"t_end = {t_end} is not a whole number of steps of dt = {dt}", "run.t_end")
    if steps and t_end and steps != round(n):
        raise InputError(f"steps = {steps} but t_end / dt = {n:g}: give one or make them agree", "run.steps")
    run["steps"] = steps or int(round(n))
    run["t_end"] = run["steps"] * dt
