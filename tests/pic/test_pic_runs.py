"""The `pic` family end to end through the CLI: decks, diagnostics, openPMD fields and particles (validator,
openpmd-api, openpmd-viewer) in SI units; restarts with collisions and forcing (plain restarts bit for bit and
on another rank count: tests/contract)."""
import subprocess

import h5py
import numpy as np
import pytest

from conftest import BIN, ROOT, run_cli

THERMAL = ROOT / "decks" / "pic" / "thermal.toml"
SMALL = ["--set", "mesh.shape=[16, 8]", "--set", "mesh.spacing=[0.1, 0.1]",
         "--set", "species.0.particles_per_cell=9", "--set", "output.diag_every=5",
         "--set", "output.fields_every=10", "--set", "run.steps=20"]


def ok(proc):
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def run(out, nprocs=1, extra=()):
    return ok(run_cli(["run", THERMAL, "-o", out, *SMALL, *extra], nprocs=nprocs))


def walk(group, prefix=""):
    out = {}
    for key, value in group.items():
        if isinstance(value, h5py.Group):
            out.update(walk(value, f"{prefix}{key}/"))
        else:
            out[prefix + key] = value[...]
    return out


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pic") / "two"
    proc = run(out, nprocs=2)
    return out, proc


def test_parameters_are_printed_and_written(two_rank_run):
    out, proc = two_rank_run
    assert "parameters: dt = 0.035, courant_limit = 0.0707107" in proc.stdout
    with h5py.File(out / "diags" / "parameters.h5", "r") as f:
        assert f.attrs["particles_electrons"] == 16 * 8 * 9
        assert f.attrs["courant_number"] == pytest.approx(0.035 / 0.0707107, rel=1e-6)


def test_diagnostics_and_spectrum_normalisation(two_rank_run):
    """Scalars of spec section 4; the spectrum sums to the energy of the perpendicular components."""
    out, _ = two_rank_run
    with h5py.File(out / "diags" / "scalars.h5", "r") as f:
        steps = f["step"][...]
        assert list(steps) == [0, 5, 10, 15, 20]
        for name in ("energy_E", "energy_B", "energy_kin_electrons", "energy_total", "gauss_error",
                     "T_par_electrons", "T_perp_electrons", "heat_flux_electrons", "particles"):
            assert np.all(np.isfinite(f[name][...])), name
        assert np.all(f["gauss_error"][...] < 1e-11)
        assert np.all(f["particles"][...] == 16 * 8 * 9)
        assert f["T_par_electrons"][0] == pytest.approx(0.01, rel=0.15)
        spectrum_e, k = f["spectrum_E"][...], f["spectrum_E"].attrs["k"]
        assert spectrum_e.shape == (5, 9) and k[1] == pytest.approx(2 * np.pi / 1.6)
    with h5py.File(out / "fields" / "data_00000010.h5", "r") as f:
        e = f["data/10/meshes/E"]
        energy_perp = 0.5 * (np.sum(e["y"][...] ** 2) + np.sum(e["z"][...] ** 2)) * 0.01
    assert spectrum_e[2].sum() == pytest.approx(energy_perp, rel=1e-10)


def test_openpmd_output_validates_and_reads_back(two_rank_run):
    out, _ = two_rank_run
    path = out / "fields" / "data_00000020.h5"
    check = subprocess.run([str(BIN / "openPMD_check_h5"), "-i", str(path)], capture_output=True, text=True)
    assert "Result: 0 Errors and 0 Warnings" in check.stdout, check.stdout
    import openpmd_api as io

    series = io.Series(str(out / "fields" / "data_%08T.h5"), io.Access.read_only)
    electrons = series.iterations[20].particles["electrons"]
    x = electrons["position"]["x"].load_chunk()
    ids = electrons["id"][io.Mesh_Record_Component.SCALAR].load_chunk()
    rho = series.iterations[20].meshes["rho"][io.Mesh_Record_Component.SCALAR].load_chunk()
    series.flush()
    assert x.shape == (16 * 8 * 9,) and np.all((x >= 0) & (x < 1.6))
    assert np.array_equal(np.sort(ids), np.arange(16 * 8 * 9))       # ids survive migration, none lost
    assert rho.shape == (16, 8)
    del series


