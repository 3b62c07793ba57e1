"""Linear-solver runs (the `poisson` and `diffusion` families): the residual and iteration histories of the
solves for the report page. Reads OUTDIR/diags/scalars.h5 (`residual`, `iterations` per step) and
OUTDIR/diags/solver.h5 (the residual history of a steady solve).
"""
import h5py
import numpy as np

from .families import Panel


def report_figures(run):
    """Per-step solver residual and iteration count (time-dependent decks), and the residual history of each
    Krylov iteration that the run saved as diags/solver.h5 (steady decks)."""
    panels = []
    s = run.scalars
    if "residual" in s and s["step"].size > 1:
        fig = _figure()
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
        fig = _figure()
        ax = fig.subplots()
        ax.semilogy(iteration, residual, lw=1)
        ax.set_xlabel("iteration")
        ax.set_ylabel("relative residual")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        panels.append(Panel("residual history of the solve", fig, f"diags/solver.h5: {summary}."))
    return panels



def _figure():
    from matplotlib.figure import Figure

    return Figure(figsize=(7, 4.2))
