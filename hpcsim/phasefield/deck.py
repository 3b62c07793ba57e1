"""The [phasefield] deck section, its cross-key checks and the family's output units.

Units: `bm1` and `two_phase` decks are dimensionless (PFHub style). `ideal` decks are physical: temperatures
in K, heats of transport and activation energies in J/mol, D0 in m^2/s, mesh lengths in `length_unit` metres,
times in tau = l^2 / D(T0) (`scales`); both forms go to diags/parameters.h5.
"""
from ..deck.schema import Key, Section
from ..errors import InputError
from ..kernels.phasefield import phasefield_elements as el
from ..linalg.config import SOLVER
from ..models import Units
from . import initial, temperature
from .scales import Scales, ideal_scales
from .thermodynamics import BM1, ILLUSTRATIVE_HEAT_OF_TRANSPORT, SOLUTES, Thermodynamics

SCHEMES = ("semi_implicit", "bdf2", "explicit")

SECTIONS = [
    Section("phasefield", "Cahn-Hilliard thermomigration: dc/dt = div(M [(grad mu)_T + (Q*/T) grad T]), "
            "mu = df/dc - kappa Lap c.\nbm1 and two_phase decks are dimensionless; ideal decks take T in K, "
            "energies in J/mol, lengths in length_unit metres.", [
        Key("thermodynamics", "str", "bm1", "Free energy: the PFHub benchmark-1 polynomial, a two-phase binary "
            "A (c - c_alpha(T))^2 (c_beta(T) - c)^2, or the ideal dilute interstitial.",
            choices=("bm1", "two_phase", "ideal")),
        Key("scheme", "str", "semi_implicit", "Time step: explicit (forward Euler, for checks), linearly "
            "stabilised semi-implicit (first order; fourth-order and stabilising terms implicit), or bdf2 (the same "
            "splitting as variable-step BDF2 with an extrapolated explicit part: second order; use stabilisation "
            ">= 2; with adaptive_tol it drops to the first-order step where that allows 1.5x longer steps, near "
            "equilibrium).", choices=SCHEMES),
        Key("adaptive_tol", "float", 0.0, "semi_implicit, bdf2: the local error per step aimed at, max over "
            "cells of the scheme's error estimate (semi_implicit: dt^2/2 |c''|, bdf2: its dt^3 |d3c/dt3| term; "
            "hpcsim/phasefield/stepping.py); 0: the fixed run.dt.", minimum=0.0),
        Key("stabilisation", "float", 1.0, "Factor on the stabilising diffusivity (M max f''/2 on [c_alpha, "
            "c_beta] for the double well, the largest D for the ideal model); 0: only the fourth-order term "
            "implicit. bdf2 needs about 2 (M max f'', the Lipschitz bound of its extrapolated term): at 1 its "
            "adaptive dt is held at a stability limit (BM1a: dt ~ 2.3).", minimum=0.0),
        Key("linear_solver", "str", "auto", "Semi-implicit solve of I - a Lap + b Lap^2: spectral (DFT/DCT, one "
            "rank, periodic/no-flux faces), krylov (flexible CG with factored multigrid, any rank count), or "
            "auto (spectral where it applies).", choices=("auto", "spectral", "krylov")),
        Key("steady_tol", "float", 0.0, "Stop (exit status 0) once max|dc/dt| falls below this (0: never).",
            minimum=0.0),
        Key("flux_convention", "str", "constant_T", "Driving force: the gradient of mu at constant temperature "
            "(heat of transport as defined by linear irreversible thermodynamics) or the full spatial gradient "
            "(shifts the effective Q* by the partial molar entropy; for comparison only).",
            choices=("constant_T", "full_gradient")),
        # double well (bm1 defaults)
        Key("rho", "float", BM1["rho"], "Double-well height A (rho_s of PFHub).", minimum=0.0, exclusive_minimum=True),
        Key("c_alpha", "float", BM1["c_alpha"], "Alpha (matrix) equilibrium composition at T_ref.",
            minimum=0.0, maximum=1.0),
        Key("c_beta", "float", BM1["c_beta"], "Beta (precipitate) equilibrium composition at T_ref.",
            minimum=0.0, maximum=1.0),
        Key("c_alpha_slope", "float", 0.0, "two_phase: dc_alpha/dT."),
        Key("c_beta_slope", "float", 0.0, "two_phase: dc_beta/dT."),
        Key("T_ref", "float", 1.0, "two_phase: the temperature of c_alpha and c_beta.", minimum=0.0,
            exclusive_minimum=True),
        Key("kappa", "float", None, "Gradient-energy coefficient (default 2 for the double well, 0 for ideal).",
            minimum=0.0),
        Key("M", "float", BM1["M"], "Constant mobility (bm1, two_phase).", minimum=0.0, exclusive_minimum=True),
        # ideal interstitial
        Key("solute", "str", "C_in_alpha_Fe", "ideal: solute and host, whose D0 and Qd come from the source "
            "named in hpcsim/phasefield/thermodynamics.py, or custom (give D0 and Qd).",
            choices=(*SOLUTES, "custom")),
        Key("D0", "float", None, "ideal: diffusion prefactor D0 in m^2/s (overrides the solute's).", minimum=0.0,
            exclusive_minimum=True),
        Key("Qd", "float", None, "ideal: activation energy of diffusion in J/mol (overrides the solute's).",
            minimum=0.0),
        Key("length_unit", "float", 1.0e-3, "ideal: metres per mesh length unit.", minimum=0.0,
            exclusive_minimum=True),
        Key("heat_of_transport", "floats", None, "Q* of the alpha and beta phases ([Q] for both); J/mol for "
            f"ideal (default {ILLUSTRATIVE_HEAT_OF_TRANSPORT:g}, illustrative), dimensionless otherwise "
            "(default 0). Q* < 0 drives solute toward the hot end.", length=(1, 2)),
        # temperature
        Key("temperature", "str", "uniform", "Imposed temperature field.", choices=temperature.KINDS),
        Key("T0", "float", 1.0, "Temperature at the origin (K for ideal).", minimum=0.0, exclusive_minimum=True),
        Key("gradient", "floats", None, "linear: dT/dx per axis (default 0).", length=(1, 3)),
        Key("temperature_expression", "str", None, "expression: T as a numpy expression of x, y, z."),
        Key("temperature_file", "str", None, "file: 'FILE.h5:DATASET' with the global array of T."),
        # initial condition
        Key("initial", "str", "bm1", "Initial condition (hpcsim/phasefield/initial.py).", choices=initial.KINDS),
        Key("c0", "float", 0.5, "bm1, uniform, random: mean composition.", minimum=0.0, maximum=1.0),
        Key("epsilon", "float", 0.01, "bm1: amplitude of the cosine perturbation."),
        Key("amplitude", "float", 0.01, "random: half-width of the uniform noise.", minimum=0.0),
        Key("expression", "str", None, "profile: c as a numpy expression of x, y, z."),
        Key("centres", "any", None, "precipitates: list of particle centres, one [x, (y, (z))] per particle."),
        Key("radii", "floats", None, "precipitates: particle radii (half-lengths in 1-D).", minimum=0.0,
            exclusive_minimum=True),
        Key("track_precipitates", "bool", None, "Label the beta particles (c above (c_alpha + c_beta)/2) at every "
            "diagnostic and write diags/precipitates.h5 (default: on for initial = precipitates)."),
    ]),
    SOLVER,
]


