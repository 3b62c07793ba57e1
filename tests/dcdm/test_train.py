"""Training: a tiny run lowers the loss, resuming from a checkpoint gives the weights of an uninterrupted run,
and `hpcsim train` writes (and resumes) a weights file that the DCDM solver reads."""

import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import _env, run_cli
from hpcsim.backend import CPUBackend
from hpcsim.linalg.config import make_solver
from hpcsim.linalg.dcdm import data
from hpcsim.linalg.dcdm.deck import DCDM
from hpcsim.linalg.dcdm.lanczos import lanczos
from hpcsim.linalg.dcdm.network import Network
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.dcdm.trainrun import is_training_deck, load_deck
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

torch = pytest.importorskip("torch")
from hpcsim.linalg.dcdm.train import Trainer  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny():
    """16 x 16 Dirichlet Poisson, 32 samples from 40 Ritz vectors, an 8-channel network."""
    mesh = Mesh.create(Comm(), (16, 16), (1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    _, vectors = lanczos(op, 40, seed=0)
    rhs = data.normalise(data.right_hand_sides(vectors, 32, 1, 9.0), mesh.comm).reshape(32, 16, 16)
    table = DCDM.resolve({"channels": 8, "epochs": 6, "batch": 4, "learning_rate": 1e-2, "seed": 2})
    return rhs, op.to_csr(), table


def test_training_lowers_the_loss(tiny, tmp_path):
    rhs, csr, table = tiny
    trainer = Trainer(tmp_path, rhs, csr, None, table, 2, log=lambda line: None)
    assert trainer.run() is None
    history = trainer.history
    assert len(history) == 6
    assert history[-1] < 0.3 * history[0]


@pytest.mark.parametrize("decay", [1.0, 0.5])
def test_resume_gives_the_uninterrupted_weights(tiny, tmp_path, decay):
    rhs, csr, table = tiny
    table = dict(table, lr_decay=decay)
    straight = Trainer(tmp_path / "a", rhs, csr, None, dict(table, epochs=3), 2, log=lambda line: None)
    (tmp_path / "a").mkdir()
    straight.run()
    (tmp_path / "b").mkdir()
    Trainer(tmp_path / "b", rhs, csr, None, dict(table, epochs=2), 2, log=lambda line: None).run()
    resumed = Trainer(tmp_path / "b", rhs, csr, None, dict(table, epochs=3), 2, log=lambda line: None)
    assert resumed.resume() == 2
    resumed.run()
    assert resumed.history == straight.history
    assert resumed.optimizer.param_groups[0]["lr"] == table["learning_rate"] * decay ** 2     # epoch 3's
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        assert torch.equal(p, q)


def test_train_command_writes_weights_that_solve(tmp_path):
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\nbc = "dirichlet"\n\n[dcdm]\nritz_vectors = 40\nsamples = 32\n'
                    'channels = 8\nlevels = 3\nepochs = 3\nbatch = 4\nlearning_rate = 1e-2\nseed = 2\n')
    out = tmp_path / "out"
    result = run_cli(["train", str(deck), "-o", str(out)])
    assert result.returncode == 0, result.stderr
    assert "epoch 3/3" in result.stdout and (out / "checkpoint.pt").exists()
    network = Network.load(out / "weights.h5")
    assert network.meta["epochs"] == 3 and "hpcsim train" in network.meta["command"]
    assert network.levels == 3 and network.weights["d2a"][0].shape == (8, 8, 3, 3)
    again = run_cli(["train", str(deck), "-o", str(out), "--resume", "--set", "dcdm.epochs=4"])
    assert again.returncode == 0 and "resumed at epoch 3" in again.stdout and "epoch 4/4" in again.stdout
    assert Network.load(out / "weights.h5").meta["epochs"] == 4
    # a network trained for seconds is a poor direction (convergence is tested with the shipped models in
    # test_solver.py); here: the file drives the solver
    mesh = Mesh.create(Comm(), (16, 16), (1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    solver = make_solver(op, {"method": "dcdm", "dcdm_weights": str(out / "weights.h5"), "max_iterations": 5})
    result = solver.solve(mesh.zeros() + 1.0, mesh.zeros())
    assert result.iterations == 5 and np.isfinite(result.residual)


def test_resume_on_a_larger_grid_rebuilds_the_data(tmp_path):
    """A curriculum: the shared network trained on 16 x 16, then resumed on 32 x 32 (the data rebuilt for the
    deck's operator, the weights and optimiser carried over); a resume that changes the network is refused."""
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\nbc = "dirichlet"\n\n[dcdm]\nritz_vectors = 40\nsamples = 16\n'
                    'channels = 4\nlevels = "auto"\nepochs = 2\nbatch = 4\nseed = 2\n')
    out = tmp_path / "out"
    assert run_cli(["train", str(deck), "-o", str(out)]).returncode == 0
    again = run_cli(["train", str(deck), "-o", str(out), "--resume", "--set", "mesh.shape=[32,32]",
                     "--set", "dcdm.epochs=3"])
    assert again.returncode == 0, again.stderr
    assert "rebuilt for the deck: shape [16, 16] -> [32, 32]" in again.stdout
    assert "resumed at epoch 2 on 32x32 cells" in again.stdout and "epoch 3/3" in again.stdout
    assert data.read(out / "data.h5")[0].shape == (16, 32, 32)
    same = run_cli(["train", str(deck), "-o", str(out), "--resume", "--set", "mesh.shape=[32,32]",
                    "--set", "dcdm.epochs=4"])
    assert same.returncode == 0 and "data:" not in same.stdout and "epoch 4/4" in same.stdout
    other = run_cli(["train", str(deck), "-o", str(out), "--resume", "--set", "mesh.shape=[32,32]",
                     "--set", "dcdm.channels=8", "--set", "dcdm.epochs=5"])
    assert other.returncode == 2 and "other settings" in other.stderr and "Traceback" not in other.stderr
    assert Network.load(out / "weights.h5").meta["epochs"] == 4


@pytest.mark.parametrize("init", ["zero", "random"])
def test_mask_init_zero_starts_as_the_box_network(tiny, tmp_path, init):
    """mask_init = "zero": every masked convolution conv([h, m h]) = W h + W' (m h) starts with W' = 0, so the
    network starts as the shared box network with the same W and its output does not depend on the mask;
    "random" draws W' as PyTorch draws W (and W the same in both: zeroing consumes no random numbers)."""
    rhs, csr, table = tiny
    fluid = np.ones(rhs.shape[1:], np.float32)
    fluid[5:9, 6:10] = 0.0
    table = dict(table, levels="auto", mask_pyramid=True, mask_init=init)
    model = Trainer(tmp_path, rhs * fluid, csr, fluid, table, 2, log=lambda line: None).model
    assert all(torch.count_nonzero(c.weight[:, c.in_channels // 2:]) == (0 if init == "zero" else
               c.weight[:, c.in_channels // 2:].numel()) for c in model.convs.values())
    torch.manual_seed(table["seed"])
    drawn = Trainer(tmp_path, rhs * fluid, csr, fluid, dict(table, mask_init="random"), 2, log=lambda line: None)
    for c, d in zip(model.convs.values(), drawn.model.convs.values()):
        assert torch.equal(c.weight[:, :c.in_channels // 2], d.weight[:, :d.in_channels // 2])
    r = torch.from_numpy((rhs[:2] * fluid).astype(np.float32)).unsqueeze(1)
    with torch.no_grad():
        solid, open_box = (model(torch.cat([r, torch.from_numpy(m).expand_as(r)], 1))
                           for m in (fluid, np.ones_like(fluid)))
    assert torch.equal(solid, open_box) == (init == "zero")


def test_two_ranks_train_the_one_rank_network(tmp_path):
    """Data-parallel training: on 2 ranks each takes half of every batch and the gradients are summed, so the loss
    history and weights are a one-rank run's up to the order of float32 sums (measured: history 1e-7, weights
    4e-6 of their largest after 24 Adam steps; Adam's normalised step passes a round-off difference in a small
    gradient through at the rate's scale: from mask_init = "zero", where many first gradients are near zero, the
    history differed by 2e-5 at this rate, so the test starts from random mask weights). A two-rank run resumed on
    two ranks continues it."""
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\nbc = "dirichlet"\n\n[dcdm]\nobstacles = [[0.5, 0.45, 0.2]]\n'
                    'ritz_vectors = 40\nsamples = 24\nchannels = 4\nlevels = "auto"\nmask_pyramid = true\n'
                    'mask_init = "random"\nepochs = 3\nbatch = 5\nlearning_rate = 1e-2\nseed = 2\n')
    one = run_cli(["train", str(deck), "-o", str(tmp_path / "one")])
    assert one.returncode == 0, one.stderr
    assert "training on 1 rank x 1 thread" in one.stdout
    two = run_cli(["train", str(deck), "-o", str(tmp_path / "two"), "--set", "dcdm.epochs=2"], nprocs=2)
    assert two.returncode == 0, two.stderr
    assert "training on 2 ranks x 1 thread" in two.stdout and two.stdout.count("epoch 2/2") == 1
    two = run_cli(["train", str(deck), "-o", str(tmp_path / "two"), "--resume"], nprocs=2)
    assert two.returncode == 0 and "resumed at epoch 2" in two.stdout, two.stderr
    history = [torch.load(tmp_path / run / "checkpoint.pt", weights_only=False)["history"] for run in ("one", "two")]
    assert history[1] == pytest.approx(history[0], rel=1e-5)
    a, b = (Network.load(tmp_path / run / "weights.h5") for run in ("one", "two"))
    for name, (w, _) in a.weights.items():
        assert np.max(np.abs(b.weights[name][0] - w)) <= 1e-4 * np.max(np.abs(w)), name


@pytest.mark.parametrize("signal_name", ["SIGUSR1", "SIGTERM"])
def test_a_stop_signal_ends_training_with_a_checkpoint(tmp_path, signal_name):
    """SIGUSR1 (Slurm's warning) or SIGTERM: the epoch under way finishes, the checkpoint and weights.h5 are
    written, exit 75; --resume then trains the remaining epochs to the weights of an uninterrupted run."""
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\nbc = "dirichlet"\n\n[dcdm]\nritz_vectors = 40\nsamples = 16\n'
                    'channels = 4\nlevels = "auto"\nepochs = 100000\nbatch = 4\nseed = 2\n'
                    'checkpoint_every = 1000\n')
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "hpcsim", "train", str(deck), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("epoch 3/"):
            proc.send_signal(getattr(signal, signal_name))
            break
    rest, stderr = proc.communicate(timeout=120)
    stdout = "".join(seen) + rest
    assert proc.returncode == 75, stderr
    epoch = int(re.search(rf"stopped by {signal_name} after epoch (\d+) of 100000: checkpoint written", stdout)[1])
    assert epoch >= 3 and f"epoch {epoch}/100000" in stdout and f"epoch {epoch + 1}/" not in stdout
    assert torch.load(out / "checkpoint.pt", weights_only=False)["epoch"] == epoch      # saved off the schedule
    assert Network.load(out / "weights.h5").meta["epochs"] == epoch
    resumed = run_cli(["train", str(deck), "-o", str(out), "--resume", "--set", f"dcdm.epochs={epoch + 2}"])
    assert resumed.returncode == 0 and f"resumed at epoch {epoch}" in resumed.stdout, resumed.stderr
    straight = run_cli(["train", str(deck), "-o", str(tmp_path / "straight"), "--set", f"dcdm.epochs={epoch + 2}"])
    assert straight.returncode == 0, straight.stderr
    a, b = (Network.load(d / "weights.h5") for d in (out, tmp_path / "straight"))
    assert all(np.array_equal(a.weights[k][0], b.weights[k][0]) for k in a.weights)


def test_train_deck_errors_are_clear(tmp_path):
    deck = tmp_path / "bad.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\n\n[dcdm]\nepoch = 3\n')
    result = run_cli(["train", str(deck), "-o", str(tmp_path / "out")])
    assert result.returncode == 2 and "dcdm.epoch" in result.stderr and "epochs" in result.stderr
    assert "Traceback" not in result.stderr
    for key, value, reason in (("levels", "0", "must be >= 1"), ("levels", "9", "must be <= 8"),
                               ("levels", "2.5", "integer"), ("levels", '"deep"', "or 'auto', got 'deep'"),
                               ("lr_decay", "1.5", "must be <= 1.0"),
                               ("lr_decay", "0", "must be > 0.0"),
                               ("mask_pyramid", "true", "set levels = 'auto'")):
        deck.write_text(f'[mesh]\nshape = [16, 16]\n\n[dcdm]\n{key} = {value}\n')
        result = run_cli(["train", str(deck), "-o", str(tmp_path / "out")])
        assert result.returncode == 2 and f"dcdm.{key}" in result.stderr and reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("deck", sorted((Path(__file__).parents[2] / "decks" / "linalg").glob("dcdm_train_*.toml")),
                         ids=lambda p: p.stem)
def test_shipped_training_decks_are_valid(deck):
    """Every training deck in decks/linalg reads with the keys of `hpcsim train`."""
    assert is_training_deck(deck)
    assert load_deck(deck)["dcdm"]["epochs"] >= 1


def test_check_validates_training_decks(tmp_path):
    """`hpcsim check` reads a training deck ([mesh] and [dcdm]) with the keys of `hpcsim train`: levels "auto"
    (the shared network) is accepted, a bad value refused naming the key."""
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\n\n[dcdm]\nlevels = "auto"\n')
    result = run_cli(["check", str(deck)])
    assert result.returncode == 0 and "valid DCDM training deck" in result.stdout and "'auto'" in result.stdout
    result = run_cli(["check", str(deck), "--set", "dcdm.mask_pyramid=true"])
    assert result.returncode == 0 and "'auto' with the mask pyramid" in result.stdout
    for value, reason in (('"shared"', "or 'auto', got 'shared'"), ("0", "must be >= 1")):
        result = run_cli(["check", str(deck), "--set", f"dcdm.levels={value}"])
        assert result.returncode == 2 and "dcdm.levels" in result.stderr and reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_shared_network_trains_and_solves_on_a_larger_grid(tiny, tmp_path):
    """levels = "auto": trained on 16 x 16 (3 levels), the same weights run 5 levels in the solver on 64 x 64."""
    rhs, csr, table = tiny
    trainer = Trainer(tmp_path, rhs, csr, None, dict(table, levels="auto"), 2, log=lambda line: None)
    trainer.run()
    assert trainer.history[-1] < trainer.history[0]
    network = trainer.export(tmp_path / "weights.h5", {})
    assert Network.load(tmp_path / "weights.h5").levels == "auto" and network.levels_for((64, 64)) == 5
    mesh = Mesh.create(Comm(), (64, 64), (1.0, 1.0), "dirichlet")
    op = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())
    solver = make_solver(op, {"method": "dcdm", "dcdm_weights": str(tmp_path / "weights.h5"), "max_iterations": 3,
                              "dcdm_inference": "kernels"})
    result = solver.solve(mesh.zeros() + 1.0, mesh.zeros())
    assert result.iterations == 3 and np.isfinite(result.residual)


def test_mask_pyramid_network_trains_on_obstacles_and_solves_with_and_without_them(tmp_path):
    """`hpcsim train` with levels = "auto" and mask_pyramid = true on a disc scene (16 x 16) writes a format /4
    file; the solver feeds it the obstacle operator's fluid mask (no deck key) on 32 x 32, and an all-fluid mask
    for the plain Laplacian."""
    deck = tmp_path / "train.toml"
    deck.write_text('[mesh]\nshape = [16, 16]\nbc = "dirichlet"\n\n[dcdm]\nobstacles = [[0.4, 0.5, 0.2]]\n'
                    'ritz_vectors = 30\nsamples = 16\nchannels = 4\nlevels = "auto"\nmask_pyramid = true\n'
                    'epochs = 2\nbatch = 4\nlearning_rate = 1e-2\n')
    out = tmp_path / "out"
    result = run_cli(["train", str(deck), "-o", str(out)])
    assert result.returncode == 0, result.stderr
    network = Network.load(out / "weights.h5")
    assert network.masked and network.inputs == 2 and network.weights["ua"][0].shape == (4, 8, 3, 3)
    mesh = Mesh.create(Comm(), (32, 32), (1.0, 1.0), "dirichlet")
    for op in (ObstacleLaplacian(mesh, 0.0, 1.0, [[0.4, 0.5, 0.2]], CPUBackend()),
               ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend())):
        solver = make_solver(op, {"method": "dcdm", "dcdm_weights": str(out / "weights.h5"), "max_iterations": 3,
                                  "dcdm_inference": "kernels"})
        mask = solver.pc.forward.input[1][mesh.interior]
        assert np.array_equal(mask, getattr(op, "fluid", np.ones(mesh.array_shape))[mesh.interior])
        result = solver.solve(op.mesh.zeros() + 1.0, mesh.zeros())
        assert result.iterations == 3 and np.isfinite(result.residual)
