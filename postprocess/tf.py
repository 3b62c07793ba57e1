"""Thermodynamic-forcing postprocessing from files: the forcing + Krook moment theory of TF-PIC spec 3.6 and
its comparison with a run, the heat-flux history and the anisotropy path in the (beta_par, T_perp/T_par) plane
with the instability thresholds.

Code units (those of the run): time in 1/omega_pe, temperatures in m_e c^2, pressures in n_0 m_e c^2, heat
fluxes in n_0 m_e c^3. The run writes the forcing in both forms and each species' mass, density and Krook rate
to OUTDIR/diags/parameters.h5 (attributes `forcing_G<ij>_<s>`, `forcing_g<c>_<s>`, `mass_<s>`, ...), and per
species the diagnostics `P_<ij>_<s>`, `T_par_<s>`, `T_perp_<s>`, `beta_par_<s>` and `heat_flux_<s>` (along
the temperature gradient of a forced species) to OUTDIR/diags/scalars.h5.

Theory (a Krook operator -nu (f - f_M) with f_M the local Maxwellian, forcing accelerations of spec section 2):
- velocity gradient, a = -G w: the pressure tensor obeys dP/dt = -(G P + P G^T) - nu (P - p I), p = tr P / 3,
  integrated here as a linear ODE from the run's first P (`pressure_moment_solution`).
- temperature gradient, a = (3T/(2m) - |w|^2/2) g: the first-order Chapman-Enskog part f_1 = (g . w) f_M
  (5/2 - m |w|^2 / (2T)) / nu carries q = -(5/2) n T^2 g / (m nu) (`krook_heat_flux`), reached as
  1 - exp(-nu t) from a Maxwellian start (without collisions: q = -(5/2) n T^2 g t / m while small). The Krook
  step of the code (every step a fraction 1 - exp(-nu dt)
  resampled after the push) holds the steady value at nu dt / (exp(nu dt) - 1) of the continuous one
  (`krook_step_factor`, -nu dt / 2), a property of the splitting, included in the comparison.
Corrections left out of these formulas, which the validation keeps below 1 %: the relativistic mass
(about -15 T/m_e c^2 of q), the next order in lambda_mfp / L_T (about +21 (lambda_mfp/L_T)^2 of q), and the
second-order heating ((5/3) (lambda_mfp/L_T)^2 nu T per unit time), which the comparison follows by using the
measured T(t).
"""
import math
import sys

import h5py
import numpy as np

from .families import save_figure
from .pic import SPECTRA
from .readers import ReadError, _outdir, read_scalars


def _figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)

COMPONENTS = ("xx", "yy", "zz", "xy", "xz", "yz")
INDEX = {"xx": (0, 0), "yy": (1, 1), "zz": (2, 2), "xy": (0, 1), "xz": (0, 2), "yz": (1, 2)}


def read_parameters(outdir):
    """{name: value} of OUTDIR/diags/parameters.h5 (the run's given and derived parameters)."""
    file = _outdir(outdir) / "diags" / "parameters.h5"
    if not file.is_file():
        raise ReadError(f"{file}: missing")
    with h5py.File(file, "r") as f:
        return {k: (v.item() if hasattr(v, "item") and np.ndim(v) == 0 else v) for k, v in f.attrs.items()}


def _need(table, key, file="diags/parameters.h5"):
    if key not in table:
        raise ReadError(f"{key}: not in {file} (is the species name right, and the forcing on?)")
    return table[key]


def forcing_of(parameters, species):
    """(G 3x3, g 3-vector, nu, mass, density) of a species from the run's parameters (zeros where off)."""
    G = np.array([[parameters.get(f"forcing_G{i}{j}_{species}", 0.0) for j in range(3)] for i in range(3)])
    g = np.array([parameters.get(f"forcing_g{c}_{species}", 0.0) for c in "xyz"])
    return (G, g, _need(parameters, f"krook_rate_{species}"), _need(parameters, f"mass_{species}"),
            _need(parameters, f"density_{species}"))


def pressure_tensor(scalars, species):
    """P (rows, 3, 3) from the `P_<ij>_<species>` series."""
    rows = len(scalars["time"])
    out = np.empty((rows, 3, 3))
    for c, (i, j) in INDEX.items():
        out[:, i, j] = out[:, j, i] = _need(scalars, f"P_{c}_{species}", "diags/scalars.h5")
    return out


