"""Deck sections of the `pic` family: `[pic]` (the plasma and the numerics) and `[[species]]` (one per species).

Normalised units throughout (c = 1, time 1/omega_pe, length d_e, temperature m_e c^2, fields m_e c omega_pe / e,
density n_0).

Bounds checked at validation: dt below the Yee Courant limit, compared as squares with a relative margin of
COURANT_MARGIN (dt^2 sum_a 1/h_a^2 < (1 - COURANT_MARGIN)^2), so that a step at the limit up to rounding is
refused; dt omega_p < 2 (omega_p^2 = sum_s q_s^2 n_s / m_s), the leapfrog stability limit of plasma
oscillations; T / (m c^2) < 1 for every species (the loader samples a non-relativistic Maxwellian). Species
names are ASCII (`deck.schema.ascii_name`), and no name may end with '_' followed by another species' name:
per-species diagnostics are named `<diagnostic>_<species>`, and that is exactly the condition under which two
such names could coincide (`heat_flux_x` of species `e` and `heat_flux` of species `x_e`).

The background field is given either as a vector `background_field`, or physically: two of
`beta_e`, `wpe_over_wce`, `theta_e` (with `b_direction`), from which `hpcsim.pic.units.PlasmaParameters` derives
the rest; a species without a temperature then takes theta_e (electrons, charge < 0) or
theta_e * temperature_ratio (ions). Validation refuses a step above the Yee Courant limit and warns where the
cells are too coarse for the Debye length (numerical heating).
"""
import math

from ..deck.schema import Key, Section, TableArray, ascii_name
from ..errors import InputError
from .fields import courant_limit
from .noise import NOISE_FRACTION, collisionality
from .units import PROTON_ELECTRON_MASS_RATIO, PlasmaParameters

GHOST = 2                         # ghost layers of the linear shape (the family's minimum)
SHAPES = (1, 2, 3)


def ghost_for(shape):
    """Ghost layers the particle shape of order `shape` needs: a move of less than a cell deposits up to
    (shape + 1) / 2 + 1 nodes beyond the block (`kernels/pic/shape_elements`): 2 for linear, 3 for quadratic
    and cubic."""
    return GHOST if shape == 1 else 3
PUSHERS = ("vay", "boris")
QUANTILE_GROUP = 8                # perpendicular momenta per parallel quantile (2 radii x 4 directions)
CELLS_PER_DEBYE_WARNING = 3.0     # h / lambda_De above this heats the plasma numerically (finite-grid instability)
# k_par rho_e near which the heat-flux whistler of a temperature gradient grows fastest: 0.35-0.5 in the exact
# parallel roots of a Chapman-Enskog-skewed electron plasma at beta_e = 8-32 (postprocess/whistler_growth.py)
HEAT_FLUX_WHISTLER_K_RHO = 0.4
COURANT_MARGIN = 1e-9             # relative: dt within this of the Courant limit counts as at the limit
PLASMA_STABILITY = 2.0            # leapfrog: dt omega_p < 2


def _vector3(value, where):
    if len(value) != 3:
        raise InputError(f"needs 3 components (x, y, z), got {len(value)}", where)
    return value


def _matrix3(value, where):
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(r, list) and len(r) == 3 for r in value)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for r in value for v in r)):
        raise InputError(f"must be a 3 x 3 list of finite numbers [[..], [..], [..]], got {value!r}", where)
    return [[float(v) for v in r] for r in value]


def _mass(value, where):
    if value == "proton":
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise InputError(f"must be a mass > 0 in m_e, or \"proton\" (pic.mass_ratio), got {value!r}", where)
    return float(value)