def _require(p, key, when):
    if p.get(key) is None:
        raise InputError(f"is required {when}", f"phasefield.{key}")


def check(deck):
    """Cross-key checks; fills kappa, heat_of_transport, gradient, track_precipitates, D0 and Qd."""
    p, mesh = deck["phasefield"], deck["mesh"]
    ndim = len(mesh["shape"])
    ideal = p["thermodynamics"] == "ideal"
    if p["thermodynamics"] == "bm1":
        for key, value in BM1.items():
            if key != "kappa" and p[key] != value:
                raise InputError(f"bm1 fixes {key} = {value}; use thermodynamics = 'two_phase' to change it",
                                 f"phasefield.{key}")
        if p["c_alpha_slope"] or p["c_beta_slope"]:
            raise InputError("bm1 is isothermal; use thermodynamics = 'two_phase'", "phasefield.c_alpha_slope")
    if not ideal and not p["c_alpha"] < p["c_beta"]:
        raise InputError(f"needs c_alpha < c_beta, got {p['c_alpha']} and {p['c_beta']}", "phasefield.c_beta")
    p.setdefault("kappa", 0.0 if ideal else BM1["kappa"])
    heat = p.setdefault("heat_of_transport", [ILLUSTRATIVE_HEAT_OF_TRANSPORT if ideal else 0.0])
    p["heat_of_transport"] = heat * 2 if len(heat) == 1 else heat
    if ideal:
        d0, qd, _ = SOLUTES.get(p["solute"], (None, None, None))
        p.setdefault("D0", d0)
        p.setdefault("Qd", qd)
        if p["D0"] is None or p["Qd"] is None:
            raise InputError("solute = 'custom' needs phasefield.D0 and phasefield.Qd", "phasefield.solute")
        if p["initial"] in ("bm1", "precipitates"):
            raise InputError(f"{p['initial']!r} needs a double-well free energy", "phasefield.initial")
    gradient = p.setdefault("gradient", [0.0] * ndim)
    if len(gradient) != ndim:
        raise InputError(f"needs one entry per axis ({ndim}), got {len(gradient)}", "phasefield.gradient")
    for kind, key in (("expression", "temperature_expression"), ("file", "temperature_file")):
        if p["temperature"] == kind:
            _require(p, key, f"for temperature = '{kind}'")
    if p["initial"] == "profile":
        _require(p, "expression", "for initial = 'profile'")
    if p["initial"] == "precipitates":
        _check_precipitates(p, ndim)
    p.setdefault("track_precipitates", p["initial"] == "precipitates")
    if p["track_precipitates"] and ideal:
        raise InputError("precipitates need a double-well free energy", "phasefield.track_precipitates")
    if p["temperature"] == "linear":
        t_far = p["T0"] + sum(min(0.0, g * L) for g, L in zip(gradient, mesh["length"]))
        if t_far <= 0.0:
            raise InputError(f"the linear temperature falls to {t_far:g} <= 0 inside the domain",
                             "phasefield.gradient")
        for a, g in enumerate(gradient):
            if g and "periodic" in mesh["bc"][a]:
                raise InputError(f"axis {a} has a temperature gradient: a linear T is not periodic, use no-flux "
                                 "(neumann) faces along it", "mesh.bc")
    for a, pair in enumerate(mesh["bc"]):
        if "dirichlet" in pair:
            raise InputError(f"axis {a}: the solute faces are periodic or no-flux (neumann)", "mesh.bc")
    if p["scheme"] == "explicit":
        if p["adaptive_tol"]:
            raise InputError("the explicit step is stability-limited: use scheme = 'bdf2' or 'semi_implicit' "
                             "for an adaptive step", "phasefield.adaptive_tol")
        _check_explicit_step(deck)


