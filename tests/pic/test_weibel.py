"""TF-PIC validation, spec section 3 item 4 in CI size: the electron Weibel instability of an unmagnetised
bi-Maxwellian (T_perp > T_par, immobile ions) grows at the rate of kinetic linear theory within 15 %
(`postprocess.theory.weibel_growth`, computed here, not tabulated).

Set-up (1D3V, units c = omega_pe = 1, lengths in d_e): x is the cold (parallel) direction, y and z are hot.
theta_par = 5e-4, theta_perp = 1e-2 (T_perp/T_par = 20): the periodic box is one wavelength of the fastest
mode, k = k_fastest = 1.461, where theory gives gamma = 0.0654, and 48 cells per wavelength (k h = 0.13,
h = 4.3 lambda_D,par). The kinetic correction is large here (the cold-parallel fluid rate would be 0.082),
so the comparison tests the kinetic theory, not the fluid limit.

Why a quiet start: with random thermal loading the magnetic noise of the Weibel mode itself sits only a few
e-folds below saturation (a 1D3V attempt at 2048 particles per cell saw about 2.5 e-folds). Here every cell
holds the same deterministic set of momenta: 32 parallel values at the normal quantiles times 8
perpendicular vectors (2 radii at the quantiles of the 2-D Maxwellian, each at 4 right angles), rescaled so
that <u_x^2> = theta_par and <u_y^2> = <u_z^2> = theta_perp exactly. For each u_x the perpendicular set is
symmetric, so particles that stream together carry no net transverse current: the unperturbed plasma has no
magnetic noise at all (B_y, never seeded, stays near round-off during the linear phase). The instability is
started by a B_z seed of 1e-8 at k; it grows by about 15 e-folds to saturation near |B_z| = 0.05, and the
automatic window of `fit_growth_rate` spans 13 e-folds (t = 48 to 257) of clean exponential growth.

Expected deviation from the (non-relativistic, continuous Maxwellian) theory, computed offline from the
general dispersion relation D = omega^2 - k^2 - < d v_y / d u_y > - < d/du_x [k v_y^2 / (omega - k v_x)] >
for the loaded momentum set: the relativistic mass increase lowers gamma by 2.9 % (0.06352 for the
continuous bi-Maxwellian in u), the 32 discrete parallel values by 0.9 % (non-relativistic root of the loaded
set 0.06485); the relativistic root of the loaded set is 0.06352, and the PIC code measures 0.06342
(ratio 0.969 to `weibel_growth`, 0.998 to the root of what it simulates). Variants (64 cells, dt x 0.6,
16 or 64 parallel values, seed 1e-6, sampling every 0.5) gave ratios 0.957 to 0.981. At theta_perp = 0.04 the
relativistic shift is already -10 %, which is why the temperatures are kept this low.
"""
import math

import numpy as np

from hpcsim.backend import CPUBackend
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm
from hpcsim.pic.engine import PIC
from hpcsim.pic.species import Species, quantile_bi_maxwellian
from postprocess.theory import fit_growth_rate, weibel_fastest, weibel_growth


def weibel_run(theta_par, theta_perp, cells=48, n_par=32, n_radii=2, seed_amplitude=1e-8, cfl=0.5, t_end=300.0,
               sample_interval=1.0):
    """1D3V Weibel run in a box of one wavelength of the fastest mode. Returns (k, t, |B_z(k)|, |B_y(k)|)."""
    k = weibel_fastest(theta_par, theta_perp)[0]
    length = 2.0 * math.pi / k
    mesh = Mesh.create(Comm(), (cells,), (length,), "periodic", ghost=2)
    h = mesh.spacing[0]
    centres = (np.arange(cells) + 0.5) * h
    momenta = quantile_bi_maxwellian(1.0, theta_par, theta_perp, n_par, n_radii).reshape(3, -1)
    ppc = momenta.shape[1]
    x = np.zeros((3, cells * ppc))
    x[0] = np.repeat(centres, ppc)
    u = np.tile(momenta, (1, cells))
    electrons = Species("electrons", -1.0, 1.0, x, u, np.arange(x.shape[1]), qw=-1.0 / ppc)
    pic = PIC(mesh, CPUBackend(), [electrons], background=1.0)
    bz = pic.fields.b[2]
    bz[mesh.interior] += seed_amplitude * np.cos(k * centres).reshape(bz[mesh.interior].shape)
    dt = cfl * h
    every = max(1, round(sample_interval / dt))
    phase = np.exp(-1j * k * centres)
    t, amp_z, amp_y = [], [], []
    for n in range(1, int(t_end / dt) + 1):
        pic.step(dt)
        if n % every == 0:
            t.append(n * dt)
            amp_z.append(2.0 / cells * abs(np.sum(pic.fields.b[2][mesh.interior].reshape(-1) * phase)))
            amp_y.append(2.0 / cells * abs(np.sum(pic.fields.b[1][mesh.interior].reshape(-1) * phase)))
    return k, np.array(t), np.array(amp_z), np.array(amp_y)


def test_weibel_growth_rate_matches_kinetic_theory():
    theta_par, theta_perp = 5e-4, 1e-2
    k, t, amp, amp_y = weibel_run(theta_par, theta_perp)
    expected = float(weibel_growth(k, theta_par, theta_perp))
    gamma, window, r2 = fit_growth_rate(t, amp)
    efolds = gamma * (window[1] - window[0])
    print(f"\nWeibel k = {k:.4f}: gamma_sim = {gamma:.5f}, gamma_theory = {expected:.5f}, "
          f"ratio = {gamma / expected:.4f}, window = ({window[0]:.1f}, {window[1]:.1f}) "
          f"({efolds:.1f} e-folds, r2 = {r2:.6f}), saturation |B_z| = {amp.max():.3g}")
    assert abs(gamma / expected - 1.0) < 0.15                      # spec tolerance; measured 0.969
    assert efolds > 8.0 and r2 > 0.999                             # a long, clean exponential phase
    assert amp.max() > 1e5 * amp[0] and np.argmax(amp) < amp.size - 5   # grew to saturation within the run
    linear = t <= window[1]
    assert np.max(amp_y[linear]) < 1e-2 * np.max(amp[linear])    # the unseeded polarisation stays quiet