PIC = Section("pic", "Electromagnetic particle-in-cell (normalised units: c = 1, t in 1/omega_pe, x in c/omega_pe).", [
    Key("pusher", "str", "vay", "Particle pusher (Vay 2008, or Boris for comparison).", choices=PUSHERS),
    Key("background_field", "floats", None, "Uniform background magnetic field B_0 (x, y, z) in m_e c omega_pe / e; "
        "or give two of beta_e, wpe_over_wce, theta_e.", length=(3, 3)),
    Key("b_direction", "floats", [1.0, 0.0, 0.0], "Direction of B_0 when it is derived from wpe_over_wce; also "
        "the parallel direction of T_par/T_perp when B_0 = 0.", check=_vector3),
    Key("beta_e", "float", None, "Electron beta 2 n_e T_e / B_0^2.", minimum=0.0, exclusive_minimum=True),
    Key("wpe_over_wce", "float", None, "omega_pe / Omega_ce (sets |B_0| = Omega_ce/omega_pe).", minimum=0.0,
        exclusive_minimum=True),
    Key("theta_e", "float", None, "T_e / m_e c^2.", minimum=0.0, exclusive_minimum=True),
    Key("mass_ratio", "float", PROTON_ELECTRON_MASS_RATIO, "m_p / m_e (species mass \"proton\").", minimum=1.0),
    Key("temperature_ratio", "float", 1.0, "T_p / T_e for ion species without a temperature.", minimum=0.0),
    Key("neutralise", "bool", True, "Add an immobile background charge that makes the plasma neutral."),
    Key("initial_poisson", "bool", True, "Solve Gauss's law for the initial E of the loaded charge (MG-CG), so "
        "that gauss_error starts at round-off with random loading."),
    Key("seed_field", "floats", [0.0, 0.0, 0.0], "Seed of the magnetic field: B_y, B_z += these * cos(k x) "
        "(x component must be 0: div B = 0), k = 2 pi seed_mode / L_x along the first axis.", check=_vector3),
    Key("seed_mode", "int", 1, "Mode number of the field seed along the first axis.", minimum=1),
    Key("shape", "int", 1, "Particle shape order of the charge-conserving (Esirkepov) deposit and the field "
        "gather: 1 linear (cloud-in-cell), 2 quadratic, 3 cubic B-spline. Higher orders lower the grid noise and "
        "the numerical heating per particle at a higher cost per particle-step (benchmarks/pic_step.py) and need "
        "3 ghost layers (blocks of at least 3 cells per used axis).", choices=SHAPES),
    Key("filter_passes", "int", 0, "Binomial (1,2,1) current filter passes per step (0: none; with filtering, "
        "gauss_error measures the filter's departure from the unfiltered charge).", minimum=0),
    Key("growth_rate", "float", 0.0, "Growth rate (omega_pe) of the slowest instability the run must resolve, "
        "e.g. from linear theory (0: none stated). `check` and `run` warn when a species' estimated numerical "
        "collisionality (hpcsim/pic/noise.py, from the measured noise budget) exceeds "
        f"{NOISE_FRACTION:g} of it: the instability would not separate from the particle noise.", minimum=0.0),
    Key("spectrum_modes", "int", 64, "Fourier modes along the first axis kept in spectrum_E / spectrum_B.",
        minimum=1),
    Key("sort_every", "int", 50, "Sort the particles by cell every this many steps (0: never): keeps the fused "
        "step's grid accesses in cache order. Measured on a 256^2 2D3V block: unsorted, a thermal plasma slows "
        "from 38 to 50 ns per particle-step within 350 steps (2x when fully mixed); sorted every 50 steps it "
        "stays at 38 ns, sorts included. A restart sorts where the uninterrupted run would.", minimum=0),
    Key("loading_rng", "str", "counter", "Random numbers of the particle loading: counter (Philox keyed by run.seed, "
        "species and particle id: the same plasma on any rank count) or per_rank (each rank's own stream, seeded "
        "[run.seed, rank]: depends on the decomposition; for reproducing older runs).",
        choices=("counter", "per_rank")),
    Key("dump_particles", "bool", True, "Write the particles with every field dump (openPMD particle species)."),
    Key("reference_density", "float", 1.0e24, "Reference electron density n_0 in m^-3 that converts the "
        "normalised output to SI for openPMD readers (unitSI: lengths d_e, times 1/omega_pe, E m_e c omega_pe / e, "
        "B m_e omega_pe / e, J e n_0 c, rho e n_0); the dynamics do not depend on it.", minimum=0.0,
        exclusive_minimum=True),
])

