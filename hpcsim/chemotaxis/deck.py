"""The [chemotaxis] deck section and its cross-key checks (dimensionless units).

Indirect signalling (Bui, Huynh, Tang & Tran 2025), on a bounded box with no-flux (or periodic) faces:

    dn/dt     = Lap n - chi div(n grad c) + r n (1 - n)
    eps dc/dt = Lap c - c + w
    eps dw/dt = tau Lap w - w + n

eps = 0 is the parabolic-elliptic limit ((I - tau Lap) w = n, (I - Lap) c = w each step) and eps = tau = 0 the
classical parabolic-elliptic Keller-Segel system (I - Lap) c = n. Direct signalling drops w:
eps dc/dt = Lap c - c + n (eps > 0: the classical parabolic Keller-Segel system).
"""
import math

from ..deck.schema import Key, Section
from ..errors import InputError
from ..linalg.config import SOLVER

INITIAL = ("modes", "gaussians", "random", "file")

SECTIONS = [
    Section("chemotaxis", "Keller-Segel chemotaxis with indirect or direct signalling (dimensionless).", [
        Key("signal", "str", "indirect", "indirect: n produces w, w produces c; direct: n produces c.",
            choices=("indirect", "direct")),
        Key("eps", "float", 1.0, "Time scale eps of the signal equations (0: the parabolic-elliptic limit).",
            minimum=0.0),
        Key("tau", "float", 1.0, "Diffusivity tau of the intermediate signal w (indirect signalling; 0 with "
            "eps = 0: classical parabolic-elliptic Keller-Segel).", minimum=0.0),
        Key("chi", "float", 1.0, "Chemotactic sensitivity chi.", minimum=0.0),
        Key("growth", "float", 0.0, "Logistic source rate r in r n (1 - n) (0: none, mass conserved).",
            minimum=0.0),
        Key("initial", "str", "modes", "Initial density: modes (n_bar + amplitude times a product of Laplacian "
            "eigenfunctions), gaussians (n_bar + amplitude exp(-|x - x_i|^2 / (2 width^2)) summed over centres), "
            "random (n_bar (1 + amplitude U(-1, 1)) from a generator keyed by run.seed and the global cell "
            "index), file (a global array from an HDF5 file).", choices=INITIAL),
        Key("n_bar", "float", 1.0, "Uniform part of the initial density.", minimum=0.0),
        Key("amplitude", "float", 0.01, "Amplitude of the perturbation (modes, gaussians, random)."),
        Key("modes", "ints", None, "Mode numbers per axis (initial = modes; default 1 per axis): cos(pi m x / L) "
            "on no-flux axes, cos(2 pi m x / L) on periodic ones.", minimum=0, length=(1, 3)),
        Key("centers", "any", None, "Gaussian centres, a list of points (initial = gaussians; default: the "
            "domain centre)."),
        Key("width", "float", 0.1, "Standard deviation of the gaussians.", minimum=0.0, exclusive_minimum=True),
        Key("file", "str", "", "HDF5 file of the initial density (initial = file)."),
        Key("dataset", "str", "n", "Dataset in that file: a global array of the mesh's shape."),
        Key("signal_initial", "str", "prepared", "Initial c and w: prepared (the parabolic-elliptic solution "
            "of the initial n: well-prepared data, no initial layer) or uniform (c0 and w0: ill-prepared data, an "
            "initial layer of width eps). eps = 0 always uses prepared.", choices=("prepared", "uniform")),
        Key("c0", "float", 0.0, "Uniform initial c (signal_initial = uniform).", minimum=0.0),
        Key("w0", "float", 0.0, "Uniform initial w (signal_initial = uniform).", minimum=0.0),
        Key("manufactured", "bool", False, "Convergence test: add the forcing of the manufactured solution n = "
            "n_bar + A e^-t phi, c = A e^-t phi / 2, w = A e^-t phi (phi: the `modes` eigenfunction, A: amplitude; "
            "initial = modes, growth = 0) and write its L2 errors error_n, error_c, error_w.", ),
        Key("radial_dimension", "int", 0, "0: the Cartesian mesh; 2, 3 or 4: radially symmetric solutions in that "
            "dimension on a 1-D mesh of r in [0, mesh.length] with a no-flux outer face (one rank, backend cpu; "
            "mass is that of the N-dimensional ball).", choices=(0, 2, 3, 4)),
        Key("cfl", "float", 0.5, "Adaptive step: this fraction of the largest step that keeps n >= 0 (the drift "
            "CFL of the explicit flux step, diffusion included), capped by run.dt; 0: the fixed run.dt (a step "
            "beyond the positivity bound stops the run).", minimum=0.0, maximum=1.0),
        Key("scheme", "str", "imex1", "Time step (`hpcsim.chemotaxis.stepping`): imex1 (explicit Scharfetter-"
            "Gummel Euler step of n, backward-Euler signal solves; first order), imex2 (Heun's two Euler steps of n "
            "with backward-Euler stage signals, the signals by variable-step BDF2; second order, twice the work per "
            "step, the same positivity bound), sbdf2 (semi-implicit BDF2: the diffusion of n and the signals "
            "implicit, the drift extrapolated; second order, steps bounded by the drift only, cfl being a fraction "
            "of the drift part of the positivity rate; a step that would make n negative is redone by imex1 steps; "
            "Cartesian meshes). All keep the mass to round-off; the logistic source stays first order in imex2.",
            choices=("imex1", "imex2", "sbdf2")),
        Key("dt_initial", "float", 0.0, "Initial-layer ramp: the step at time t is at most dt_initial exp(t / (3 "
            "eps)) (0 or eps = 0: no ramp). Resolves the initial layer (width eps) of ill-prepared signals, "
            "whose transients decay like exp(-t / eps), without small steps afterwards; eps / 16 is a good start.",
            minimum=0.0),
        Key("linear_solver", "str", "auto", "Helmholtz solves of c and w on a Cartesian mesh: spectral (DFT / DCT "
            "diagonal solve, exact; one rank, periodic / no-flux faces), krylov (the [solver] section, any rank "
            "count), auto (spectral where it applies). The radial solver always solves its tridiagonal system "
            "directly.", choices=("auto", "spectral", "krylov")),
        Key("blowup_max", "float", 1e8, "Blow-up detector: stop (exit status 1) once max n exceeds this.",
            minimum=0.0, exclusive_minimum=True),
        Key("blowup_cell_mass", "float", 0.5, "Blow-up detector: stop (exit status 1) once one cell holds this "
            "fraction of the total mass (the collapse is no longer resolved by the mesh).", minimum=0.0,
            maximum=1.0, exclusive_minimum=True),
    ]),
    SOLVER,
]