def test_openpmd_viewer_reads_fields_and_particles(two_rank_run):
    from openpmd_viewer import OpenPMDTimeSeries

    out, _ = two_rank_run
    ts = OpenPMDTimeSeries(str(out / "fields"), check_all_files=True)
    assert list(ts.iterations) == [0, 10, 20] and ts.avail_species == ["electrons"]
    ez, info = ts.get_field("E", "z", iteration=20)
    assert ez.shape == (16, 8)
    ux, w = ts.get_particle(["ux", "w"], species="electrons", iteration=0)
    # momentum carries unitSI m_e c and mass m_e, so the viewer's ux is u = gamma v / c: thermal spread 0.1
    assert np.std(ux) == pytest.approx(0.1, rel=0.15)
    assert w == pytest.approx(np.full(ux.size, 0.01 / 9))


@pytest.mark.parametrize("deck", sorted([*(ROOT / "decks" / "pic").glob("*.toml"), *(ROOT / "decks" / "tf").glob("*.toml")]),
                         ids=lambda p: p.stem)
def test_pic_decks_validate(deck):
    ok(run_cli(["check", deck]))


def test_physical_inputs_derive_the_background_field(tmp_path):
    """beta_e and theta_e give |B_0| = Omega_ce/omega_pe = sqrt(2 theta_e / beta_e) along b_direction, and
    the species temperature defaults to theta_e."""
    extra = ["--set", "pic.beta_e=0.5", "--set", "pic.theta_e=0.01", "--set", "pic.b_direction=[0.0, 1.0, 0.0]",
             "--set", "run.steps=2"]
    text = THERMAL.read_text().replace("temperature = 0.01\n", "")
    deck = tmp_path / "deck.toml"
    deck.write_text(text)
    ok(run_cli(["run", deck, "-o", tmp_path / "out", *SMALL, *extra]))
    with h5py.File(tmp_path / "out" / "diags" / "parameters.h5", "r") as f:
        assert f.attrs["B0_y"] == pytest.approx(0.2) and f.attrs["B0_x"] == 0.0
        assert f.attrs["wpe_over_wce"] == pytest.approx(5.0)
    with h5py.File(tmp_path / "out" / "diags" / "scalars.h5", "r") as f:
        assert f["T_perp_electrons"][0] == pytest.approx(0.01, rel=0.15)
        assert f["energy_B"][0] == pytest.approx(0.5 * 0.2**2 * 1.6 * 0.8, rel=1e-3)


def test_template_lists_species_as_array_of_tables():
    proc = ok(run_cli(["template", "pic"]))
    assert "[[species]]" in proc.stdout and "particles_per_cell" in proc.stdout



def test_restart_with_krook_collisions_and_forcing_is_bit_for_bit(tmp_path):
    """Collisions draw from the per-rank generators, whose states the checkpoints carry; the forcing (both
    gradients) is rebuilt from the deck."""
    krook = ["--set", "species.0.krook_rate=0.5", "--set", "species.0.gradient_length=20.0",
             "--set", "species.0.velocity_gradient=[[0.02, 0.01, 0.0], [0.0, -0.01, 0.0], [0.0, 0.0, -0.01]]"]
    run(tmp_path / "full", 2, krook)
    run(tmp_path / "split", 2, [*krook, "--set", "run.steps=10"])
    run(tmp_path / "split", 2, [*krook, "--restart", "latest"])
    with h5py.File(tmp_path / "full" / "checkpoints" / "ckpt_00000020" / "checkpoint.h5", "r") as a, \
            h5py.File(tmp_path / "split" / "checkpoints" / "ckpt_00000020" / "checkpoint.h5", "r") as b:
        assert np.array_equal(a["particles/electrons/u"][...], b["particles/electrons/u"][...])
    with h5py.File(tmp_path / "full" / "diags" / "scalars.h5", "r") as f:
        energy = f["energy_total"][...]
        assert abs(energy[-1] / energy[0] - 1.0) < 0.01       # collisions conserve energy exactly
        assert "heat_flux_x_electrons" in f and "P_xy_electrons" in f


