"""Figures from hpcsim output, with matplotlib's Agg backend (no display needed)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .readers import read_mesh, read_scalars  # noqa: E402

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
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def plot_field(ax, array, meta, name):
    """A 1-D line, a 2-D image, or the middle slice of a 3-D field, in physical coordinates."""
    labels, h, x0 = meta["axis_labels"], meta["spacing"], meta["offset"]
    if array.ndim == 3:
        array = array[:, :, array.shape[2] // 2]
        name = f"{name} ({labels[2]} mid-plane)"
    if array.ndim == 1:
        x = x0[0] + (np.arange(array.size) + 0.5) * h[0]
        ax.plot(x, array)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(name)
    else:
        extent = [x0[0], x0[0] + array.shape[0] * h[0], x0[1], x0[1] + array.shape[1] * h[1]]
        image = ax.imshow(array.T, origin="lower", extent=extent, aspect="equal", cmap="inferno")
        ax.figure.colorbar(image, ax=ax, label=name)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    ax.set_title(f"{name} at t = {meta['time']:.4g} (iteration {meta['iteration']})")


def summary_figure(outdir, out_png, mesh=None, iteration=None):
    """Scalar time series beside the chosen (default: first) mesh at `iteration` (default: last)."""
    from .readers import list_meshes

    scalars = read_scalars(outdir)
    name = mesh or list_meshes(outdir, iteration)[0]
    record, _, component = name.partition("/")
    array, meta = read_mesh(outdir, record, iteration, component or None)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    if len(scalars["time"]) > 1:
        plot_scalars(left, scalars)
    else:
        left.axis("off")
        left.text(0.0, 1.0, "\n".join(f"{k} = {v[-1]:.6g}" for k, v in sorted(scalars.items())),
                  va="top", family="monospace", transform=left.transAxes)
    plot_field(right, array, meta, name)
    fig.suptitle(str(outdir))
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
    return out_png
