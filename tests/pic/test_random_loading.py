"""Counter-based random loading: the plasma a deck loads does not depend on the decomposition."""
from pathlib import Path

import h5py
import numpy as np
from scipy.special import ndtri

from conftest import run_cli
from hpcsim.pic.sampling import DRAWS, CounterStreams, RankStreams

ROOT = Path(__file__).resolve().parents[2]


def test_a_particle_draws_the_same_numbers_whatever_else_is_drawn():
    ids = np.arange(1000, dtype=np.int64)
    whole = CounterStreams(12345, 0).uniforms(ids)
    part = np.concatenate([ids[37:100], ids[500:501], ids[900:]])     # the runs of ids another rank owns
    np.testing.assert_array_equal(CounterStreams(12345, 0).uniforms(part), whole[:, part])
    assert whole.shape == (DRAWS, 1000) and 0.0 < whole.min() and whole.max() < 1.0
    assert not np.array_equal(CounterStreams(12345, 1).uniforms(ids), whole)     # species get their own numbers


def test_counter_normals_are_standard_and_mirrored_in_pairs():
    n, ppc = 200_000, 8
    ids = np.arange(n, dtype=np.int64)
    g = CounterStreams(7, 0).normals(ids, ppc, symmetric=False)
    # mean and variance of n standard normals: standard errors 1/sqrt(n) and sqrt(2/n); 5 sigma
    assert np.all(np.abs(g.mean(axis=1)) < 5 / np.sqrt(n))
    assert np.all(np.abs(g.var(axis=1) - 1.0) < 5 * np.sqrt(2.0 / n))
    np.testing.assert_array_equal(g, ndtri(CounterStreams(7, 0).uniforms(ids)[3:6]))
    m = CounterStreams(7, 0).normals(ids, ppc, symmetric=True)
    np.testing.assert_array_equal(m[:, 1::2], -m[:, 0::2])
    np.testing.assert_array_equal(m[:, 0::2], g[:, 0::2])


def test_per_rank_streams_draw_as_before():
    """`loading_rng = "per_rank"`: positions per axis, then the normals, from the rank's generator, the
    mirrored half after the first (the loading before counter-based streams existed)."""
    ids = np.arange(10)
    streams = RankStreams(np.random.default_rng([3, 0]))
    offsets, g = streams.offsets(ids, 2), streams.normals(ids, 5, symmetric=True)
    rng = np.random.default_rng([3, 0])
    np.testing.assert_array_equal(offsets, [rng.random(10), rng.random(10)])
    half = rng.standard_normal((3, 5))
    np.testing.assert_array_equal(g, np.concatenate([half, -half], axis=1))


def energy_history(outdir):
    with h5py.File(Path(outdir) / "diags" / "scalars.h5", "r") as f:
        return f["step"][...], f["energy_total"][...]


def test_thermal_deck_gives_the_same_energy_history_on_1_2_and_4_ranks(tmp_path):
    """decks/pic/thermal.toml with random loading, 20 steps at 16 particles per cell. The ranks load the same
    particles bit for bit; what differs is the order of the reductions (round-off, 1e-16) and the initial
    Gauss solve, converged to POISSON_RTOL = 1e-13 on every decomposition, whose E differs between them by at
    most that relative amount: energy_total, mostly kinetic, then agrees far below 1e-12. Random loading with
    one stream per rank differs at the level of the sampling noise (1 / sqrt(N) ~ 1e-3) on 2 ranks."""
    args = ["run", ROOT / "decks/pic/thermal.toml", "--set", "run.steps=20", "--set",
            "species.0.particles_per_cell=16", "--set", "output.diag_every=5"]
    histories = {}
    for n in (1, 2, 4):
        proc = run_cli([*args, "-o", tmp_path / f"n{n}"], nprocs=n)
        assert proc.returncode == 0, proc.stderr
        histories[n] = energy_history(tmp_path / f"n{n}")
    steps, reference = histories[1]
    np.testing.assert_array_equal(steps, np.arange(0, 21, 5))
    for n in (2, 4):
        np.testing.assert_array_equal(histories[n][0], steps)
        np.testing.assert_allclose(histories[n][1], reference, rtol=1e-12, atol=0)
    proc = run_cli([*args, "--set", "run.steps=1", "--set", "pic.loading_rng=per_rank", "-o", tmp_path / "per_rank"],
                   nprocs=2)
    assert proc.returncode == 0, proc.stderr
    assert abs(energy_history(tmp_path / "per_rank")[1][0] / reference[0] - 1.0) > 1e-6