def pressure_moment_solution(G, nu, P0, t):
    """P(t) (len(t), 3, 3) of dP/dt = -(G P + P G^T) - nu (P - tr P / 3 I) from P(t[0]) = P0."""
    G = np.asarray(G, dtype=float)

    def rhs(_, y):
        P = y.reshape(3, 3)
        return (-(G @ P + P @ G.T) - nu * (P - np.trace(P) / 3.0 * np.eye(3))).ravel()

    from scipy.integrate import solve_ivp

    sol = solve_ivp(rhs, (t[0], t[-1]), np.asarray(P0, dtype=float).ravel(), t_eval=t, method="DOP853",
                    rtol=1e-11, atol=1e-14 * float(np.max(np.abs(P0))))
    return sol.y.T.reshape(-1, 3, 3)


def krook_heat_flux(density, temperature, g, mass, nu):
    """Steady Krook heat flux along g: q = -(5/2) n T^2 |g| / (m nu)."""
    return -2.5 * density * np.asarray(temperature) ** 2 * float(np.linalg.norm(g)) / (mass * nu)


def built_up(nu, t):
    """(1 - exp(-nu t)) / nu: the time factor of the heat flux from a Maxwellian start (t when nu = 0: the
    collisionless linear response q = -(5/2) n T^2 g t / m, valid while |q| << n T v_th)."""
    t = np.asarray(t, dtype=float)
    return -np.expm1(-nu * t) / nu if nu > 0 else t


def krook_step_factor(nu, dt):
    """Steady value of the code's Krook step relative to the continuous operator: nu dt / (exp(nu dt) - 1)."""
    x = nu * dt
    return x / math.expm1(x) if x > 0 else 1.0


def moment_comparison(outdir, species):
    """Measured moments of a forced species against the moment theory (nu = 0: the collisionless forcing-only
    limits). Returns a dict with `time` and, where the velocity forcing is on, `P` (measured), `P_theory`,
    `P_deviation` (|P - P_theory| / p_theory per row, max over components); where the temperature forcing
    is on, `heat_flux`, `heat_flux_theory` (krook_heat_flux at the measured T(t) with nu times `built_up`,
    times krook_step_factor) and `temperature`."""
    parameters = read_parameters(outdir)
    scalars = read_scalars(outdir)
    G, g, nu, mass, density = forcing_of(parameters, species)
    if not (np.any(G) or np.any(g)):
        raise ReadError(f"species {species} is not forced (no forcing_G*/forcing_g* in diags/parameters.h5)")
    t = scalars["time"]
    out = {"time": t}
    if np.any(G):
        P = pressure_tensor(scalars, species)
        theory = pressure_moment_solution(G, nu, P[0], t)
        p = np.trace(theory, axis1=1, axis2=2)[:, None, None] / 3.0
        out.update(P=P, P_theory=theory, P_deviation=np.max(np.abs(P - theory) / p, axis=(1, 2)))
    if np.any(g):
        temperature = (scalars[f"T_par_{species}"] + 2.0 * scalars[f"T_perp_{species}"]) / 3.0
        dt = _need(parameters, "dt")
        theory = krook_heat_flux(density, temperature, g, mass, 1.0) * built_up(nu, t) * krook_step_factor(nu, dt)
        out.update(heat_flux=scalars[f"heat_flux_{species}"], heat_flux_theory=theory, temperature=temperature)
    return out


def moments_figure(comparison, species):
    """Figure: the pressure components and/or the heat flux against the moment theory."""
    panels = [k for k in ("P", "heat_flux") if k in comparison]
    fig = _figure(figsize=(6.5, 3.2 * max(1, len(panels))))
    t = comparison["time"]
    for n, key in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, n + 1)
        if key == "P":
            for c, (i, j) in list(INDEX.items())[:3]:
                line, = ax.plot(t, comparison["P"][:, i, j], lw=1, label=f"P_{c}")
                ax.plot(t, comparison["P_theory"][:, i, j], "--", color=line.get_color(), lw=1)
            ax.set_ylabel("pressure (n0 me c^2)")
        else:
            ax.plot(t, comparison["heat_flux"], lw=1, label="q (PIC)")
            ax.plot(t, comparison["heat_flux_theory"], "--", lw=1, label="-(5/2) n T^2 g / (m nu)")
            ax.set_ylabel("heat flux (n0 me c^3)")
        ax.legend(fontsize=8)
        ax.set_xlabel("t omega_pe")
    fig.suptitle(f"{species}: forcing + Krook moments (dashed: theory)", fontsize=10)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------------
# Paper-style figures: heat flux against time, the anisotropy path against the instability thresholds
# --------------------------------------------------------------------------------------------------------------

