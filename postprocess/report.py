"""One self-contained HTML page per run: `hpcsim-post report OUTDIR` writes OUTDIR/report.html.

The page shows, in this order: a summary of the run log (attempts, restarts, checkpoints, stops, warnings;
the `[hpcsim job ...]` lines of Slurm's job logs OUTDIR/slurm-*.out when it ran as a batch job), the family's
standard figures (`postprocess.families`, keyed on the family the deck names), every scalar diagnostic's
history, the last field dump, the parameters the run derived (diags/parameters.h5) and the resolved deck.
Figures are PNGs inlined as base64 data URIs and the style sheet is inline: one file, no script, no network,
to open anywhere or attach to a message. Only numpy, h5py and matplotlib; no hpcsim import.
"""
import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from matplotlib.figure import Figure

from .families import MODULES, report_figures
from .plots import plot_field
from .readers import ReadError, _outdir, list_iterations, list_meshes, read_deck, read_mesh, read_scalars, \
    scalars_file

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

DPI = 72                 # figure resolution: keeps a page with a dozen figures around half a megabyte
COLUMNS = 4              # scalar panels per row
LOG_TAIL = 400           # log lines shown in full on the page
_START = re.compile(r"hpcsim (\S+): (\w+) on (\d+) rank\(s\), backend (\w+), mesh (\[.*?\]) in blocks of \[.*?\], "
                    r"(.*)$")   # the horizon: "steps 0..N", or "t = 0..T" when only t_end bounds the run