SPECIES = TableArray("species", "A particle species (any number of [[species]] tables).", [
    Key("name", "str", doc="Species name (ASCII letters, digits, _; not ending in _<another species' name>): names "
        "its diagnostics (<diagnostic>_<name>) and openPMD records.", check=ascii_name),
    Key("charge", "float", doc="Charge in e (electrons -1)."),
    Key("mass", "any", doc="Mass in m_e, or \"proton\".", check=_mass),
    Key("density", "float", 1.0, "Density in n_0.", minimum=0.0, exclusive_minimum=True),
    Key("particles_per_cell", "int", doc="Macro-particles per cell.", minimum=1),
    Key("temperature", "float", None, "Isotropic temperature T / m_e c^2 (default theta_e, see [pic]).",
        minimum=0.0),
    Key("temperature_par", "float", None, "T_par / m_e c^2 along B_0 (bi-Maxwellian, with temperature_perp).",
        minimum=0.0),
    Key("temperature_perp", "float", None, "T_perp / m_e c^2 across B_0.", minimum=0.0),
    Key("drift", "floats", [0.0, 0.0, 0.0], "Drift momentum u = gamma v (x, y, z).", check=_vector3),
    Key("quiet_start", "bool", False, "Positions on a regular lattice (particles_per_cell = m^ndim) instead of "
        "random; with momentum_loading = \"quantiles\", every particle at its cell centre."),
    Key("momentum_loading", "str", "random", "random: sampled (bi-)Maxwellian; quantiles: the same deterministic "
        "set in every cell (particles_per_cell / 8 parallel quantiles x 8 perpendicular vectors summing to zero, "
        "each group of 8 at one position): a plasma without magnetic noise for clean linear phases.",
        choices=("random", "quantiles")),
    Key("mirror_momenta", "bool", False, "Load momenta in +-u pairs (zero mean momentum, lower current noise)."),
    Key("momentum_distribution", "str", "maxwellian", "maxwellian: u = sqrt(T/m) g (a momentum-space Maxwellian, "
        "pressure below n T by O(T/m c^2), only for T << m c^2); juttner: the isotropic Maxwell-Juttner "
        "distribution, pressure exactly n T at any temperature (hpcsim/pic/juttner.py; isotropic, no drift, "
        "random loading, no Krook collisions).", choices=("maxwellian", "juttner")),
    Key("krook_rate", "float", 0.0, "Krook (BGK) collision rate nu in omega_pe: a fraction 1 - exp(-nu dt) of "
        "the particles is resampled per step from a Maxwellian with exactly their momentum and energy.",
        minimum=0.0),
    Key("forcing", "bool", True, "Switch for the thermodynamic forcing of this species (spec section 2) by the "
        "gradients below; a species is forced only when it has a gradient (false: keep them but run unforced)."),
    Key("forcing_model", "str", "nonrelativistic", "Temperature forcing: nonrelativistic, du/dt = (3T/(2m) - "
        "|u|^2/2) g (the spec's force acting on u = gamma v: the heat flux grows at 0.81 of the collisionless rate "
        "at T = 0.01 m c^2); relativistic, du/dt = (h - T/m - gamma) g with h the Maxwell-Juttner enthalpy per "
        "m c^2, which drives the moments of a Juttner plasma exactly at any temperature "
        "(kernels/pic/forcing_elements.py; load it with momentum_distribution = \"juttner\").",
        choices=("nonrelativistic", "relativistic")),
    Key("velocity_gradient", "any", None, "Bulk-velocity gradient G_ij = du_i/dx_j (3 x 3, rows i, in omega_pe): "
        "a = -G w.", check=_matrix3),
    Key("strain_rate_wce", "float", None, "Instead of velocity_gradient: incompressible stretching along B_0 at "
        "this rate in units of Omega_ce, G = S Omega_ce (b b - (I - b b) / 2) (S < 0: compression)."),
    Key("temperature_gradient", "floats", None, "g = grad ln T (omega_pe / c): a = (3T/(2m) - |w|^2/2) g.",
        check=_vector3),
    Key("gradient_length", "float", None, "Instead of temperature_gradient: L_T in c/omega_pe, g = b / L_T.",
        minimum=0.0, exclusive_minimum=True),
    Key("mfp_over_gradient_length", "float", None, "Instead of temperature_gradient, with krook_rate > 0: "
        "lambda_mfp / L_T with lambda_mfp = v_th / nu, v_th = sqrt(T/m); g = b / L_T.", minimum=0.0,
        exclusive_minimum=True),
    Key("reference_temperature", "float", None, "T of the temperature forcing (default: the species' initial "
        "(T_par + 2 T_perp) / 3).", minimum=0.0, exclusive_minimum=True),
    Key("velocity_perturbation", "float", 0.0, "Seed: u_x += this * sin(k x) with k of mode perturbation_mode "
        "along the first axis."),
    Key("perturbation_mode", "int", 1, "Mode number of the velocity perturbation.", minimum=1),
], count=(1, 16))

