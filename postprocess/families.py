"""Standard figures of each solver family for the report page (`postprocess.report`), keyed on the family
named in the run's deck.

`FIGURES` maps a family name to a function `figures(run) -> [Panel, ...]`; `run` is a `report.RunFiles` (the
output directory, its resolved deck as a dict, scalars and parameters). A family without an entry gets the
common sections of the page only; a new family (phase field: free energy; chemotaxis: mass and Lyapunov
functional) adds one function here and one line in `FIGURES`.

  pic                energy history; growth of the fastest mode of the mode spectra against linear theory
                     (cold two-stream, kinetic Weibel, or the parallel whistler/firehose modes of a magnetised
                     bi-Maxwellian, chosen from the run's plasma); phase space of the last particle dump
  diffusion, poisson residual and iteration histories of the linear solves
"""
import math
from dataclasses import dataclass

import h5py
import numpy as np
from matplotlib.figure import Figure

from .readers import ReadError, list_iterations

SPECTRA = ("Ex", "E", "B")
PHASE_SPACE_SPECIES = 2   # phase-space panels for at most this many species


@dataclass
class Panel:
    """One figure of the page (`figure` None: `text` only, e.g. why a figure could not be made)."""

    title: str
    figure: Figure | None
    text: str


# --------------------------------------------------------------------------------------------------------------
# PIC: growth against theory
# --------------------------------------------------------------------------------------------------------------

def _two_stream(run):
    """(field, name, gamma(k)) for two cold electron beams drifting at +-u along x, else None. The beams'
    Lorentz factor g scales the cold relativistic dispersion relation: gamma(k) = s gamma_nr(k / s, v0),
    s = g^(-3/2) (`theory.two_stream_cold` is non-relativistic)."""
    from .theory import two_stream_cold

    beams = [s for s in run.deck.get("species", []) if s.get("charge", 0) < 0]
    if len(beams) != 2 or any(s.get("temperature", 0.0) or s.get("temperature_par", 0.0) for s in beams):
        return None
    u = [float(s.get("drift", [0.0])[0]) for s in beams]
    if u[0] == 0.0 or u[0] != -u[1] or any(float(d) for s in beams for d in s.get("drift", [0.0])[1:]):
        return None
    gamma0 = math.sqrt(1.0 + u[0] ** 2)
    v0, scale = abs(u[0]) / gamma0, gamma0 ** -1.5
    return "Ex", "cold two-stream", lambda k: scale * float(two_stream_cold(k / scale, v0))


def _weibel(run):
    """(field, name, gamma(k)) for one anisotropic unmagnetised electron species (T_perp > T_par), else None."""
    from .theory import weibel_growth

    p, species = run.parameters, run.deck.get("species", [])
    if len(species) != 1 or _b0(p) > 0.0:
        return None
    name = species[0]["name"]
    t_par, t_perp = p.get(f"temperature_par_{name}", 0.0), p.get(f"temperature_perp_{name}", 0.0)
    if not 0.0 < t_par < t_perp:
        return None
    return "B", "kinetic Weibel", lambda k: float(weibel_growth(k, t_par, t_perp))


def _b0(parameters):
    return math.sqrt(sum(parameters.get(f"B0_{c}", 0.0) ** 2 for c in "xyz"))


