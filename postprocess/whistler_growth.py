"""The linear growth of parallel whistlers that a TF-PIC run's state allows: the electrons' velocity spreads,
heat flux and skew read from a checkpoint, and the exact roots of the parallel R mode for the skewed
bi-Maxwellian with those moments (`parallel_modes`, heat-flux skew), in every direction and in the run's box.

Code units: c = omega_pe = 1, electron mass 1, B_0 along x, Omega = Omega_ce / omega_pe; ions immobile (as in
the TF-PIC heat-flux runs). The skew eps of f_biM [1 + eps x (x^2/2 + y^2/2 - 5/2)] (x = v_par / w_par,
y = v_perp / w_perp, w the velocity spreads) is measured two ways: from the heat flux, q_par = (eps/2) n m w_par
(3 w_par^2 + 2 w_perp^2) (`skew_for_heat_flux`), and by fitting the odd part of the reduced distribution of the
thermal core, where the whistler's resonant electrons are (`core_skew`). A whistler travelling along the heat
flux is the mirror image of one along +B_0 at skew |eps|; against it, at -|eps|.

The moments are those of v = u / gamma (non-relativistic): at theta_e = 0.1 the cyclotron resonance has
relativistic corrections of order theta_e, and the forced distribution need not have the Chapman-Enskog shape
(the core fit's residual says how far it is from it, histogram noise included), so the roots are the growth
that the run's heat flux and anisotropy give a plasma of that shape, not a prediction to tens of per cent.
"""
import json
import math
from pathlib import Path

import h5py
import numpy as np

from .parallel_modes import BiMaxwellianPlasma, whistler_branch
from .readers import ReadError, read_deck


def skew_for_heat_flux(q_par, w_par, w_perp):
    """eps of `maxwellian` that carries the parallel heat flux q_par (density 1, mass 1)."""
    return 2.0 * q_par / (w_par * (3.0 * w_par ** 2 + 2.0 * w_perp ** 2))


def thermal_speeds(u):
    """(w_par, w_perp, q_par) of particle momenta u (3, N): velocity spreads along and across x and the heat
    flux sum (v^2 / 2) (v_par - <v_par>) / N (non-relativistic moments of v = u / gamma)."""
    v = u / np.sqrt(1.0 + np.sum(u ** 2, axis=0))
    dv = v - v.mean(axis=1, keepdims=True)
    w_par = float(np.sqrt(np.mean(dv[0] ** 2)))
    w_perp = float(np.sqrt(0.5 * np.mean(dv[1] ** 2 + dv[2] ** 2)))
    return w_par, w_perp, float(np.mean(0.5 * np.sum(dv ** 2, axis=0) * dv[0]))


def core_skew(u, w_par, x_max=3.0, bins=60):
    """(eps, relative residual) of the skew fitted to the thermal core: the odd part of the reduced distribution
    F(x), x = (v_par - <v_par>) / w_par, over |x| < x_max by least squares against the model's
    eps g(x) x (x^2 - 3) / 2 (g the unit Gaussian). The electrons that resonate with the whistler lie in this
    range; a tail that carries heat flux outside it counts in q_par but not here."""
    v = u[0] / np.sqrt(1.0 + np.sum(u ** 2, axis=0))
    edges = np.linspace(-x_max, x_max, bins + 1)
    x = 0.5 * (edges[1:] + edges[:-1])
    density = np.histogram((v - v.mean()) / w_par, edges)[0] / (v.size * (edges[1] - edges[0]))
    odd = 0.5 * (density - density[::-1])
    shape = np.exp(-0.5 * x ** 2) / math.sqrt(2.0 * math.pi) * x * (x ** 2 - 3.0) / 2.0
    eps = float(np.sum(odd * shape) / np.sum(shape ** 2))
    return eps, float(np.linalg.norm(odd - eps * shape) / np.linalg.norm(odd))