def _check_precipitates(p, ndim):
    _require(p, "centres", "for initial = 'precipitates'")
    _require(p, "radii", "for initial = 'precipitates'")
    centres = p["centres"]
    if not isinstance(centres, list) or not all(isinstance(c, list) and len(c) == ndim and
                                                all(isinstance(v, (int, float)) for v in c) for c in centres):
        raise InputError(f"must be a list of [x{', y' if ndim > 1 else ''}{', z' if ndim > 2 else ''}] centres",
                         "phasefield.centres")
    if len(centres) != len(p["radii"]):
        raise InputError(f"{len(centres)} centres but {len(p['radii'])} radii", "phasefield.radii")
    p["centres"] = [[float(v) for v in c] for c in centres]


def thermodynamics(deck):
    """(Thermodynamics, Scales) of a resolved deck: the dimensionless constants and the scales."""
    p = deck["phasefield"]
    ideal = p["thermodynamics"] == "ideal"
    if ideal:
        scales, qd = ideal_scales(p["length_unit"], p["T0"], p["D0"], p["Qd"])
        q_a, q_b = (q / scales.energy for q in p["heat_of_transport"])
        thermo = Thermodynamics(el.IDEAL, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, p["kappa"], el.DILUTE_MOBILITY, 1.0, qd,
                                q_a, q_b)
        return thermo, scales
    q_a, q_b = p["heat_of_transport"]
    thermo = Thermodynamics(el.DOUBLE_WELL, p["rho"], p["c_alpha"], p["c_alpha_slope"], p["c_beta"],
                            p["c_beta_slope"], p["T_ref"], p["kappa"], el.CONSTANT_MOBILITY, p["M"], 0.0, q_a, q_b)
    return thermo, Scales()


