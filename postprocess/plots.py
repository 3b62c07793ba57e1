"""Figures from hpcsim output with matplotlib's Agg renderer (no display, no change to pyplot's backend).

`plot_scalars` and `plot_field` draw into a given Axes (usable in notebooks); `summary_figure` writes a PNG of
the scalar time series beside one mesh.
"""
import numpy as np
from matplotlib.figure import Figure

from .readers import ReadError, list_iterations, list_meshes, read_mesh, read_scalars, scalars_file

SKIP = {"step", "time"}
SOLVER = ("iterations", "residual", "setup_seconds", "solve_seconds", "compatibility_defect")


def plot_scalars(ax, scalars, names=None):
    """Each physical scalar (or the chosen `names`) against time, on a log axis when it is positive and spans
    decades; the linear solver's iteration count, when present, on a second axis."""
    t = scalars["time"]
    names = [n for n in (names or sorted(scalars)) if n not in SKIP and n not in SOLVER]
    for name in names:
        ax.plot(t, scalars[name], label=name)
    if "iterations" in scalars:
        twin = ax.twinx()
        twin.plot(t, scalars["iterations"], color="0.6", ls="--", lw=1)
        twin.set_ylabel("solver iterations (dashed)", color="0.4")
    values = np.concatenate([scalars[n] for n in names]) if names else np.array([1.0])
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("time")
    if names:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def plot_field(ax, array, meta, name):
    """A 1-D line, a 2-D image, or the mid-plane slice (middle of the last axis) of a 3-D field, in physical
    coordinates (cell centres)."""
    labels, h, x0 = meta["axis_labels"], meta["spacing"], meta["offset"]
    if array.ndim == 3:
        array = array[:, :, array.shape[2] // 2]
        name = f"{name} ({labels[2]} mid-plane)"
    if array.ndim == 1:
        ax.plot(x0[0] + (np.arange(array.size) + 0.5) * h[0], array)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(name)
    else:
        extent = [x0[0], x0[0] + array.shape[0] * h[0], x0[1], x0[1] + array.shape[1] * h[1]]
        image = ax.imshow(array.T, origin="lower", extent=extent, aspect="equal", cmap="inferno")
        ax.figure.colorbar(image, ax=ax, label=name)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    ax.set_title(f"{name} at t = {meta['time']:.4g} (iteration {meta['iteration']})")


def _scalar_panel(ax, scalars):
    if len(scalars["time"]) > 1:
        plot_scalars(ax, scalars)
        return
    ax.axis("off")
    ax.text(0.0, 1.0, "\n".join(f"{k} = {v[-1]:.6g}" for k, v in sorted(scalars.items()) if v.size),
            va="top", family="monospace", transform=ax.transAxes)


def summary_figure(outdir, out_png, mesh=None, iteration=None):
    """Write a PNG of the scalar time series beside mesh `mesh` ('name' or 'name/component'; default: the first)
    at `iteration` (default: the last). Either panel is left out when the run wrote no such output; with
    neither, ReadError. Returns `out_png`."""
    scalars = read_scalars(outdir) if scalars_file(outdir).is_file() else None
    # asking for a mesh or an iteration where there is none is an error that read_mesh words
    has_fields = bool(list_iterations(outdir)) or mesh is not None or iteration is not None
    if scalars is None and not has_fields:
        raise ReadError(f"{outdir}: neither diags/scalars.h5 nor field output in fields/")
    panels = [p for p, present in (("scalars", scalars is not None), ("field", has_fields)) if present]
    fig = Figure(figsize=(6 * len(panels), 4.8))
    axes = dict(zip(panels, fig.subplots(1, len(panels), squeeze=False)[0]))
    if scalars is not None:
        _scalar_panel(axes["scalars"], scalars)
    if has_fields:
        name = mesh or list_meshes(outdir, iteration)[0]
        array, meta = read_mesh(outdir, name, iteration)
        plot_field(axes["field"], array, meta, name)
    fig.suptitle(str(outdir))
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    return out_png