SECTIONS = [PIC, SPECIES]


def plasma_parameters(p):
    """PlasmaParameters from [pic] if two physical inputs are given, else None."""
    given = [p.get(k) for k in ("beta_e", "wpe_over_wce", "theta_e")]
    if sum(v is not None for v in given) == 0:
        return None
    return PlasmaParameters.from_inputs(*given, mass_ratio=p["mass_ratio"],
                                        temperature_ratio=p["temperature_ratio"], key="pic.beta_e")


def background_field(p):
    """B_0 vector: `background_field`, or |B_0| = Omega_ce/omega_pe along b_direction, or zero."""
    params = plasma_parameters(p)
    if "background_field" in p:
        if params is not None:
            raise InputError("give background_field or the physical inputs (beta_e, wpe_over_wce, theta_e), not "
                             "both", "pic.background_field")
        return [float(v) for v in p["background_field"]]
    norm = math.sqrt(sum(v * v for v in p["b_direction"]))
    if norm == 0.0:
        raise InputError("must not be the zero vector", "pic.b_direction")
    b0 = params.b0 if params is not None else 0.0
    return [b0 * v / norm for v in p["b_direction"]]


def species_temperatures(s, p, where):
    """(T_par, T_perp) of a resolved [[species]] table."""
    if "temperature_par" in s or "temperature_perp" in s:
        if "temperature" in s:
            raise InputError("give temperature or temperature_par/temperature_perp, not both", f"{where}.temperature")
        if "temperature_par" not in s or "temperature_perp" not in s:
            raise InputError("a bi-Maxwellian needs both temperature_par and temperature_perp", where)
        return s["temperature_par"], s["temperature_perp"]
    if "temperature" in s:
        return s["temperature"], s["temperature"]
    params = plasma_parameters(p)
    if params is None:
        return 0.0, 0.0
    theta = params.theta_e if s["charge"] < 0 else params.theta_e * params.temperature_ratio
    return theta, theta


def species_mass(s, p):
    return p["mass_ratio"] if s["mass"] == "proton" else s["mass"]