def temperature_range(deck):
    """(T_min, T_max) in the family's unit: exact for uniform and linear, [T0, T0] otherwise (checked at run)."""
    p, mesh = deck["phasefield"], deck["mesh"]
    scale = p["T0"] if p["thermodynamics"] == "ideal" else 1.0
    if p["temperature"] != "linear":
        return p["T0"] / scale, p["T0"] / scale
    low = p["T0"] + sum(min(0.0, g * L) for g, L in zip(p["gradient"], mesh["length"]))
    high = p["T0"] + sum(max(0.0, g * L) for g, L in zip(p["gradient"], mesh["length"]))
    return low / scale, high / scale


def explicit_limit(deck):
    """Largest stable forward-Euler dt: dt (D_eff l + M kappa l^2) <= 2 with l = 4 sum 1/h^2 the largest
    eigenvalue of -Lap and D_eff = M max|f''| (the double well's f'' lies within +-2 A (c_b - c_a)^2 on
    [c_a, c_b]; D for the ideal model)."""
    thermo, _ = thermodynamics(deck)
    t_min, t_max = temperature_range(deck)
    mesh = deck["mesh"]
    lam = 4.0 * sum((n / L) ** 2 for n, L in zip(mesh["shape"], mesh["length"]))
    d_eff = 2.0 * thermo.stabilising_diffusivity(t_max)
    return 2.0 / (lam * (d_eff + thermo.largest_mobility(t_min, t_max) * thermo.kappa * lam))


def _check_explicit_step(deck):
    limit = explicit_limit(deck)
    if deck["run"]["dt"] > limit:
        raise InputError(f"forward Euler is unstable for dt > {limit:.3e} on this mesh; lower run.dt or use "
                         "scheme = 'semi_implicit'", "run.dt")


def warnings(deck):
    """Resolution: the double-well interface (width ~ 4 l) should span a few cells; bdf2's stabilisation."""
    p, mesh = deck["phasefield"], deck["mesh"]
    out = []
    if p["scheme"] == "bdf2" and p["stabilisation"] < 2.0 and p["adaptive_tol"] > 0.0:
        out.append(f"bdf2 with stabilisation = {p['stabilisation']:g} < 2: the adaptive dt may be held at a "
                   "stability limit")
    if p["thermodynamics"] == "ideal" or p["kappa"] == 0.0:
        return out
    ell = initial.interface_length(thermodynamics(deck)[0])
    h = max(L / n for L, n in zip(mesh["length"], mesh["shape"]))
    if 4.0 * ell < 3.0 * h:
        out.append(f"the interface (4 l = {4 * ell:.3g}) spans fewer than 3 cells of {h:.3g}: refine the mesh")
    return out


def units(deck):
    _, scales = thermodynamics(deck)
    return Units(scales.length, scales.time, scales.describe())
