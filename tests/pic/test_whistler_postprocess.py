"""postprocess.whistler on synthetic 2-D openPMD dumps: an oblique wave with k.B = 0 at the cold whistler
frequency, rotating with the electrons about B_0 = x and travelling along -x, in a weak noise; and the cold
whistler dispersion against its parallel (R mode) and low-frequency limits."""
import math

import h5py
import numpy as np
import pytest

from postprocess.cli import main
from postprocess.whistler import (band_energy, cold_whistler_frequency, fraction_along, mode_energy,
                                  oblique_spectrum, read_b_dumps, right_hand_fraction, strongest_modes)
from test_postprocess_pic import _ascii, write_mesh

NX, NY, DX = 32, 24, 0.5                        # box 16 x 12 d_e
MX, MY = -2, 1                                  # the wave's mode numbers: travels along -x, oblique
KX, KY = 2 * np.pi * MX / (NX * DX), 2 * np.pi * MY / (NY * DX)
OMEGA_CE, B0, AMPLITUDE = 0.3, 0.3, 0.01
N_DUMPS, INTERVAL = 96, 2.0
ANGLE = math.atan2(KY, KX)
OMEGA = cold_whistler_frequency(math.hypot(KX, KY), ANGLE, OMEGA_CE)


def write_run(outdir, noise=0.0, hand=1.0, rng=None):
    """Dumps of B = B_0 x + dB with B_y + i B_z = A exp(-i hand phi), phi = k.x - omega t (hand = 1: rotation
    from y to z at fixed x, with the electrons), B_x = -(k_y/k_x) B_y so that k.B = 0, plus white noise."""
    (outdir / "fields").mkdir(parents=True)
    x, y = np.meshgrid((np.arange(NX) + 0.5) * DX, (np.arange(NY) + 0.5) * DX, indexing="ij")
    for n in range(N_DUMPS):
        phase = KX * x + KY * y - OMEGA * n * INTERVAL
        by, bz = AMPLITUDE * np.cos(phase), -hand * AMPLITUDE * np.sin(phase)
        fields = {"x": B0 - KY / KX * by, "y": by, "z": bz}
        if noise:
            fields = {c: v + noise * rng.standard_normal(v.shape) for c, v in fields.items()}
        with h5py.File(outdir / "fields" / f"data_{10 * n:08d}.h5", "w") as f:
            f.attrs["meshesPath"], f.attrs["particlesPath"] = _ascii("meshes/"), _ascii("particles/")
            group = f.create_group(f"data/{10 * n}")
            group.attrs.update({"time": n * INTERVAL, "dt": INTERVAL / 10, "timeUnitSI": 1.0})
            write_mesh(group.create_group("meshes"), "B", fields, [DX, DX])
    (outdir / "diags").mkdir()
    with h5py.File(outdir / "diags" / "parameters.h5", "w") as f:
        f.attrs.update({"omega_ce": OMEGA_CE, "gyroradius_e": 1.0, "b0": B0})
    return outdir


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    return write_run(tmp_path_factory.mktemp("whistler") / "run", noise=2e-3, rng=np.random.default_rng(3))


@pytest.fixture(scope="module")
def noisy_dumps(noisy):
    return read_b_dumps(noisy)


def test_cold_whistler_limits():
    """Along B_0 the root is the R mode k^2 = omega^2 - omega / (omega - Omega_ce) (omega_pe = 1); for
    omega << Omega_ce << omega_pe it is Omega_ce k k_par / (1 + k^2) to O(Omega_ce^2); none at 90 degrees."""
    for k in (0.3, 1.0, 2.0):
        w = cold_whistler_frequency(k, 0.0, 0.2236)
        assert 0 < w < 0.2236 and abs(k ** 2 - (w ** 2 - w / (w - 0.2236))) < 1e-11
    for angle in (0.0, 0.5, 1.0, 1.4):
        w = cold_whistler_frequency(0.5, angle, 1e-3)
        assert w == pytest.approx(1e-3 * 0.25 * math.cos(angle) / 1.25, rel=1e-6)
    assert math.isnan(cold_whistler_frequency(0.5, math.pi / 2, 0.2))
    assert cold_whistler_frequency(1.0, math.pi - 0.3, 0.2) == pytest.approx(cold_whistler_frequency(1.0, 0.3, 0.2))


