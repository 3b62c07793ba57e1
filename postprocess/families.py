"""The solver families' postprocess modules, keyed on the family name a run's deck uses.

`MODULES` maps a family to its modules under `postprocess`; each may define

  register(sub)         its `hpcsim-post` subcommands (`sub`: argparse's subparsers; `cli` calls it)
  report_figures(run)   -> [Panel, ...]: its standard figures on the report page (`report`; `run` is a
                        `report.RunFiles`: the output directory, its deck as a dict, scalars and parameters)

A new family adds its module and one line here. The modules are imported when a command line is parsed, so
they keep matplotlib and scipy imports inside the functions that draw or integrate.

  pic                energy history; growth of the fastest mode against linear theory; phase space (`pic`);
                     the thermodynamic-forcing commands (`tf`), oblique whistlers in 2-D dumps (`whistler`)
                     and the linear growth of parallel whistlers of a checkpointed state (`whistler_growth`)
  diffusion, poisson residual and iteration histories of the linear solves (`solvers`)
  chemotaxis, phasefield   commands only (`chemotaxis`, `phasefield`)
"""
import importlib
from dataclasses import dataclass

MODULES = {
    "pic": ("pic", "tf", "whistler", "whistler_growth"),
    "poisson": ("solvers",),
    "diffusion": ("solvers",),
    "chemotaxis": ("chemotaxis",),
    "phasefield": ("phasefield",),
}


@dataclass
class Panel:
    """One figure of the report page (`figure` None: `text` only, e.g. why a figure could not be made)."""

    title: str
    figure: object
    text: str


def modules(family=None):
    """The postprocess modules of `family` (default: of every family, each once), imported."""
    names = MODULES.get(family, ()) if family else dict.fromkeys(n for ns in MODULES.values() for n in ns)
    return [importlib.import_module(f"postprocess.{name}") for name in names]


def report_figures(family):
    """The first `report_figures` among the family's modules, or None."""
    return next((m.report_figures for m in modules(family) if hasattr(m, "report_figures")), None)


def register_commands(sub):
    """Every family's `hpcsim-post` subcommands."""
    for module in modules():
        if hasattr(module, "register"):
            module.register(sub)


def save_figure(fig, out):
    """Write `fig` to `out` (PNG at 120 dpi) and print the path."""
    fig.savefig(out, dpi=120)
    print(out)
