"""postprocess.pic and the PIC subcommands of `hpcsim-post` on synthetic output written here with h5py per the
TF-PIC output contract: diags/scalars.h5 with energies and mode spectra, openPMD field dumps with a travelling
wave on a 2-D mesh, and a particle species in the last dump."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import BIN
from postprocess.cli import main
from postprocess.pic import (dispersion, dispersion_figure, energy_history, fastest_mode, growth_from_spectrum,
                             phase_space, phase_space_histogram, read_particles, read_spectrum)
from postprocess.readers import ReadError, read_scalars

PNG = b"\x89PNG\r\n\x1a\n"

# spectrum: mode 3 grows as E0 exp(2 gamma t) out of a noise floor and saturates (logistic) at E_SAT
GAMMA, E0, FLOOR, E_SAT = 0.15, 1e-12, 1e-10, 1e-2
TIME = np.linspace(0.0, 100.0, 501)
L_X, MODES = 20.0, 9
# field dumps: E_x = cos(K0 x - W0 t) on an NX x NY mesh, N_DUMPS dumps INTERVAL apart
NX, NY, DX, N_DUMPS, INTERVAL = 32, 4, 0.5, 64, 0.25
K0, W0 = 2 * np.pi * 3 / (NX * DX), 1.3
N_PART = 2000


def growing(t):
    """Linear growth E0 exp(2 gamma t) saturating at E_SAT."""
    linear = E0 * np.exp(2 * GAMMA * t)
    return linear / (1 + linear / E_SAT)


def write_scalars(outdir, rng):
    rows = TIME.size
    noise = np.exp(0.05 * rng.standard_normal((rows, MODES)))
    spectrum = FLOOR * np.exp(0.1 * rng.standard_normal((rows, MODES)))
    spectrum[:, 0] = 0.0                                        # box-averaged field
    spectrum[:, 3] += growing(TIME)
    spectrum[:, 5] += 1e-11 * np.exp(2 * 0.05 * TIME)          # slower, unsaturated
    spectrum *= noise
    spectrum[::7] = np.nan                                      # rows without a spectrum
    kinetic = 1.0 - growing(TIME)
    columns = {"step": np.arange(rows, dtype=np.int64), "time": TIME, "energy_E": 1e-3 * np.ones(rows),
               "energy_B": growing(TIME), "energy_kin_electrons": kinetic,
               "energy_total": 1e-3 + kinetic + growing(TIME), "gauss_error": np.full(rows, np.nan),
               "T_par_electrons": np.ones(rows), "T_perp_electrons": np.ones(rows)}
    (outdir / "diags").mkdir(parents=True)
    with h5py.File(outdir / "diags" / "scalars.h5", "w") as f:
        f.attrs["hpcsim_deck"] = "[run]\n"
        for name, values in columns.items():
            f.create_dataset(name, data=values, maxshape=(None,))
        d = f.create_dataset("spectrum_B", data=spectrum, maxshape=(None, MODES))
        d.attrs["k"] = 2 * np.pi * np.arange(MODES) / L_X
        d.attrs["axis"] = 0


def _ascii(text):
    return np.bytes_(text.encode("ascii"))


def write_mesh(group, name, components, spacing):
    record = group.create_group(name)
    record.attrs["axisLabels"] = np.array([_ascii("x"), _ascii("y")])
    record.attrs["gridSpacing"] = np.asarray(spacing)
    record.attrs["gridGlobalOffset"] = np.zeros(2)
    record.attrs["gridUnitSI"] = 1.0
    record.attrs["unitDimension"] = np.zeros(7)
    for c, array in components.items():
        d = record.create_dataset(c, data=array)
        d.attrs["unitSI"] = 1.0
        d.attrs["position"] = np.full(2, 0.5)


def _constant(group, value, n):
    group.attrs["value"] = np.float64(value)
    group.attrs["shape"] = np.array([n], dtype=np.uint64)
    group.attrs["unitSI"] = 1.0


def write_particles(group, rng):
    species = group.create_group("electrons")
    position = {"x": rng.uniform(0, NX * DX - 1.0, N_PART), "y": rng.uniform(0, NY * DX, N_PART),
                "z": np.zeros(N_PART)}
    momentum = {"x": 2.0 * rng.standard_normal(N_PART), "y": np.zeros(N_PART), "z": np.zeros(N_PART)}
    for record, values in (("position", position), ("momentum", momentum)):
        for c, v in values.items():
            species.create_dataset(f"{record}/{c}", data=v)
    species.create_dataset("weighting", data=rng.uniform(0.5, 1.5, N_PART))
    species.create_dataset("id", data=np.arange(N_PART, dtype=np.int64))
    for c, value in zip("xyz", (1.0, 0.0, 0.0)):
        _constant(species.create_group(f"positionOffset/{c}"), value, N_PART)
    _constant(species.create_group("charge"), -1.0, N_PART)
    _constant(species.create_group("mass"), 2.0, N_PART)
    return position, momentum


def write_dumps(outdir, rng):
    """N_DUMPS openPMD files, iteration 10 n at t = n INTERVAL; particles in the last. Returns them."""
    (outdir / "fields").mkdir()
    x = (np.arange(NX) + 0.5) * DX
    y = (np.arange(NY) + 0.5) / NY
    for n in range(N_DUMPS):
        it, t = 10 * n, n * INTERVAL
        e_x = np.cos(K0 * x - W0 * t)[:, None] + 0.5 * np.cos(2 * np.pi * y)[None, :]   # y part averages out
        with h5py.File(outdir / "fields" / f"data_{it:08d}.h5", "w") as f:
            f.attrs["meshesPath"], f.attrs["particlesPath"] = _ascii("meshes/"), _ascii("particles/")
            group = f.create_group(f"data/{it}")
            group.attrs.update({"time": t, "dt": INTERVAL / 10, "timeUnitSI": 1.0})
            write_mesh(group.create_group("meshes"), "E", {"x": e_x, "y": 0 * e_x, "z": 0 * e_x}, [DX, DX])
            if n == N_DUMPS - 1:
                particles = write_particles(group.create_group("particles"), rng)
    return particles


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(output directory, (position, momentum) of the particles written)."""
    outdir = tmp_path_factory.mktemp("pic") / "run"
    rng = np.random.default_rng(7)
    write_scalars(outdir, rng)
    return outdir, write_dumps(outdir, rng)