def _growth_panel(run):
    """The growth of the mode that linear theory says grows fastest, against that theory, for the plasmas
    postprocess.theory knows; otherwise the fastest-growing mode's fit alone."""
    from .pic import growth_from_spectrum, read_spectrum
    from .tf import growth_against_theory, growth_figure

    present = [f for f in SPECTRA if f"spectrum_{f}" in run.spectra]
    if not present:
        return []
    case = _two_stream(run) or _weibel(run)
    try:
        if case is not None and case[0] in present:
            field, name, theory = case
            _, k, _ = read_spectrum(run.outdir, field)
            rates = [theory(kk) for kk in k[1:]]   # the linearly fastest mode, not a faster-growing harmonic
            fit = growth_from_spectrum(run.outdir, field, 1 + int(np.argmax(rates)) if max(rates) > 0 else None)
            comparison = dict(fit, branch=name, omega_theory=complex(0.0, theory(fit["k"])))
        elif _b0(run.parameters) > 0.0 and "B" in present:
            field, comparison = "B", growth_against_theory(run.outdir, "B")
        else:
            field = present[-1]
            fit = growth_from_spectrum(run.outdir, field)
            comparison = dict(fit, branch="no linear theory for this plasma", omega_theory=complex(0.0, math.nan))
    except (ValueError, ReadError) as exc:
        return [Panel("growth rate", None, f"No growth rate: {exc}.")]
    gamma_th = comparison["omega_theory"].imag
    ratio = f"; measured / theory = {comparison['gamma'] / gamma_th:.3f}" if gamma_th > 0 else ""
    t0, t1 = comparison["window"]
    text = (f"spectrum_{field} mode {comparison['mode']} (k = {comparison['k']:.4g} omega_pe/c): measured gamma = "
            f"{comparison['gamma']:.4g} omega_pe over t = {t0:.4g} .. {t1:.4g} (r^2 = {comparison['r2']:.4f}); "
            f"{comparison['branch']}: gamma = {gamma_th:.4g}{ratio}.")
    return [Panel("growth rate against linear theory", growth_figure(run.outdir, comparison, field), text)]


def pic_figures(run):
    from .pic import energy_history, phase_space

    panels = []
    if any(name.startswith("energy_") for name in run.scalars):
        panels.append(Panel("energy history", energy_history(run.outdir, log=True),
                            "Field, kinetic and total energy (code units) against t omega_pe."))
    panels += _growth_panel(run)
    if list_iterations(run.outdir) and run.deck.get("pic", {}).get("dump_particles", True):
        for species in run.deck.get("species", [])[:PHASE_SPACE_SPECIES]:
            try:
                figure = phase_space(run.outdir, species["name"], bins=64)
            except ReadError as exc:
                panels.append(Panel(f"phase space: {species['name']}", None, f"No phase space: {exc}."))
                continue
            panels.append(Panel(f"phase space: {species['name']}", figure,
                                "Weighted x-u_x histogram of the last particle dump (u = gamma v in c)."))
    return panels


# --------------------------------------------------------------------------------------------------------------
# Linear solvers
# --------------------------------------------------------------------------------------------------------------

def solver_figures(run):
    """Per-step solver residual and iteration count (time-dependent decks), and the residual history of each
    Krylov iteration that the run saved as diags/solver.h5 (steady decks)."""
    panels = []
    s = run.scalars
    if "residual" in s and s["step"].size > 1:
        fig = Figure(figsize=(7, 4.2))
        ax = fig.subplots()
        ax.semilogy(s["step"], s["residual"], ".-", ms=3, lw=1, label="final relative residual")
        ax.set_xlabel("step")
        ax.set_ylabel("relative residual")
        ax.grid(alpha=0.3)
        if "iterations" in s:
            twin = ax.twinx()
            twin.plot(s["step"], s["iterations"], color="C1", lw=1, label="iterations")
            twin.set_ylabel("iterations per solve", color="C1")
        fig.tight_layout()
        panels.append(Panel("solver residual and iterations per step", fig,
                            "The relative residual each time step's solve ended with, and its iteration count."))
    table = run.outdir / "diags" / "solver.h5"
    if table.is_file():
        with h5py.File(table, "r") as f:
            iteration, residual = f["iteration"][...], f["relative_residual"][...]
            summary = ", ".join(f"{k} = {np.asarray(v).item():.4g}" for k, v in f.attrs.items()
                                if k != "hpcsim_deck" and np.ndim(v) == 0 and np.asarray(v).dtype.kind in "fiu")
        fig = Figure(figsize=(7, 4.2))
        ax = fig.subplots()
        ax.semilogy(iteration, residual, lw=1)
        ax.set_xlabel("iteration")
        ax.set_ylabel("relative residual")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        panels.append(Panel("residual history of the solve", fig, f"diags/solver.h5: {summary}."))
    return panels


FIGURES = {"pic": pic_figures, "diffusion": solver_figures, "poisson": solver_figures}