def check(deck):
    """Cross-key checks: periodic mesh, Courant limit, species names and loading, physical inputs."""
    p, mesh, run = deck["pic"], deck["mesh"], deck["run"]
    if any(face != "periodic" for pair in mesh["bc"] for face in pair):
        raise InputError("the PIC family supports periodic boundaries only", "mesh.bc")
    spacing = [L / n for L, n in zip(mesh["length"], mesh["shape"])]
    if run["dt"] ** 2 * sum(1.0 / h**2 for h in spacing) >= (1.0 - COURANT_MARGIN) ** 2:
        raise InputError(f"dt = {run['dt']:.6g} is at or above the Yee Courant limit {courant_limit(spacing):.6g} "
                         f"(1 / sqrt(sum 1/h^2), relative margin {COURANT_MARGIN:g}); the field solve would be "
                         f"unstable", "run.dt")
    background_field(p)
    if p["seed_field"][0] != 0.0:
        raise InputError("the x component must be 0 (a B_x varying along x would break div B = 0)", "pic.seed_field")
    names = [s["name"] for s in deck["species"]]
    for i, s in enumerate(deck["species"]):
        where = f"species[{i}]"
        if s["name"] in names[:i]:
            raise InputError(f"{s['name']!r} is used by more than one species", f"{where}.name")
        for other in names:
            if s["name"].endswith(f"_{other}"):
                raise InputError(f"{s['name']!r} ends with '_{other}', another species' name: their diagnostics "
                                 f"<diagnostic>_<species> could coincide", f"{where}.name")
        if s["charge"] == 0.0:
            raise InputError("must not be zero (neutral particles do not couple to the fields)", f"{where}.charge")
        mass = species_mass(s, p)
        if s["momentum_distribution"] == "juttner":
            check_juttner(s, p, where)
        for key, theta in zip(("temperature_par", "temperature_perp"), species_temperatures(s, p, where)):
            if theta >= mass and s["momentum_distribution"] == "maxwellian":
                name = "temperature" if "temperature" in s else key
                raise InputError(f"T / m c^2 = {theta / mass:.3g} >= 1: the loader samples a non-relativistic "
                                 f"Maxwellian (T << m c^2; momentum_distribution = \"juttner\" loads any "
                                 f"temperature)", f"{where}.{name}")
        check_forcing(s, p, where)
        if s["momentum_loading"] == "quantiles":
            if s["particles_per_cell"] % QUANTILE_GROUP:
                raise InputError(f"momentum_loading = \"quantiles\" needs a multiple of {QUANTILE_GROUP} particles "
                                 f"per cell, got {s['particles_per_cell']}", f"{where}.particles_per_cell")
            if s["mirror_momenta"]:
                raise InputError("quantile loading is already symmetric; drop mirror_momenta", f"{where}.mirror_momenta")
        elif s["quiet_start"]:
            ndim, ppc = len(mesh["shape"]), s["particles_per_cell"]
            if round(ppc ** (1.0 / ndim)) ** ndim != ppc:
                raise InputError(f"quiet_start needs m^{ndim} particles per cell, got {ppc}",
                                 f"{where}.particles_per_cell")
    check_plasma_frequency(deck)


def check_plasma_frequency(deck):
    """dt omega_p < PLASMA_STABILITY, omega_p^2 = sum_s q_s^2 n_s / m_s (c = 1, omega_pe = 1 for n_0 electrons)."""
    p, dt = deck["pic"], deck["run"]["dt"]
    wp2 = sum(s["charge"] * s["charge"] * s["density"] / species_mass(s, p) for s in deck["species"])
    if not dt * math.sqrt(wp2) < PLASMA_STABILITY:
        raise InputError(f"dt omega_p = {dt * math.sqrt(wp2):.3g} >= {PLASMA_STABILITY:g} (omega_p^2 = sum q^2 n / m "
                         f"over the species): plasma oscillations would grow without bound", "run.dt")