def heat_flux_history(outdir, species):
    """(t, q / (n T v_th)) of a species: the heat flux (along g, or b) normalised by the free-streaming scale
    with the run's current temperature T = (T_par + 2 T_perp) / 3 and v_th = sqrt(T/m)."""
    parameters, scalars = read_parameters(outdir), read_scalars(outdir)
    mass, density = _need(parameters, f"mass_{species}"), _need(parameters, f"density_{species}")
    temperature = (_need(scalars, f"T_par_{species}", "diags/scalars.h5")
                   + 2.0 * _need(scalars, f"T_perp_{species}", "diags/scalars.h5")) / 3.0
    scale = density * temperature * np.sqrt(temperature / mass)
    return scalars["time"], scalars[f"heat_flux_{species}"] / scale


def heat_flux_figure(runs, species):
    """Figure: |q| / (n T v_th) against time for {label: outdir}."""
    fig = _figure(figsize=(6.5, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    for label, outdir in runs.items():
        t, q = heat_flux_history(outdir, species)
        ax.plot(t, np.abs(q), lw=1, label=label)
    ax.set_xlabel("t omega_pe")
    ax.set_ylabel("|q| / (n T v_th)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def anisotropy_path(outdir, species):
    """(t, beta_par, T_perp / T_par) of a species (beta_par = 2 n T_par / B_0^2; needs a background field)."""
    scalars = read_scalars(outdir)
    return (scalars["time"], _need(scalars, f"beta_par_{species}", "diags/scalars.h5"),
            _need(scalars, f"anisotropy_{species}", "diags/scalars.h5"))


def threshold_curves(betas, wpe_over_wce, mass_ratio, whistler_growth=0.01, firehose_growth=0.1):
    """{name: anisotropies at `betas`} of the whistler (gamma_max = whistler_growth |Omega_e|) and parallel
    firehose (gamma_max = firehose_growth Omega_p) thresholds from `parallel_modes`; NaN where the
    threshold is not bracketed."""
    from .parallel_modes import threshold_anisotropy

    out = {}
    for name, growth, branch in (("whistler", whistler_growth, "whistler"),
                                 ("firehose", firehose_growth, "firehose")):
        values = []
        for beta in betas:
            try:
                values.append(threshold_anisotropy(beta, growth, branch, wpe_over_wce, mass_ratio=mass_ratio))
            except (ValueError, RuntimeError):
                values.append(math.nan)
        out[f"{name} (gamma = {growth:g} Omega_{'e' if branch == 'whistler' else 'p'})"] = np.array(values)
    return out


def anisotropy_figure(paths, betas=None, thresholds=None):
    """Figure: T_perp/T_par against beta_par (log-log) for {label: (beta_par, anisotropy)}, with threshold
    curves {label: anisotropies at `betas`} dashed."""
    fig = _figure(figsize=(5.5, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    for label, (beta, anisotropy) in paths.items():
        ax.plot(beta, anisotropy, lw=1, label=label)
        ax.plot(beta[:1], anisotropy[:1], "o", ms=3, color=ax.lines[-1].get_color())
    for label, values in (thresholds or {}).items():
        ax.plot(betas, values, "--", lw=1, label=label)
    ax.axhline(1.0, color="0.6", lw=0.5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("beta_par")
    ax.set_ylabel("T_perp / T_par")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------------
# Mode growth against the linear theory of the run's own plasma
# --------------------------------------------------------------------------------------------------------------

def plasma_of_run(outdir, electrons=None, ions=None):
    """`parallel_modes.BiMaxwellianPlasma` of a run from its diags/parameters.h5: |B_0| (omega_pe/Omega_ce),
    the electrons' loaded T_par, T_perp and density (the reference n_0 = 1), and the ion species (charge
    > 0; at most one, isotropic) for m_p/m_e and T_p/T_e,par, or, without one, immobile ions (m_p/m_e =
    1e12). Species names default to the single species of each sign."""
    from .parallel_modes import BiMaxwellianPlasma

    parameters = read_parameters(outdir)
    names = sorted({k[len("charge_"):] for k in parameters if k.startswith("charge_")})
    negative = [n for n in names if parameters[f"charge_{n}"] < 0]
    positive = [n for n in names if parameters[f"charge_{n}"] > 0]
    electrons = electrons or (negative[0] if len(negative) == 1 else None)
    if electrons is None:
        raise ReadError(f"{outdir}: name the electron species (negative species: {', '.join(negative) or 'none'})")
    ions = ions or (positive[0] if len(positive) == 1 else None)
    b0 = math.sqrt(sum(parameters.get(f"B0_{c}", 0.0) ** 2 for c in "xyz"))
    if b0 == 0.0:
        raise ReadError(f"{outdir}: no background field; the parallel-mode theory needs B_0")
    t_par = _need(parameters, f"temperature_par_{electrons}")
    t_perp = _need(parameters, f"temperature_perp_{electrons}")
    if ions is None:
        ion = {"mass_ratio": 1e12}
    else:
        t_ion_par, t_ion_perp = (_need(parameters, f"temperature_{a}_{ions}") for a in ("par", "perp"))
        ion = {"mass_ratio": _need(parameters, f"mass_{ions}"), "temperature_ratio": t_ion_par / t_par,
               "anisotropy_p": t_ion_perp / t_ion_par if t_ion_par > 0 else 1.0}
    return BiMaxwellianPlasma(2.0 * t_par / b0**2, 1.0 / b0, t_perp / t_par, **ion)


def growth_against_theory(outdir, field="B", mode=None, electrons=None, ions=None):
    """The measured growth of a mode of spectrum_<field> (automatic window, `pic.growth_from_spectrum`) beside
    the dispersion solver's omega at the same k on the branch the electron anisotropy drives (whistler for
    T_perp > T_par, firehose otherwise). Returns the fit dict with `branch`, `omega_theory` (complex) and
    `ratio` = gamma / Im omega_theory added."""
    from .parallel_modes import fastest_growing, root
    from .pic import growth_from_spectrum

    plasma = plasma_of_run(outdir, electrons, ions)
    fit = growth_from_spectrum(outdir, field, mode)
    branch = "whistler" if plasma.anisotropy_e > 1.0 else "firehose"
    _, omega_r, gamma = fastest_growing(plasma, branch)
    omega = root(fit["k"], plasma, complex(omega_r, gamma), +1 if branch == "whistler" else -1)
    return dict(fit, branch=branch, omega_theory=omega, ratio=fit["gamma"] / omega.imag if omega.imag else math.nan)


def growth_figure(outdir, comparison, field="B"):
    """Figure: the fitted mode's energy against time (log), the fit, and the theory's slope 2 Im omega through
    the middle of the window; the spectra at a few times in a second panel."""
    from .pic import read_spectrum

    t, k, energy = read_spectrum(outdir, field)
    m = comparison["mode"]
    fig = _figure(figsize=(6.5, 6.4))
    ax = fig.add_subplot(2, 1, 1)
    ax.semilogy(t, energy[:, m], lw=1, label=f"mode {m}, k = {k[m]:.4g}")
    t0, t1 = comparison["window"]
    mid = 0.5 * (t0 + t1)
    at = float(np.exp(np.interp(mid, t, np.log(np.maximum(energy[:, m], 1e-300)))))
    span = np.linspace(t0, t1, 2)
    ax.semilogy(span, at * np.exp(2 * comparison["gamma"] * (span - mid)), "k--", lw=1,
                label=f"fit gamma = {comparison['gamma']:.4g}")
    ax.semilogy(span, at * np.exp(2 * comparison["omega_theory"].imag * (span - mid)), "r:", lw=1.5,
                label=f"{comparison['branch']} theory gamma = {comparison['omega_theory'].imag:.4g}")
    ax.set_xlabel("t omega_pe")
    ax.set_ylabel(f"spectrum_{field} mode energy")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(2, 1, 2)
    for row in np.unique(np.linspace(0, len(t) - 1, 5).astype(int)):
        ax.semilogy(k[1:], np.maximum(energy[row, 1:], 1e-300), lw=1, label=f"t = {t[row]:.4g}")
    ax.set_xlabel("k c / omega_pe")
    ax.set_ylabel(f"spectrum_{field}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# -- hpcsim-post subcommands (registered through `postprocess.families`) ----------------------------------------

def cmd_tf_moments(args):
    comparison = moment_comparison(args.outdir, args.species)
    if "P" in comparison:
        print(f"pressure tensor vs dP/dt = -(G P + P G^T) - nu (P - p I): max |P - P_theory| / p = "
              f"{float(np.max(comparison['P_deviation'])):.4g}")
    if "heat_flux" in comparison:
        t, q, theory = comparison["time"], comparison["heat_flux"], comparison["heat_flux_theory"]
        late = t >= t[-1] / 2
        ratio = float(np.mean(q[late]) / np.mean(theory[late]))
        print(f"heat flux vs -(5/2) (n T^2 g / m) (1 - exp(-nu t)) / nu (t when nu = 0): mean ratio over "
              f"t >= {t[-1] / 2:.4g} = {ratio:.4f}")
    if args.out:
        save_figure(moments_figure(comparison, args.species), args.out)


def cmd_tf_heat_flux(args):
    for outdir in args.outdirs:
        t, q = heat_flux_history(outdir, args.species)
        last = t >= t[-1] * (1.0 - args.tail)
        print(f"{outdir}: q / (n T v_th) = {float(np.mean(q[last])):.5g} (mean over the last "
              f"{100 * args.tail:g} % of the run, t >= {t[last][0]:.5g})")
    if args.out:
        save_figure(heat_flux_figure({str(o): o for o in args.outdirs}, args.species), args.out)


def cmd_tf_anisotropy(args):
    paths = {}
    for outdir in args.outdirs:
        _, beta, anisotropy = anisotropy_path(outdir, args.species)
        paths[str(outdir)] = (beta, anisotropy)
        print(f"{outdir}: beta_par {beta[0]:.4g} -> {beta[-1]:.4g}, T_perp/T_par {anisotropy[0]:.4g} -> "
              f"{anisotropy[-1]:.4g}")
    parameters = read_parameters(args.outdirs[0])
    betas = thresholds = None
    if args.thresholds:
        wpe_over_wce = 1.0 / math.sqrt(sum(parameters.get(f"B0_{c}", 0.0) ** 2 for c in "xyz"))
        mass_ratio = parameters.get("mass_ratio", args.mass_ratio)
        lo = min(float(np.min(b)) for b, _ in paths.values())
        hi = max(float(np.max(b)) for b, _ in paths.values())
        betas = np.geomspace(max(lo / 1.5, 0.05), hi * 1.5, 12)
        thresholds = threshold_curves(betas, wpe_over_wce, mass_ratio)
        for name, values in thresholds.items():
            print(f"threshold {name}: " + ", ".join(f"beta {b:.3g}: {v:.4g}" for b, v in zip(betas, values)))
    if args.out:
        save_figure(anisotropy_figure(paths, betas, thresholds), args.out)


def cmd_tf_growth(args):
    try:
        c = growth_against_theory(args.outdir, args.field, args.mode, args.electrons, args.ions)
    except ValueError as exc:
        sys.stderr.write(f"hpcsim-post: spectrum_{args.field}: {exc}\n")
        return 1
    t0, t1 = c["window"]
    w = c["omega_theory"]
    print(f"spectrum_{c['field']} mode {c['mode']}: k = {c['k']:.6g}, gamma = {c['gamma']:.6g} over t = {t0:.6g} .. "
          f"{t1:.6g} (r^2 = {c['r2']:.6f})")
    print(f"{c['branch']} theory (postprocess.parallel_modes) at that k: omega = {w.real:.6g} + {w.imag:.6g}i; "
          f"gamma / theory = {c['ratio']:.4f}")
    if args.out:
        save_figure(growth_figure(args.outdir, c, args.field), args.out)
    return 0


def register(sub):
    """The `hpcsim-post` subcommands of thermodynamic-forcing runs: tf-moments, tf-heat-flux, tf-anisotropy, tf-growth."""
    p = sub.add_parser("tf-moments", help="TF-PIC: forcing + Krook moments against the moment theory")
    p.add_argument("outdir")
    p.add_argument("--species", required=True)
    p.add_argument("-o", "--out", help="PNG file to write (default: numbers only)")
    p.set_defaults(func=cmd_tf_moments)
    p = sub.add_parser("tf-heat-flux", help="TF-PIC: heat flux / (n T v_th) against time (one or more runs)")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--species", required=True)
    p.add_argument("--tail", type=float, default=0.25, help="fraction of the run averaged for the printed value")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_tf_heat_flux)
    p = sub.add_parser("tf-anisotropy", help="TF-PIC: T_perp/T_par against beta_par with instability thresholds")
    p.add_argument("outdirs", nargs="+")
    p.add_argument("--species", required=True)
    p.add_argument("--thresholds", action="store_true", help="add the whistler and firehose thresholds of "
                   "postprocess.parallel_modes (slow: a root search per beta)")
    p.add_argument("--mass-ratio", type=float, default=1836.15267343,
                   help="m_p/m_e for the thresholds when the run does not record it")
    p.add_argument("-o", "--out", help="PNG file to write")
    p.set_defaults(func=cmd_tf_anisotropy)
    p = sub.add_parser("tf-growth", help="TF-PIC: mode growth against the parallel-mode dispersion solver")
    p.add_argument("outdir")
    p.add_argument("--field", choices=SPECTRA, default="B")
    p.add_argument("--mode", type=int, help="mode index (default: the fastest growing)")
    p.add_argument("--electrons", help="electron species (default: the only negative one)")
    p.add_argument("--ions", help="ion species (default: the only positive one, else immobile ions)")
    p.add_argument("-o", "--out", help="PNG file to write (mode energy with fit and theory, spectra)")
    p.set_defaults(func=cmd_tf_growth)
