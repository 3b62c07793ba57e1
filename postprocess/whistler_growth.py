"""Linear growth of parallel whistlers in a heat-flux-carrying electron plasma: the exact dispersion of a skewed
bi-Maxwellian, and the resonant growth rate of a sampled (particle) distribution, e.g. a TF-PIC checkpoint.

Code units: c = omega_pe = 1, electron mass 1, immobile ions, B_0 along x, Omega = Omega_ce / omega_pe; k is
signed (k > 0: along +B_0). The parallel R mode, fields ~ exp(i (k x - omega t)), obeys (Stix 1992, ch. 10)

    D(omega, k) = omega^2 - k^2 + I(omega, k) = 0,
    I = int d^3u (v_perp / 2) [(omega - k v_par) df/du_perp + k v_perp df/du_par] / (omega - k v_par - Omega/gamma)

with f normalised to 1, u = gamma v and the Landau prescription Im omega -> +0 (cold limit: I = -omega / (omega
- Omega), the whistler below Omega). Electrons resonate at v_par = (omega - Omega/gamma) / k: against k.

1. Skewed bi-Maxwellian (non-relativistic, gamma = 1): with x = v_par / w_par, y = v_perp / w_perp,

    f = f_biM(w_par, w_perp) [1 + eps x (x^2 / 2 + y^2 / 2 - 5/2)],

   the first Chapman-Enskog (Braginskii-type) correction of a temperature gradient along B_0: no current, and
   the heat flux q_par = (eps / 2) n m w_par (3 w_par^2 + 2 w_perp^2) (q / (n T v_th) = 5 eps / 2 at w_par =
   w_perp = v_th). Integrating over v_perp and writing the v_par integrals with Z_n(zeta) = pi^-1/2 int t^n
   exp(-t^2) / (t - zeta) dt (Z_0 = Z, Z_{n+1} = zeta Z_n + pi^-1/2 int t^n exp(-t^2) dt) gives I exactly
   (`dispersion`); `whistler_root` follows the root omega = omega_r + i gamma from the cold whistler. eps = 0
   is Gary's bi-Maxwellian whistler (temperature-anisotropy instability for w_perp > w_par).

2. A TF-PIC checkpoint: its electrons' velocity spreads w_par, w_perp and heat flux q_par (non-relativistic
   moments of v = u / gamma) define the skewed bi-Maxwellian of section 1 with the same moments
   (`state_growth`). At theta_e = 0.1 this is an approximation (relativistic corrections to the cyclotron
   resonance are O(theta_e)), and the forced distribution need not have the Chapman-Enskog shape; the root
   is the growth the heat flux and anisotropy of the run would give a plasma of that shape.
"""
import math

import h5py
import numpy as np

from .readers import ReadError, read_deck
from .theory import plasma_z

GAUSS_MOMENTS = (1.0, 0.0, 0.5, 0.0, 0.75, 0.0)      # pi^-1/2 int t^n exp(-t^2) dt, n = 0..5


def maxwellian(skew=0.0):
    """Coefficients {(i, j): a_ij} of f / f_biM = sum a_ij x^i y^(2j): the bi-Maxwellian and its heat-flux skew."""
    return {(0, 0): 1.0, (3, 0): 0.5 * skew, (1, 1): 0.5 * skew, (1, 0): -2.5 * skew}


def skew_for_heat_flux(q_par, w_par, w_perp):
    """eps of `maxwellian` that carries the parallel heat flux q_par (density 1, mass 1)."""
    return 2.0 * q_par / (w_par * (3.0 * w_par ** 2 + 2.0 * w_perp ** 2))


def _numerator(coefficients, omega, k, w_par, w_perp):
    """Polynomial c_n x^n (list, n ascending) of int d^2v_perp (v_perp/2)[(omega - k v_par) df/dv_perp +
    k v_perp df/dv_par] / g(x), g the unit Gaussian in x, for f = f_biM sum a_ij x^i y^(2j)."""
    c = np.zeros(len(GAUSS_MOMENTS), dtype=complex)          # degree <= 4 for the skew (i <= 3)
    for (i, j), a in coefficients.items():
        if a == 0.0:
            continue
        m_j, m_j1 = 2.0 ** j * math.factorial(j), 2.0 ** (j + 1) * math.factorial(j + 1)   # <y^2j>, <y^2(j+1)>
        perp = 0.5 * a * (2 * j * m_j - m_j1)                  # (1/2)(omega - k w_par x) x^i [2j M_j - M_j+1]
        c[i] += perp * omega
        c[i + 1] -= perp * k * w_par
        par = a * k * w_perp ** 2 / (2.0 * w_par) * m_j1        # (k w_perp^2 / 2 w_par)[i x^(i-1) - x^(i+1)] M_j+1
        if i > 0:
            c[i - 1] += par * i
        c[i + 1] -= par
    return c