_CHECKPOINT = re.compile(r"checkpoint (ckpt_\d+) \((.*?), [\d.]+ s\)")
_PROGRESS = re.compile(r"([\d.]+) steps/s")
_FAMILY = re.compile(r"^# Resolved deck: .*family '(\w+)'", re.MULTILINE)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 75em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 2em; } .pair > div { min-width: 0; }
figcaption, .note { color: #555; font-size: 0.9em; }
"""


@dataclass
class RunFiles:
    """What the family figures read: the output directory, its resolved deck (dict), scalar histories (1-D),
    the names of the 2-D mode spectra, and the parameters the run wrote (empty when none)."""

    outdir: Path
    deck: dict
    family: str | None
    scalars: dict
    spectra: list
    parameters: dict


def load_run(outdir):
    """RunFiles of OUTDIR (ReadError without OUTDIR/deck.toml: not a run directory)."""
    outdir = _outdir(outdir)
    text = read_deck(outdir)
    try:
        deck = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReadError(f"{outdir / 'deck.toml'}: not valid TOML ({exc})") from exc
    named = _FAMILY.search(text)
    family = named[1] if named else next((name for name in deck if name in MODULES), None)
    scalars, spectra = {}, []
    if scalars_file(outdir).is_file():
        scalars = read_scalars(outdir)
        with h5py.File(scalars_file(outdir), "r", locking=False) as f:
            spectra = [n for n in f if f[n].ndim == 2]
    parameters = {}
    if (outdir / "diags" / "parameters.h5").is_file():
        with h5py.File(outdir / "diags" / "parameters.h5", "r") as f:
            parameters = {k: v.item() if np.ndim(v) == 0 else v for k, v in f.attrs.items() if k != "hpcsim_deck"}
    return RunFiles(outdir, deck, family, scalars, spectra, parameters)


# --------------------------------------------------------------------------------------------------------------
# Log summary
# --------------------------------------------------------------------------------------------------------------

def log_summary(outdir):
    """[(label, value)] from OUTDIR/log.txt: what ran on how many ranks, each attempt, the checkpoints, the
    stops and restarts, the last rate, the outcome, warnings and errors. Empty without a log."""
    file = Path(outdir) / "log.txt"
    if not file.is_file():
        return []
    lines = [re.sub(r"^\[[\d:]+\] ", "", line) for line in file.read_text(encoding="utf-8").splitlines()]
    rows, checkpoints, rate = [], [], None
    for line in lines:
        if (m := _START.search(line)):
            rows.append(("attempt", f"hpcsim {m[1]}, {m[2]} on {m[3]} rank(s) ({m[4]}), mesh {m[5]}, {m[6]}"))
        elif line.startswith(("restarted from", "stopped at", "finished step", "warning", "error")):
            rows.append((line.split()[0], line))
        elif (m := _CHECKPOINT.search(line)):
            checkpoints.append(f"{m[1]} ({m[2]})")
        if (m := _PROGRESS.search(line)):
            rate = m[1]
    if checkpoints:
        rows.append(("checkpoints", f"{len(checkpoints)} written; last {checkpoints[-1]}"))
    if rate:
        rows.append(("rate", f"{rate} steps/s (last progress line)"))
    return rows


def slurm_lines(outdir):
    """{job log name: its `[hpcsim job ...]` lines} for Slurm's logs OUTDIR/slurm-*.out."""
    out = {}
    for file in sorted(Path(outdir).glob("slurm-*.out")):
        out[file.name] = [line for line in file.read_text(errors="replace").splitlines()
                          if line.startswith("[hpcsim job")]
    return out


# --------------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------------

def png(figure):
    """The figure as a base64 PNG string."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def scalars_figure(scalars):
    """One small panel per scalar diagnostic against time (against step for steady runs, where time stays
    0), on a log axis when the values are positive and span more than two decades. None without rows."""
    names = sorted(n for n in scalars if n not in ("step", "time"))
    if not names or scalars["step"].size == 0:
        return None
    steady = not np.any(scalars["time"])
    x, label = (scalars["step"], "step") if steady else (scalars["time"], "time")
    rows = -(-len(names) // COLUMNS)
    fig = Figure(figsize=(3.2 * COLUMNS, 2.3 * rows))
    axes = fig.subplots(rows, COLUMNS, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        y = scalars[name]
        ax.plot(x, y, ".-" if y.size < 30 else "-", lw=1, ms=3)
        finite = y[np.isfinite(y)]
        if finite.size and finite.min() > 0 and finite.max() > 100 * finite.min():
            ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(label, fontsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def fields_figure(outdir):
    """Every mesh record (each component) of the last field dump, or None without field output."""
    if not list_iterations(outdir):
        return None
    names = list_meshes(outdir)
    columns = min(3, len(names))
    rows = -(-len(names) // columns)
    fig = Figure(figsize=(4.6 * columns, 3.6 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        array, meta = read_mesh(outdir, name)
        plot_field(ax, array, meta, name)
        ax.title.set_fontsize(9)
    for ax in axes[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------------------

def _figure_html(title, figure, caption):
    image = f'<img alt="{html.escape(title)}" src="data:image/png;base64,{png(figure)}">' if figure else ""
    return f"<figure>{image}<figcaption><b>{html.escape(title)}</b>. {html.escape(caption)}</figcaption></figure>"


def _table(rows):
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _parameter_value(value):
    return f"{value:.6g}" if isinstance(value, float) else value


def _log_section(run):
    summary = log_summary(run.outdir)
    parts = ["<h2>Run log</h2>", _table(summary) if summary else '<p class="note">No log.txt.</p>']
    for name, lines in slurm_lines(run.outdir).items():
        parts.append(f"<h3>Slurm job log {html.escape(name)}</h3><pre>{html.escape(chr(10).join(lines))}</pre>")
    if (run.outdir / "log.txt").is_file():
        log = (run.outdir / "log.txt").read_text(encoding="utf-8").splitlines()
        more = f" (last {LOG_TAIL} of {len(log)} lines)" if len(log) > LOG_TAIL else ""
        parts.append(f"<details><summary>log.txt{more}</summary>"
                     f"<pre>{html.escape(chr(10).join(log[-LOG_TAIL:]))}</pre></details>")
    return parts


def _figure_sections(run):
    family = html.escape(run.family or "unknown")
    parts = [f"<h2>Standard figures: {family}</h2>"]
    figures = report_figures(run.family) if run.family else None
    panels = figures(run) if figures else []
    if not panels:
        parts.append(f'<p class="note">No standard figures for the family {family} (postprocess.families).</p>')
    parts += [_figure_html(p.title, p.figure, p.text) for p in panels]
    parts.append("<h2>Scalar diagnostics</h2>")
    scalars = scalars_figure(run.scalars) if run.scalars else None
    parts.append(_figure_html("scalar histories", scalars, f"{len(run.scalars) - 2} diagnostics from "
                              f"diags/scalars.h5, {run.scalars['step'].size} rows.") if scalars
                 else '<p class="note">No scalar diagnostics.</p>')
    parts.append("<h2>Last field dump</h2>")
    fields = fields_figure(run.outdir)
    parts.append(_figure_html("fields", fields, f"Every mesh record of fields/data_"
                              f"{list_iterations(run.outdir)[-1]:08d}.h5 (3-D fields: the mid-plane of the last "
                              f"axis).") if fields else '<p class="note">No field output in fields/.</p>')
    return parts


def render(outdir):
    """The report page of OUTDIR as an HTML string."""
    run = load_run(outdir)
    parameters = (_table([(k, _parameter_value(v)) for k, v in sorted(run.parameters.items())]) if run.parameters
                  else '<p class="note">The run wrote no diags/parameters.h5.</p>')
    parts = [f"<h1>hpcsim run: {html.escape(str(run.outdir))}</h1>",
             f'<p class="note">family <b>{html.escape(run.family or "unknown")}</b>; written by '
             f"<code>hpcsim-post report</code> from the files in the output directory.</p>",
             *_log_section(run), *_figure_sections(run),
             f'<div class="pair"><div><h2>Parameters</h2>{parameters}</div>'
             f"<div><h2>Deck</h2><pre>{html.escape(read_deck(run.outdir))}</pre></div></div>"]
    title = html.escape(f"hpcsim report: {run.outdir.name}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write_report(outdir, out=None):
    """Write the page of OUTDIR to `out` (default OUTDIR/report.html); returns its path."""
    out = Path(out) if out is not None else Path(outdir) / "report.html"
    out.write_text(render(outdir), encoding="utf-8")
    return out