def check(deck):
    """Cross-key checks: mode numbers and centres per axis, a non-negative initial density, a readable file."""
    p, mesh = deck["chemotaxis"], deck["mesh"]
    ndim = len(mesh["shape"])
    modes = p.get("modes") or [1] * ndim
    if len(modes) != ndim:
        raise InputError(f"needs one mode number per axis ({ndim}), got {len(modes)}", "chemotaxis.modes")
    p["modes"] = modes
    centers = p.get("centers")
    centers = [[0.5 * L for L in mesh["length"]]] if centers is None else centers
    if not isinstance(centers, list) or not all(
            isinstance(c, list) and len(c) == ndim and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                           and math.isfinite(v) for v in c) for c in centers):
        raise InputError(f"needs a list of points with {ndim} finite coordinates each", "chemotaxis.centers")
    p["centers"] = [[float(v) for v in c] for c in centers]
    amplitude = p["amplitude"]
    if p["initial"] == "modes" and p["n_bar"] < abs(amplitude):
        raise InputError(f"n_bar - |amplitude| = {p['n_bar'] - abs(amplitude):g} < 0: the density must be "
                         "non-negative", "chemotaxis.amplitude")
    if p["initial"] in ("gaussians", "random") and amplitude < 0 and p["n_bar"] + amplitude < 0:
        raise InputError("a negative amplitude larger than n_bar gives a negative density", "chemotaxis.amplitude")
    if p["initial"] == "random" and abs(amplitude) > 1.0:
        raise InputError("|amplitude| > 1 gives a negative density", "chemotaxis.amplitude")
    if p["manufactured"] and (p["initial"] != "modes" or p["growth"] != 0.0):
        raise InputError("the manufactured solution needs initial = 'modes' and growth = 0", "chemotaxis.manufactured")
    if p["radial_dimension"] and (ndim != 1 or mesh["bc"] != [["neumann", "neumann"]]):
        raise InputError("a radial solve needs a 1-D mesh of r with bc = 'neumann'", "chemotaxis.radial_dimension")
    if p["radial_dimension"] and p["scheme"] == "sbdf2":
        raise InputError("the radial solver steps with imex1 or imex2", "chemotaxis.scheme")
    if p["initial"] == "file":
        check_file(p["file"], p["dataset"], mesh["shape"])


def check_file(path, dataset, shape):
    import h5py
    import numpy as np

    if not path:
        raise InputError("initial = 'file' needs a file name", "chemotaxis.file")
    try:
        with h5py.File(path, "r") as f:
            if dataset not in f:
                raise InputError(f"{path} has no dataset {dataset!r}", "chemotaxis.dataset")
            data = f[dataset]
            if tuple(data.shape) != tuple(shape):
                raise InputError(f"{path}:{dataset} has shape {list(data.shape)}, the mesh {list(shape)}",
                                 "chemotaxis.dataset")
            values = data[...]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", "chemotaxis.file") from None
    if not np.all(np.isfinite(values)) or values.min() < 0:
        raise InputError(f"{path}:{dataset} must be finite and non-negative", "chemotaxis.dataset")


def resolution_warnings(deck):
    """The mesh should resolve the signal's screening length 1 (and sqrt(tau) for w)."""
    p, mesh = deck["chemotaxis"], deck["mesh"]
    h = max(L / n for L, n in zip(mesh["length"], mesh["shape"]))
    out = []
    if h > 0.5:
        out.append(f"cell size {h:.3g} > 0.5 does not resolve the screening length 1 of (I - Lap) c = w")
    if p["signal"] == "indirect" and 0.0 < p["tau"] and h > 0.5 * math.sqrt(p["tau"]):
        out.append(f"cell size {h:.3g} > sqrt(tau)/2 = {0.5 * math.sqrt(p['tau']):.3g} does not resolve the "
                   "screening length of (I - tau Lap) w = n")
    return out