def test_spectrum_and_scalars_readers(run):
    outdir, _ = run
    time, k, energy = read_spectrum(outdir)
    assert energy.shape == (TIME.size, MODES) and np.isnan(energy[::7]).all()
    np.testing.assert_allclose(k, 2 * np.pi * np.arange(MODES) / L_X)
    np.testing.assert_array_equal(time, TIME)
    assert "spectrum_B" not in read_scalars(outdir)         # scalar time series are 1-D only
    with pytest.raises(ReadError, match="no dataset 'spectrum_E'"):
        read_spectrum(outdir, "E")


def test_growth_rate_from_spectrum(run):
    outdir, _ = run
    _, _, energy = read_spectrum(outdir)
    assert fastest_mode(energy) == 3
    fit = growth_from_spectrum(outdir)
    assert fit["mode"] == 3 and fit["k"] == pytest.approx(2 * np.pi * 3 / L_X)
    assert fit["gamma"] == pytest.approx(GAMMA, rel=0.02)
    t0, t1 = fit["window"]
    # inside the linear phase: above the noise floor, below the onset of saturation
    assert E0 * np.exp(2 * GAMMA * t0) > FLOOR and E0 * np.exp(2 * GAMMA * t1) < 0.2 * E_SAT
    assert t1 - t0 > 20 and fit["r2"] > 0.99 and fit["samples"] > 80
    assert growth_from_spectrum(outdir, mode=5)["gamma"] == pytest.approx(0.05, rel=0.05)
    with pytest.raises(ReadError, match="no mode 9"):
        growth_from_spectrum(outdir, mode=9)
    with pytest.raises(ValueError, match="no exponential growth"):
        growth_from_spectrum(outdir, mode=1)