def resolution_warnings(deck):
    """Messages for resolutions that heat the plasma numerically (logged at start, not errors): cells longer
    than CELLS_PER_DEBYE_WARNING Debye lengths along a mesh axis, with the Debye length of the temperature
    along that axis, T_a = T_par b_a^2 + T_perp (1 - b_a^2) for a bi-Maxwellian about b."""
    p, mesh = deck["pic"], deck["mesh"]
    spacing = [L / n for L, n in zip(mesh["length"], mesh["shape"])]
    b = background_field(p)
    if not any(b):
        b = list(p["b_direction"])
    norm = math.sqrt(sum(v * v for v in b))
    b = [v / norm for v in b]
    out = []
    for s in deck["species"]:
        t_par, t_perp = species_temperatures(s, p, "species")
        worst = 0.0
        for a, h in enumerate(spacing):
            theta = t_par * b[a] ** 2 + t_perp * (1.0 - b[a] ** 2)
            if theta > 0:
                worst = max(worst, h / math.sqrt(theta / (s["density"] * s["charge"] ** 2)))  # lambda_D = v_th/omega_p
        if worst > CELLS_PER_DEBYE_WARNING:
            out.append(f"species {s['name']}: cells of {worst:.1f} Debye lengths (> {CELLS_PER_DEBYE_WARNING:g}, "
                       "temperature along the axis): expect numerical heating (finite-grid instability)")
        noise = species_collisionality(s, p, spacing)
        if p["growth_rate"] > 0.0 and noise > NOISE_FRACTION * p["growth_rate"]:
            out.append(f"species {s['name']}: estimated numerical collisionality nu_num = {noise:.2g} omega_pe "
                       f"({s['particles_per_cell']} particles per cell, shape {p['shape']}) exceeds "
                       f"{NOISE_FRACTION:g} of pic.growth_rate = {p['growth_rate']:.2g}: the instability will not "
                       "separate from the particle noise (it needs more particles per Debye area: more particles "
                       "per cell or a hotter plasma; docs/tf_results.md, noise budget)")
        runaway = relativistic_runaway_rate(s)
        if runaway > noise + s["krook_rate"]:
            out.append(f"species {s['name']}: the relativistic temperature forcing drives its tail against g away at "
                       f"|g| c = {runaway:.2g} omega_pe, faster than the run's scattering (nu_num ~ {noise:.2g}, "
                       f"krook_rate {s['krook_rate']:g}): T_par grows without bound after t ~ 1/|g| c until an "
                       f"instability scatters the tail (gradient_length > {1.0 / max(noise, 1e-300):.3g} holds it; "
                       "docs/tf_results.md, section 2d)")
        box = heat_flux_whistler_box(s, p, mesh["length"])
        if box is not None and box < 2.0 * math.pi / HEAT_FLUX_WHISTLER_K_RHO:
            out.append(f"species {s['name']}: the box along B_0 is {box:.3g} gyroradii long, so its lowest parallel "
                       f"wavenumber k rho = {2.0 * math.pi / box:.3g} lies above ~{HEAT_FLUX_WHISTLER_K_RHO:g}, where "
                       "the heat-flux whistler of the temperature gradient grows fastest (shorter waves are damped; "
                       "`hpcsim-post tf-whistler-theory`, docs/tf_results.md, section 2e): make it at least "
                       f"{2.0 * math.pi / HEAT_FLUX_WHISTLER_K_RHO:.3g} gyroradii long")
    return out


def heat_flux_whistler_box(s, p, length):
    """Box length along B_0 in gyroradii rho = sqrt(T m) / (|q| B_0) of an electron-like (q < 0) species forced
    by a temperature gradient, when B_0 lies along a mesh axis; else None."""
    forced = s["forcing"] and any(k in s for k in ("temperature_gradient", "gradient_length",
                                                     "mfp_over_gradient_length"))
    b = background_field(p)
    b0 = math.sqrt(sum(v * v for v in b))
    if not forced or s["charge"] >= 0.0 or b0 == 0.0:
        return None
    axes = [a for a, v in enumerate(b) if abs(v) > (1.0 - 1e-9) * b0]
    t_par, t_perp = species_temperatures(s, p, "species")
    theta = (t_par + 2.0 * t_perp) / 3.0
    if not axes or axes[0] >= len(length) or theta <= 0.0:
        return None
    return length[axes[0]] * abs(s["charge"]) * b0 / math.sqrt(theta * species_mass(s, p))