def test_band_and_mode_energy_are_the_mean_square_fluctuation(tmp_path):
    """Parseval: the band (and the mode) holding the wave carries <|dB|^2> = A^2 (1 + (k_y/k_x)^2) / 2 + A^2 / 2;
    a band or mode without it, nothing (B_0 is the k = 0 term)."""
    dumps = read_b_dumps(write_run(tmp_path / "clean"))
    k = math.hypot(KX, KY)
    t, energy = band_energy(dumps, (0.9 * k, 1.1 * k))
    assert t.size == N_DUMPS and np.allclose(t, np.arange(N_DUMPS) * INTERVAL)
    expected = AMPLITUDE ** 2 * (1 + (KY / KX) ** 2) / 2 + AMPLITUDE ** 2 / 2
    assert np.allclose(energy, expected, rtol=1e-12)
    assert np.all(band_energy(dumps, (1.2 * k, 5 * k))[1] < 1e-28)
    assert np.allclose(mode_energy(dumps, 1.02 * KX, 0.98 * KY)[1], expected, rtol=1e-12)    # nearest mode
    assert np.all(mode_energy(dumps, KX, -KY)[1] < 1e-28)


def test_spectrum_finds_the_wave_its_angle_frequency_direction_and_hand(noisy_dumps):
    kx, ky, omega, power = oblique_spectrum(noisy_dumps)
    (mode,) = strongest_modes(kx, ky, omega, power, OMEGA_CE, count=1)
    assert (mode["kx"], mode["ky"]) == pytest.approx((KX, KY), rel=1e-12)
    assert mode["theta"] == pytest.approx(math.degrees(ANGLE), rel=1e-12) and mode["theta"] > 90
    bin_width = 2 * np.pi / (N_DUMPS * INTERVAL)
    assert abs(mode["omega"] - OMEGA) < 0.5 * bin_width
    assert mode["omega_cold"] == pytest.approx(OMEGA, rel=1e-12) and mode["share"] > 0.5
    assert mode["bz_share"] == pytest.approx(1.0 / (2.0 + (KY / KX) ** 2), abs=0.01)     # <B_z^2> / <|dB|^2>
    assert fraction_along(kx, ky, omega, power, -1.0) > 0.9
    assert fraction_along(kx, ky, omega, power, +1.0) < 0.1
    assert right_hand_fraction(noisy_dumps) > 0.9


def test_the_other_hand_is_told_apart(tmp_path):
    outdir = write_run(tmp_path / "left", noise=2e-3, hand=-1.0, rng=np.random.default_rng(4))
    assert right_hand_fraction(read_b_dumps(outdir)) < 0.1


def test_window_too_short_or_uneven_is_an_error(noisy_dumps):
    from postprocess.readers import ReadError

    with pytest.raises(ReadError, match="field dumps in the window"):
        oblique_spectrum(noisy_dumps, (0.0, 5.0))
    uneven = noisy_dumps._replace(times=noisy_dumps.times * (1.0 + 0.01 * (noisy_dumps.times > 100.0)))
    with pytest.raises(ReadError, match="not evenly spaced"):
        right_hand_fraction(uneven)


def test_cli_tf_whistler(noisy, tmp_path, capsys):
    png = tmp_path / "w.png"
    assert main(["tf-whistler", str(noisy), "--noise-until", "20", "--band", "0.1", "2", "-o", str(png)]) == 0
    out = capsys.readouterr().out
    assert "right-hand share" in out and f"{KX:8.4f}  {KY:8.4f}" in out
    assert png.read_bytes().startswith(b"\x89PNG")