def state_plasma(w_par, w_perp, omega_ce):
    """The electron bi-Maxwellian (immobile ions) with velocity spreads w_par, w_perp in a field Omega_ce."""
    return BiMaxwellianPlasma(2.0 * w_par ** 2 / omega_ce ** 2, 1.0 / omega_ce, (w_perp / w_par) ** 2,
                              mass_ratio=math.inf)


def state_growth(u, ks, omega_ce):
    """The parallel whistlers of the state of particle momenta u (3, N) at wavenumbers ks (> 0, ascending): its
    spreads and heat flux (`thermal_speeds`), the skews of `skew_for_heat_flux` and `core_skew`, and the complex
    roots omega(k) of its bi-Maxwellian along and against the heat flux with each skew:
    ({w_par, w_perp, q_par, skew_q, skew_core, core_residual}, {name: roots}). NaN where a branch is lost."""
    w_par, w_perp, q_par = thermal_speeds(u)
    skew_core, residual = core_skew(u, w_par)
    state = {"w_par": w_par, "w_perp": w_perp, "q_par": q_par, "skew_q": skew_for_heat_flux(q_par, w_par, w_perp),
             "skew_core": skew_core, "core_residual": residual}
    plasma, direction = state_plasma(w_par, w_perp, omega_ce), math.copysign(1.0, q_par)
    roots = {}
    for name in ("skew_q", "skew_core"):
        roots[f"{name}_along"] = whistler_branch(ks, plasma, direction * state[name])
        roots[f"{name}_against"] = whistler_branch(ks, plasma, -direction * state[name])
    return state, roots


def checkpoint_momenta(path, species):
    """(u (3, N), time) of `species` in a TF-PIC checkpoint file or directory (checkpoint.h5)."""
    path = Path(path)
    file = path / "checkpoint.h5" if path.is_dir() else path
    if not file.is_file():
        raise ReadError(f"{file}: no checkpoint file")
    with h5py.File(file, "r") as f:
        key = f"particles/{species}/u"
        if key not in f:
            raise ReadError(f"{file}: no species '{species}' (have {', '.join(f['particles'])})")
        clock = json.loads(f["state"].attrs["json"])
        steps, anchor = clock["steps"], clock["clock"]
        time = anchor["anchor_time"] + (steps - anchor["anchor_step"]) * anchor["dt"]
        return f[key][...], float(time)


def _checkpoints(outdir, steps):
    """Checkpoint directories of OUTDIR, all or those of `steps`."""
    found = {int(p.name.split("_")[1]): p for p in sorted(Path(outdir, "checkpoints").glob("ckpt_*"))
             if p.name.split("_")[1].isdigit()}
    if not found:
        raise ReadError(f"{outdir}: no checkpoints in checkpoints/")
    missing = [s for s in steps or () if s not in found]
    if missing:
        raise ReadError(f"{outdir}: no checkpoint at step {missing[0]} (have {', '.join(map(str, found))})")
    return [found[s] for s in steps] if steps else list(found.values())


def box_wavenumbers(outdir, k_max):
    """k = 2 pi m / L_x (m >= 1, k <= k_max) of the run's periodic box along B_0 = x (its deck.toml)."""
    import tomllib

    mesh = tomllib.loads(read_deck(outdir))["mesh"]
    length = mesh["length"][0] if "length" in mesh else mesh["shape"][0] * mesh["spacing"][0]
    return 2.0 * math.pi / length * np.arange(1, int(k_max * length / (2.0 * math.pi)) + 1)


def fastest(ks, roots):
    """(gamma, k, omega_r) of the fastest-growing root (NaN if none converged)."""
    if not np.isfinite(roots.imag).any():
        return math.nan, math.nan, math.nan
    i = int(np.nanargmax(roots.imag))
    return float(roots.imag[i]), float(ks[i]), float(roots.real[i])