def relativistic_runaway_rate(s):
    """|g| c (omega_pe) of a species forced by the relativistic temperature forcing, else 0: an electron moving
    against g with gamma >> h_J - theta obeys du_par/dt = (h_J - theta - gamma)|g| ~ |g| u_par and runs away
    exponentially at that rate unless scattered faster."""
    if not s["forcing"] or s["forcing_model"] != "relativistic":
        return 0.0
    if "gradient_length" in s:
        return 1.0 / s["gradient_length"]
    return math.sqrt(sum(v * v for v in s.get("temperature_gradient", (0.0, 0.0, 0.0))))


def species_collisionality(s, p, spacing):
    """Estimated nu_num (omega_pe) of a species (`noise.collisionality`) at its mean temperature
    (T_par + 2 T_perp) / 3; 0 for a cold species."""
    t_par, t_perp = species_temperatures(s, p, "species")
    theta = (t_par + 2.0 * t_perp) / 3.0
    if theta <= 0.0:
        return 0.0
    charge2_density = s["charge"] ** 2 * s["density"]
    return collisionality(s["particles_per_cell"], math.sqrt(charge2_density / species_mass(s, p)),
                          math.sqrt(theta / charge2_density), spacing, p["shape"])


def check_juttner(s, p, where):
    """What the Juttner loader does not cover (yet): anisotropy, drift, quantile loading, Krook collisions (whose
    resampling is Maxwellian)."""
    t_par, t_perp = species_temperatures(s, p, where)
    key = f"{where}.momentum_distribution"
    if t_par != t_perp:
        raise InputError(f"the Juttner loader is isotropic; temperature_par = {t_par:g} and temperature_perp = "
                         f"{t_perp:g} differ", key)
    if any(s["drift"]):
        raise InputError("the Juttner loader has no drift (a boosted Juttner distribution is not implemented)", key)
    if s["momentum_loading"] != "random":
        raise InputError("the Juttner loader needs momentum_loading = \"random\"", key)
    if s["krook_rate"] > 0.0:
        raise InputError("Krook collisions resample from a non-relativistic Maxwellian: not with a Juttner species",
                         key)


def check_forcing(s, p, where):
    """Forcing keys: one form per gradient and what each form needs."""
    velocity = [k for k in ("velocity_gradient", "strain_rate_wce") if k in s]
    temperature = [k for k in ("temperature_gradient", "gradient_length", "mfp_over_gradient_length") if k in s]
    for forms in (velocity, temperature):
        if len(forms) > 1:
            raise InputError(f"give one of {', '.join(forms)}", f"{where}.{forms[1]}")
    if "strain_rate_wce" in s and not any(background_field(p)):
        raise InputError("needs a background field (Omega_ce)", f"{where}.strain_rate_wce")
    if s["forcing_model"] == "relativistic" and s["krook_rate"] > 0.0:
        raise InputError("Krook collisions resample a non-relativistic Maxwellian: not with the relativistic "
                         "forcing", f"{where}.forcing_model")
    if "mfp_over_gradient_length" in s and s["krook_rate"] <= 0.0:
        raise InputError("needs krook_rate > 0 (the mean free path is v_th / nu)", f"{where}.mfp_over_gradient_length")
    if "mfp_over_gradient_length" in s and forcing_temperature(s, p, where) <= 0.0:
        raise InputError("needs a warm species or reference_temperature (the mean free path is v_th / nu)",
                         f"{where}.mfp_over_gradient_length")


def forcing_temperature(s, p, where):
    """Reference temperature T of the temperature forcing: the deck's, else the initial (T_par + 2 T_perp) / 3."""
    if "reference_temperature" in s:
        return s["reference_temperature"]
    t_par, t_perp = species_temperatures(s, p, where)
    return (t_par + 2.0 * t_perp) / 3.0