def resonance_integral(coefficients, omega, k, omega_ce, w_par, w_perp):
    """I(omega, k) of section 1 (complex omega, Landau-continued)."""
    c = _numerator(coefficients, omega, k, w_par, w_perp)
    sign, ka = (1.0, k) if k > 0 else (-1.0, -k)
    zeta = (omega - omega_ce) / (math.sqrt(2.0) * ka * w_par)
    z_n, total = plasma_z(zeta), 0.0
    for n, cn in enumerate(c):                # x^n = 2^(n/2) t^n; k < 0: t -> -t
        total += cn * sign ** n * 2.0 ** (0.5 * n) * z_n
        z_n = zeta * z_n + GAUSS_MOMENTS[n]
    return -total / (math.sqrt(2.0) * ka * w_par)


def dispersion(omega, k, omega_ce, w_par, w_perp, skew=0.0):
    """D(omega, k) of the parallel R mode for the skewed bi-Maxwellian (module docstring, section 1)."""
    return omega ** 2 - k ** 2 + resonance_integral(maxwellian(skew), omega, k, omega_ce, w_par, w_perp)


def cold_whistler(k, omega_ce):
    """The cold parallel whistler 0 < omega < Omega of omega^2 - k^2 - omega / (omega - Omega) = 0."""
    from scipy.optimize import brentq

    return brentq(lambda w: (w ** 2 - k ** 2) * (w - omega_ce) - w, 1e-12 * omega_ce, omega_ce * (1 - 1e-12))


def whistler_root(k, omega_ce, w_par, w_perp, skew=0.0, guess=None):
    """Complex omega of the whistler root of `dispersion` at k, by the secant method from `guess` (default:
    the cold whistler)."""
    from scipy.optimize import newton

    start = complex(cold_whistler(abs(k), omega_ce) if guess is None else guess)
    return complex(newton(lambda w: dispersion(w, k, omega_ce, w_par, w_perp, skew), start,
                          x1=start * (1 + 1e-3) + 1e-4j * omega_ce, tol=1e-13 * omega_ce, maxiter=200))


def whistler_growth_curve(ks, omega_ce, w_par, w_perp, skew=0.0):
    """(omega (complex array) along ks): each root continued from its neighbour's (ks ascending in |k|)."""
    roots, guess = [], None
    for k in ks:
        guess = whistler_root(k, omega_ce, w_par, w_perp, skew, guess)
        roots.append(guess)
    return np.asarray(roots)


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


def _roots(ks, omega_ce, w_par, w_perp, skew):
    """`whistler_growth_curve` over signed ks (each sign continued from its smallest |k|), in the order of ks;
    NaN for a sign whose continuation fails (no whistler root near the cold one, e.g. at beta_e < 1)."""
    roots = {}
    for sign in (-1.0, 1.0):
        side = sorted((k for k in ks if np.sign(k) == sign), key=abs)
        try:
            roots.update(zip(side, whistler_growth_curve(side, omega_ce, w_par, w_perp, skew)))
        except RuntimeError:
            roots.update((k, complex(math.nan, math.nan)) for k in side)
    return np.array([roots[k] for k in ks])


def state_growth(u, ks, omega_ce):
    """The parallel whistlers of the state of particle momenta u (3, N): its spreads and heat flux
    (`thermal_speeds`), the skews that carry that heat flux (`skew_for_heat_flux`) and that fit the core
    (`core_skew`), and the complex roots at the signed ks of the bi-Maxwellian with those spreads, without and
    with each skew: ({w_par, w_perp, q_par, skew_q, skew_core, core_residual}, {name: roots})."""
    w_par, w_perp, q_par = thermal_speeds(u)
    skew_core, residual = core_skew(u, w_par)
    state = {"w_par": w_par, "w_perp": w_perp, "q_par": q_par, "skew_q": skew_for_heat_flux(q_par, w_par, w_perp),
             "skew_core": skew_core, "core_residual": residual}
    return state, {name: _roots(ks, omega_ce, w_par, w_perp, skew)
                   for name, skew in (("bimaxwellian", 0.0), ("skew_q", state["skew_q"]), ("skew_core", skew_core))}