def test_dispersion_peaks_at_the_wave(run):
    outdir, _ = run
    k, omega, power = dispersion(outdir, "E", "x")
    assert power.shape == (NX // 2 + 1, N_DUMPS)
    np.testing.assert_allclose(np.diff(omega), 2 * np.pi / (N_DUMPS * INTERVAL))
    i, j = np.unravel_index(np.argmax(power), power.shape)
    assert abs(k[i] - K0) < 1e-12 and abs(omega[j] - W0) <= omega[1] - omega[0]
    assert power[0].max() < 1e-20 * power.max()                 # the y-dependent part averaged out
    fig = dispersion_figure(k, omega, power, curves={"wave": (k, W0 * k / K0)})
    assert fig.axes[0].get_legend() is not None


def test_dispersion_needs_evenly_spaced_dumps(run, tmp_path):
    outdir, _ = run
    copy = tmp_path / "uneven"
    (copy / "fields").mkdir(parents=True)
    for n in (0, 1, 2, 4):
        (copy / "fields" / f"data_{10 * n:08d}.h5").write_bytes((outdir / "fields" / f"data_{10 * n:08d}.h5")
                                                              .read_bytes())
    with pytest.raises(ReadError, match="not evenly spaced"):
        dispersion(copy)


def test_particles_and_phase_space(run):
    outdir, (position, momentum) = run
    parts = read_particles(outdir, "electrons")
    assert parts["iteration"] == 10 * (N_DUMPS - 1) and parts["time"] == pytest.approx((N_DUMPS - 1) * INTERVAL)
    np.testing.assert_allclose(parts["x"], position["x"] + 1.0)              # positionOffset added
    np.testing.assert_allclose(parts["px"], momentum["x"])
    np.testing.assert_allclose(parts["ux"], momentum["x"] / 2.0)             # p / mass
    assert (parts["charge"] == -1.0).all() and parts["id"].dtype == np.int64
    hist, x_edges, p_edges = phase_space_histogram(parts, "x", "ux", bins=(16, 8))
    assert hist.shape == (16, 8) and hist.sum() == pytest.approx(parts["weighting"].sum())
    assert x_edges[0] >= 1.0 and p_edges[0] == pytest.approx(parts["ux"].min())
    assert phase_space(outdir, "electrons", bins=16).axes
    with pytest.raises(ReadError, match="no species 'ions' \\(have electrons\\)"):
        read_particles(outdir, "ions")
    with pytest.raises(ReadError, match="no particle output at iteration 0"):
        read_particles(outdir, "electrons", iteration=0)
    with pytest.raises(ReadError, match="no particle quantity 'vx'"):
        phase_space_histogram(parts, "x", "vx")


def test_energy_history(run):
    outdir, _ = run
    ax = energy_history(outdir, log=True).axes[0]
    assert ax.get_yscale() == "log"
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["B", "E", "kin_electrons", "total"]


def test_cli_growth(run, capsys):
    outdir, _ = run
    assert main(["growth", str(outdir)]) == 0
    out = capsys.readouterr().out
    assert "spectrum_B mode 3: k = 0.942478 omega_pe/c, gamma = 0.1" in out and "fit window: t = " in out
    assert main(["growth", str(outdir), "--mode", "5"]) == 0
    assert "spectrum_B mode 5" in capsys.readouterr().out
    assert main(["growth", str(outdir), "--mode", "1"]) == 1
    assert "no exponential growth" in capsys.readouterr().err
    assert main(["growth", str(outdir), "--field", "E"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no dataset 'spectrum_E'" in err


@pytest.mark.parametrize("args", [
    ["energy", "{d}", "-o", "{png}", "--log"],
    ["dispersion", "{d}", "--field", "E", "--component", "x", "-o", "{png}"],
    ["phase-space", "{d}", "--species", "electrons", "--p", "ux", "--bins", "32", "-o", "{png}"],
])
def test_cli_figures(run, tmp_path, capsys, args):
    outdir, _ = run
    png = tmp_path / "fig.png"
    assert main([a.format(d=outdir, png=png) for a in args]) == 0
    assert png.read_bytes().startswith(PNG) and capsys.readouterr().out.strip() == str(png)


@pytest.mark.parametrize("args, message", [
    (["energy", "{d}/nowhere", "-o", "{png}"], "no such output directory"),
    (["dispersion", "{d}", "--component", "w", "-o", "{png}"], "has components x, y, z"),
    (["dispersion", "{d}", "--field", "B", "-o", "{png}"], "no mesh 'B'"),
    (["phase-space", "{d}", "--species", "ions", "-o", "{png}"], "no species 'ions'"),
    (["phase-space", "{d}", "--species", "electrons", "--p", "vx", "-o", "{png}"], "no particle quantity"),
    (["phase-space", "{d}", "--species", "electrons", "--iteration", "3", "-o", "{png}"], "no iteration 3"),
])
def test_cli_errors_exit_2(run, tmp_path, capsys, args, message):
    outdir, _ = run
    png = tmp_path / "fig.png"
    assert main([a.format(d=outdir, png=png) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not png.exists()


def test_cli_info_lists_spectra_and_energy_without_scalars(run, tmp_path, capsys):
    outdir, _ = run
    assert main(["info", str(outdir)]) == 0
    assert "mode spectra: spectrum_B" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert main(["energy", str(tmp_path / "empty"), "-o", str(tmp_path / "e.png")]) == 2
    assert main(["dispersion", str(tmp_path / "empty"), "-o", str(tmp_path / "d.png")]) == 2
    assert "0 field dumps" in capsys.readouterr().err


def test_console_script_and_no_hpcsim_import(run):
    outdir, _ = run
    proc = subprocess.run([str(BIN / "hpcsim-post"), "growth", str(outdir), "--field", "E"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    probe = ("import sys, postprocess.pic; "
             "bad = [m for m in sys.modules if m.split('.')[0] in ('hpcsim', 'mpi4py', 'numba')]; "
             "assert not bad, bad")
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