def test_current_filter_smooths_the_noise(tmp_path):
    """filter_passes reaches the engine: the grid-scale field noise of a thermal plasma drops."""
    energies = {}
    for passes in (0, 2):
        out = tmp_path / f"f{passes}"
        run(out, 1, ["--set", f"pic.filter_passes={passes}"])
        with h5py.File(out / "diags" / "scalars.h5", "r") as f:
            energies[passes] = f["energy_E"][-1]
    assert energies[2] < 0.7 * energies[0]


def test_resolution_warning_uses_the_temperature_along_each_axis(tmp_path):
    """Cells of 1 Debye length of T_perp but 10 of T_par: warned when T_par lies along a mesh axis (b = x),
    not when both axes see T_perp (b = z)."""
    common = ["--set", "species.0.temperature_par=1e-4", "--set", "species.0.temperature_perp=0.01",
              "--set", "run.steps=1"]
    text = THERMAL.read_text().replace("temperature = 0.01\n", "")
    deck = tmp_path / "deck.toml"
    deck.write_text(text)
    along = ok(run_cli(["run", deck, "-o", tmp_path / "x", *SMALL, *common, "--set", "pic.b_direction=[1.0, 0.0, 0.0]"]))
    across = ok(run_cli(["run", deck, "-o", tmp_path / "z", *SMALL, *common,
                         "--set", "pic.b_direction=[0.0, 0.0, 1.0]"]))
    assert "cells of 10.0 Debye lengths" in along.stdout
    assert "Debye lengths" not in across.stdout
    checked = ok(run_cli(["check", deck, *SMALL, *common, "--set", "pic.b_direction=[1.0, 0.0, 0.0]"]))
    assert "warning: species electrons: cells of 10.0 Debye lengths" in checked.stdout     # before submitting


def test_openpmd_fields_carry_si_units_from_the_reference_density(two_rank_run):
    """openpmd-viewer converts with unitSI/gridUnitSI: E in V/m = normalised E x m_e c omega_pe / e, lengths in
    d_e = c / omega_pe, for the deck's default pic.reference_density n_0 = 1e24 m^-3; particle positions agree
    with the mesh's length unit."""
    from openpmd_viewer import OpenPMDTimeSeries
    from scipy import constants as k

    out, _ = two_rank_run
    wpe = (1e24 * k.e**2 / (k.epsilon_0 * k.m_e)) ** 0.5
    d_e = k.c / wpe
    ts = OpenPMDTimeSeries(str(out / "fields"), check_all_files=True)
    ez, info = ts.get_field("E", "z", iteration=20)
    with h5py.File(out / "fields" / "data_00000020.h5", "r") as f:
        raw = f["data/20/meshes/E/z"][...]
        assert f["data/20"].attrs["timeUnitSI"] == pytest.approx(1.0 / wpe, rel=1e-9)
        assert list(f["data/20/meshes/E/x"].attrs["position"]) == [0.5, 0.0]     # Yee staggering
    np.testing.assert_allclose(ez, raw * k.m_e * k.c * wpe / k.e, rtol=1e-9)
    assert info.dx == pytest.approx(0.1 * d_e, rel=1e-9)       # metres
    x = ts.get_particle(["x"], species="electrons", iteration=20)[0]
    assert 1.4 * d_e < np.max(x) <= 1.6 * d_e      # metres, in the box of 1.6 d_e