def cmd_tf_whistler_theory(args):
    from .tf import read_parameters

    parameters = read_parameters(args.outdir)
    omega_ce, rho_e = parameters["omega_ce"], parameters["gyroradius_e"]
    grid = np.linspace(args.k[0], args.k[1], args.points) / rho_e
    box = box_wavenumbers(args.outdir, args.k[1] / rho_e)
    print(f"{args.outdir}: parallel whistlers of a skewed bi-Maxwellian with each checkpoint's moments (exact, "
          f"non-relativistic); Omega_ce = {omega_ce:.5g} omega_pe, |k| rho_e = {args.k[0]:g}-{args.k[1]:g} "
          f"(rho_e = {rho_e:.4g} d_e), the box's k_par rho_e = {box[0] * rho_e if box.size else math.nan:.3g} "
          f"x m; gamma in omega_pe" + (f", nu = {args.nu:g}" if args.nu else ""))
    print("       t  beta_par  Tperp/Tpar  q/(nTv_th) | skew from q: eps   gamma  k rho_e  omega_r/Omega  in box "
          "(k rho_e) | core fit: eps (resid)   gamma  in box | against q" + (" | gamma/nu: q, core, box" if args.nu
                                                                             else ""))
    for path in _checkpoints(args.outdir, args.checkpoint):
        u, t = checkpoint_momenta(path, args.species)
        ks = np.sort(np.concatenate([grid, box]))
        in_box = np.isin(ks, box)
        state, roots = state_growth(u, ks, omega_ce)
        w_par, w_perp, q_par = state["w_par"], state["w_perp"], state["q_par"]
        g_q, k_q, w_q = fastest(ks[~in_box], roots["skew_q_along"][~in_box])
        box_q, box_k, _ = fastest(ks[in_box], roots["skew_q_along"][in_box])
        g_core = fastest(ks[~in_box], roots["skew_core_along"][~in_box])[0]
        box_core = fastest(ks[in_box], roots["skew_core_along"][in_box])[0]
        back = max(fastest(ks, roots[name])[0] for name in ("skew_q_against", "skew_core_against"))
        temperature = (w_par ** 2 + 2.0 * w_perp ** 2) / 3.0
        print(f"{t:8.1f}  {2.0 * w_par ** 2 / omega_ce ** 2:8.2f}  {(w_perp / w_par) ** 2:10.3f}  "
              f"{abs(q_par) / temperature ** 1.5:10.4f} | {state['skew_q']:+16.4f}  {g_q:+.2e}  "
              f"{k_q * rho_e:7.3f}  {w_q / omega_ce:13.4f}  {box_q:+.2e} ({box_k * rho_e:.3f}) | "
              f"{state['skew_core']:+14.4f} ({state['core_residual']:.2f})  {g_core:+.2e}  {box_core:+.2e} | "
              f"{back:+.2e}" + (f" | {g_q / args.nu:5.2f}, {g_core / args.nu:5.2f}, {box_q / args.nu:5.2f}"
                                if args.nu else ""))
    return 0


def register(sub):
    """`hpcsim-post tf-whistler-theory`: linear parallel-whistler growth of a TF-PIC run's checkpointed state."""
    p = sub.add_parser("tf-whistler-theory", help="TF-PIC: linear growth of parallel whistlers for the heat flux "
                       "and anisotropy of each checkpoint (skewed bi-Maxwellian, exact Z-function roots)")
    p.add_argument("outdir")
    p.add_argument("--species", default="electrons", help="species (default electrons)")
    p.add_argument("--checkpoint", type=int, nargs="+", metavar="STEP", help="checkpoint steps (default: all)")
    p.add_argument("--k", nargs=2, type=float, default=(0.1, 1.5), metavar=("LO", "HI"),
                   help="|k| rho_e range (default 0.1 1.5)")
    p.add_argument("--points", type=int, default=29, help="wavenumbers per direction (default 29)")
    p.add_argument("--nu", type=float, help="numerical collisionality (omega_pe) to compare the growth with")
    p.set_defaults(func=cmd_tf_whistler_theory)