def checkpoint_momenta(path, species):
    """(u (3, N), time) of `species` in a TF-PIC checkpoint file or directory (checkpoint.h5)."""
    import json
    from pathlib import Path

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
    from pathlib import Path

    found = {int(p.name.split("_")[1]): p for p in sorted(Path(outdir, "checkpoints").glob("ckpt_*"))
             if p.name.split("_")[1].isdigit()}
    if not found:
        raise ReadError(f"{outdir}: no checkpoints in checkpoints/")
    missing = [s for s in steps or () if s not in found]
    if missing:
        raise ReadError(f"{outdir}: no checkpoint at step {missing[0]} (have {', '.join(map(str, found))})")
    return [found[s] for s in steps] if steps else list(found.values())


def fastest(ks, roots, sign):
    """(gamma, k, omega_r) of the fastest-growing root among the ks of `sign` (NaN if none converged)."""
    side = (np.sign(ks) == sign) & np.isfinite(roots.imag)
    if not side.any():
        return math.nan, math.nan, math.nan
    i = np.flatnonzero(side)[np.argmax(roots.imag[side])]
    return float(roots.imag[i]), float(ks[i]), float(roots.real[i])


def box_wavenumbers(outdir, k_max):
    """k = 2 pi m / L_x (m >= 1, |k| <= k_max) of the run's periodic box along B_0 = x (its deck.toml)."""
    import tomllib

    mesh = tomllib.loads(read_deck(outdir))["mesh"]
    length = mesh["length"][0] if "length" in mesh else mesh["shape"][0] * mesh["spacing"][0]
    return 2.0 * math.pi / length * np.arange(1, int(k_max * length / (2.0 * math.pi)) + 1)


def cmd_tf_whistler_theory(args):
    from .tf import read_parameters

    parameters = read_parameters(args.outdir)
    omega_ce, rho_e = parameters["omega_ce"], parameters["gyroradius_e"]
    grid = np.linspace(args.k[0], args.k[1], args.points) / rho_e
    box = box_wavenumbers(args.outdir, args.k[1] / rho_e)
    ks = np.concatenate([-grid, grid, -box, box])
    in_box = np.concatenate([np.zeros(2 * grid.size, bool), np.ones(2 * box.size, bool)])
    print(f"{args.outdir}: parallel whistlers of a skewed bi-Maxwellian with each checkpoint's moments (exact, "
          f"non-relativistic); Omega_ce = {omega_ce:.5g} omega_pe, |k| rho_e = {args.k[0]:g}-{args.k[1]:g} "
          f"(rho_e = {rho_e:.4g} d_e), the box's k_par rho_e = {box[0] * rho_e if box.size else math.nan:.3g} "
          f"x m; gamma in omega_pe" + (f", nu = {args.nu:g}" if args.nu else ""))
    print("       t  beta_par  Tperp/Tpar  q/(nTv_th) | skew from q: eps   gamma  k rho_e  omega_r/Omega  in box "
          "(k rho_e) | core fit: eps (resid)   gamma  in box | against q" + (" | gamma/nu: q, core, box" if args.nu
                                                                             else ""))
    for path in _checkpoints(args.outdir, args.checkpoint):
        u, t = checkpoint_momenta(path, args.species)
        state, roots = state_growth(u, ks, omega_ce)
        w_par, w_perp, q_par = state["w_par"], state["w_perp"], state["q_par"]
        along = -1.0 if q_par < 0 else 1.0
        g_q, k_q, w_q = fastest(ks[~in_box], roots["skew_q"][~in_box], along)
        box_q, box_k, _ = fastest(ks[in_box], roots["skew_q"][in_box], along)
        g_core = fastest(ks[~in_box], roots["skew_core"][~in_box], along)[0]
        box_core = fastest(ks[in_box], roots["skew_core"][in_box], along)[0]
        back = max(fastest(ks, roots[name], -along)[0] for name in ("skew_q", "skew_core"))
        temperature = (w_par ** 2 + 2.0 * w_perp ** 2) / 3.0
        print(f"{t:8.1f}  {2.0 * w_par ** 2 / omega_ce ** 2:8.2f}  {(w_perp / w_par) ** 2:10.3f}  "
              f"{abs(q_par) / temperature ** 1.5:10.4f} | {state['skew_q']:+16.4f}  {g_q:+.2e}  "
              f"{abs(k_q) * rho_e:7.3f}  {w_q / omega_ce:13.4f}  {box_q:+.2e} ({abs(box_k) * rho_e:.3f}) | "
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
