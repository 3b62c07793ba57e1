"""The network: the loss and its gradient against finite differences, the kernel forward pass against
PyTorch's, the weights file, and that inference never imports torch."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import run_mpi
from hpcsim.backend import CPUBackend
from hpcsim.linalg.dcdm.forward import Forward, TorchForward, make_forward
from hpcsim.linalg.dcdm.network import Conv, Network
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

torch = pytest.importorskip("torch")
from hpcsim.linalg.dcdm import train  # noqa: E402

torch.set_num_threads(1)
COMM = Comm()


def random_model(ndim, channels, inputs, seed=0, levels=1, masked=False):
    """A model with random weights and biases of order one (PyTorch's default init leaves activations tiny)."""
    torch.manual_seed(seed)
    model = train.build_model(ndim, channels, inputs, levels, masked)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    return model


def test_loss_is_the_residual_after_the_best_a_norm_step():
    """For q = A^-1 b the loss vanishes; for any q it equals ||b - c A q||^2 computed by hand."""
    mesh = Mesh.create(COMM, (8, 8), (1.0, 1.0), "dirichlet")
    A = ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()).to_csr()
    b = np.random.default_rng(0).standard_normal((2, 64))
    exact = np.linalg.solve(A.toarray(), b.T).T

    class Fixed(torch.nn.Module):
        def __init__(self, q):
            super().__init__()
            self.q = torch.from_numpy(q.reshape(2, 1, 8, 8))

        def forward(self, x):
            return self.q

    At = train.sparse_operator(A, torch.float64)
    bt = torch.from_numpy(b.reshape(2, 8, 8))
    assert float(train.loss(Fixed(exact), bt, At)) < 1e-20
    q = np.random.default_rng(1).standard_normal((2, 64))
    c = np.einsum("si,si->s", q, b) / np.einsum("si,si->s", q, (A @ q.T).T)
    expected = np.mean(np.sum((b - c[:, None] * (A @ q.T).T) ** 2, axis=1))
    assert float(train.loss(Fixed(q), bt, At)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ndim,inputs", [(2, 1), (3, 2)])
def test_loss_gradient_matches_finite_differences(ndim, inputs):
    """dL/dw from autograd against central differences (float64, step 1e-6) on a sample of weights."""
    shape = (8, 8) if ndim == 2 else (4, 4, 4)
    mesh = Mesh.create(COMM, shape, (1.0,) * ndim, "dirichlet")
    spheres = [[0.5] * ndim + [0.2]] if inputs == 2 else []
    op = (ObstacleLaplacian(mesh, 0.0, 1.0, spheres, CPUBackend()) if spheres
          else ShiftedLaplacian(mesh, 0.0, 1.0, CPUBackend()))
    A = train.sparse_operator(op.to_csr(), torch.float64)
    fluid = torch.from_numpy(mesh.owned(op.fluid)) if spheres else None
    model = random_model(ndim, 3, inputs).double()
    b = torch.from_numpy(np.random.default_rng(2).standard_normal((3,) + shape))
    value = train.loss(model, b, A, fluid)
    value.backward()
    rng = np.random.default_rng(3)
    for name in ("in", "c1a", "f2b", "out"):
        w = model.convs[name].weight
        for flat in rng.choice(w.numel(), 3, replace=False):
            index = np.unravel_index(flat, w.shape)
            with torch.no_grad():
                w[index] += 1e-6
                up = float(train.loss(model, b, A, fluid))
                w[index] -= 2e-6
                down = float(train.loss(model, b, A, fluid))
                w[index] += 1e-6
            assert float(w.grad[index]) == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)


CASES = [((12, 8), "dirichlet", 1, 1), ((8, 6, 4), ["dirichlet", "neumann", "dirichlet"], 1, 1),
         ((10, 8), "dirichlet", 2, 1),
         ((16, 16), "dirichlet", 1, 2), ((13, 7), "dirichlet", 2, 2), ((24, 20), "dirichlet", 1, 3),
         ((11, 9), "dirichlet", 2, 3), ((8, 8, 8), "dirichlet", 1, 2), ((9, 6, 5), "dirichlet", 2, 2),
         ((8, 8, 8), "dirichlet", 1, 3), ((7, 10, 5), ["dirichlet", "neumann", "dirichlet"], 1, 3),
         ((16, 16), "dirichlet", 1, "auto"), ((13, 7), "dirichlet", 2, "auto"), ((41, 37), "dirichlet", 1, "auto"),
         ((9, 6, 5), "dirichlet", 2, "auto"), ((12, 16, 20), "dirichlet", 1, "auto")]
MASKED = [((16, 16), "dirichlet", 2, "auto", True), ((41, 37), "dirichlet", 2, "auto", True),
          ((13, 7), ["dirichlet", "neumann"], 2, "auto", True), ((9, 6, 5), "dirichlet", 2, "auto", True)]


@pytest.mark.parametrize("shape,bc,inputs,levels,masked", [case + (False,) for case in CASES] + MASKED)
def test_kernel_forward_equals_torch(shape, bc, inputs, levels, masked, tmp_path):
    """Export to HDF5, load, run the numba kernels: equal to PyTorch's float32 forward pass to round-off, for 1-3
    pooling levels and the shared network (2-5 levels here), with and without the mask pyramid (a random 0/1
    mask, the residual zero in its solid cells), on grids not divisible by 2^levels (odd axes pool to ceil(n/2)
    cells). Tolerance: float32 round-off, 2e-7 of the output's scale per convolution the network runs (each conv's
    sum is rounded in a different order by PyTorch and by the kernels, which accumulate in float64)."""
    ndim = len(shape)
    model = random_model(ndim, 16 if ndim == 2 else 6, inputs, seed=ndim + inputs + len(str(levels)), levels=levels,
                         masked=masked)
    train.to_network(model, {"note": "test"}).save(tmp_path / "w.h5")
    network = Network.load(tmp_path / "w.h5")
    assert network.meta == {"note": "test"} and network.levels == levels and network.masked == masked
    mesh = Mesh.create(COMM, shape, (1.0,) * ndim, bc)
    forward = Forward(network, mesh, CPUBackend())
    runs, steps, _ = network.program_for(shape)
    assert forward.meshes[-1].global_shape == tuple(-(-n // 2 ** runs) for n in shape)
    x = np.random.default_rng(4).standard_normal((inputs,) + shape).astype(np.float32)
    if masked:
        x[1] = x[1] > -0.8
        x[0] *= x[1]
    for c in range(inputs):
        forward.input[c][mesh.interior] = x[c].reshape(mesh.local_shape)
    ours = mesh.owned(forward.run()[0])
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)[None])[0, 0].numpy()
    scale = np.abs(theirs).max()
    assert scale > 1.0
    convs = sum(isinstance(step, Conv) for step in steps)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-7 * convs * scale)


def saved(model, path):
    """(the model's Network, the format of the file it was saved to), checking that the file reloads with the
    model's parameter count."""
    import h5py

    network = train.to_network(model, {})
    network.save(path)
    with h5py.File(path, "r") as f:
        fmt = f.attrs["format"].decode()
    assert Network.load(path).parameters == network.parameters == sum(p.numel() for p in model.parameters())
    return network, fmt


def test_shared_network_chooses_its_levels_from_the_grid(tmp_path):
    """levels = "auto": the same 14 convolutions on every grid (format /3), the level count the fewest that pool
    the smallest axis to at most 2 cells, and a receptive field that covers the grid (an impulse at one corner
    reaches the far corner) on grids of 2, 4 and 8 times the size of one pass of the 3-level network."""
    from hpcsim.linalg.dcdm.network import FORMAT_SHARED, auto_levels

    assert [auto_levels(s) for s in ((2, 2), (3, 9), (5, 5), (32, 32), (33, 64), (64, 64), (128, 40), (16,) * 3)] \
        == [1, 1, 2, 4, 5, 5, 5, 3]
    model = random_model(2, 4, 1, seed=1, levels="auto")
    assert len(Network.shapes(2, 4, 1, "auto")) == 14 and sorted(model.convs)[4:6] == ["da", "db"]
    assert saved(model, tmp_path / "w.h5")[1] == FORMAT_SHARED
    for n in (40, 80, 160):
        x = torch.zeros((1, 1, n, n))
        with torch.no_grad():
            base = model(x)[0, 0]
            x[0, 0, 0, 0] = 1.0
            assert float((model(x)[0, 0] - base).abs()[-1, -1]) > 0


def test_mask_pyramid_network_is_format_4_and_the_box_network_when_all_fluid(tmp_path):
    """The masked shared network: 14 convolutions reading twice their input channels ([h, m h]), saved as format
    /4; with an all-fluid mask it is the shared box network with the summed weights W + W' (which reads the
    residual times sqrt(cells): the masked one is homogeneous and reads it as it is), on 3 and 5 levels; a /4 file
    whose network has no mask input is refused."""
    import h5py

    from hpcsim.linalg.dcdm.network import FORMAT_MASKED

    model = random_model(2, 4, 2, seed=3, levels="auto", masked=True)
    shapes = Network.shapes(2, 4, 2, "auto", masked=True)
    assert len(shapes) == 14 and shapes["in"][0] == (4, 2, 3, 3) and shapes["da"][0] == (4, 8, 3, 3)
    network, fmt = saved(model, tmp_path / "w.h5")
    assert fmt == FORMAT_MASKED
    summed = {name: (w[:, :w.shape[1] // 2] + w[:, w.shape[1] // 2:], b) for name, (w, b) in network.weights.items()}
    box = train.from_network(Network(2, 4, 1, summed, {}, "auto"))
    for shape in ((20, 12), (64, 40)):
        r = torch.from_numpy(np.random.default_rng(4).standard_normal((1, 1) + shape).astype(np.float32))
        with torch.no_grad():
            masked = model(torch.cat([r, torch.ones_like(r)], 1)) * float(np.sqrt(np.prod(shape)))
            plain = box(r)
        torch.testing.assert_close(masked, plain, rtol=1e-5, atol=1e-5 * float(plain.abs().max()))
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["inputs"] = 1
    with pytest.raises(ValueError, match="mask pyramid needs the shared network"):
        Network.load(tmp_path / "w.h5")


def test_levels_grow_the_network_and_its_receptive_field():
    """A unit impulse at one corner changes the output at the far corner only with enough levels: the receptive
    field of L levels reaches about 2^L (3 + 4) cells."""
    shape = (40, 40)
    reach = {}
    for levels in (1, 3):
        model = random_model(2, 4, 1, seed=1, levels=levels)
        x = torch.zeros((1, 1) + shape)
        with torch.no_grad():
            base = model(x)[0, 0]
            x[0, 0, 0, 0] = 1.0
            delta = (model(x)[0, 0] - base).abs().numpy()
        reach[levels] = delta[-1, -1] > 0
        assert len(Network.shapes(2, 4, 1, levels)) == 10 + 4 * (levels - 1)
    assert not reach[1] and reach[3]


def test_torch_inference_equals_the_kernels_and_auto_picks_one():
    mesh = Mesh.create(COMM, (16, 12), (1.0, 1.0), "dirichlet")
    network = train.to_network(random_model(2, 8, 1, seed=5), {})
    passes = {kind: make_forward(network, mesh, CPUBackend(), kind) for kind in ("kernels", "torch", "auto")}
    assert isinstance(passes["kernels"], Forward) and isinstance(passes["torch"], TorchForward)
    assert type(passes["auto"]) in (Forward, TorchForward)
    x = np.random.default_rng(6).standard_normal(mesh.local_shape).astype(np.float32)
    out = {}
    for kind in ("kernels", "torch"):
        passes[kind].input[0][mesh.interior] = x
        out[kind] = mesh.owned(passes[kind].run()[0]).copy()
    np.testing.assert_allclose(out["torch"], out["kernels"], rtol=0, atol=2e-6 * np.abs(out["kernels"]).max())


def test_weights_file_is_checked(tmp_path):
    network = train.to_network(random_model(2, 4, 1), {})
    network.save(tmp_path / "w.h5")
    assert Network.load(tmp_path / "w.h5").parameters == sum(p.numel() for p in random_model(2, 4, 1).parameters())
    import h5py

    with h5py.File(tmp_path / "w.h5", "a") as f:
        del f["in/bias"]
        f["in/bias"] = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="in has shapes"):
        Network.load(tmp_path / "w.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.attrs["format"] = "something else"
    with pytest.raises(ValueError, match="not a DCDM weights file"):
        Network.load(tmp_path / "other.h5")


def test_one_level_files_without_the_attribute_load_and_give_the_same_output(tmp_path):
    """A file of the old format (/1, no `levels`): read as one level, the same output as its network; the
    shipped one-level models load the same way."""
    import h5py

    from hpcsim.linalg.dcdm.network import FORMAT_ONE_LEVEL

    network = train.to_network(random_model(2, 4, 1, seed=7), {})
    network.save(tmp_path / "new.h5")
    network.save(tmp_path / "old.h5")
    with h5py.File(tmp_path / "old.h5", "a") as f:
        del f.attrs["levels"]
        f.attrs["format"] = np.bytes_(FORMAT_ONE_LEVEL)
    mesh = Mesh.create(COMM, (12, 10), (1.0, 1.0), "dirichlet")
    x = np.random.default_rng(8).standard_normal(mesh.local_shape).astype(np.float32)
    out = []
    for name in ("new.h5", "old.h5"):
        loaded = Network.load(tmp_path / name)
        assert loaded.levels == 1
        forward = Forward(loaded, mesh, CPUBackend())
        forward.input[0][mesh.interior] = x
        out.append(mesh.owned(forward.run()[0]).copy())
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("name,levels", [("box2d_l1", 1), ("obstacles3d_l1", 1), ("box2d", 4), ("box3d", 3),
                                         ("box2d_shared", "auto"), ("box3d_shared", "auto"),
                                         ("obstacles2d_masked", "auto"), ("obstacles3d_masked", "auto"),
                                         ("obstacles3d_masked24", "auto")])
def test_shipped_models_load_with_their_level_count(name, levels):
    """The one-level models are files of the old format (/1, no `levels`), the shared ones of format /3 (/4 with
    the mask pyramid); every
    shipped model runs the same on the kernels as on PyTorch (float32 round-off, as above) on a grid not divisible
    by 2^levels."""
    import h5py

    from hpcsim.linalg.dcdm.network import FORMAT, FORMAT_MASKED, FORMAT_ONE_LEVEL, FORMAT_SHARED
    from hpcsim.linalg.dcdm.solver import weights_path

    with h5py.File(weights_path(name), "r") as f:
        expected = FORMAT_MASKED if "masked" in name else FORMAT_SHARED
        assert f.attrs["format"].decode() == {1: FORMAT_ONE_LEVEL, "auto": expected}.get(levels, FORMAT)
    network = Network.load(weights_path(name))
    assert network.levels == levels
    shape = (20, 14) if network.ndim == 2 else (10, 7, 9)
    mesh = Mesh.create(COMM, shape, (1.0,) * network.ndim, "dirichlet")
    forward = Forward(network, mesh, CPUBackend())
    x = np.random.default_rng(9).standard_normal((network.inputs,) + shape).astype(np.float32)
    x[1:] = x[1:] > 0
    for c in range(network.inputs):
        forward.input[c][mesh.interior] = x[c].reshape(mesh.local_shape)
    ours = mesh.owned(forward.run()[0])
    with torch.no_grad():
        theirs = train.from_network(network)(torch.from_numpy(x)[None])[0, 0].numpy()
    convs = sum(isinstance(step, Conv) for step in network.program_for(shape)[1])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-7 * convs * np.abs(theirs).max())


def test_shipped_models_are_under_two_megabytes():
    """Issue 15: every shipped weights file stays under 2 MB."""
    from hpcsim.linalg.dcdm.solver import MODELS

    sizes = {p.name: p.stat().st_size for p in MODELS.glob("*.h5")}
    assert len(sizes) >= 15 and all(size < 2_000_000 for size in sizes.values()), sizes


def test_level_count_is_checked(tmp_path):
    import h5py

    train.to_network(random_model(2, 4, 1, levels=2), {}).save(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["levels"] = 3
    with pytest.raises(ValueError, match="no weights 'd2a' for a 3-level network"):
        Network.load(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["levels"] = 1
    with pytest.raises(ValueError, match=r"weights \['d1a', 'd1b', 'u1a', 'u1b'\] are not part of a 1-level"):
        Network.load(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["levels"] = 0
    with pytest.raises(ValueError, match="pooling levels must be an integer from 1 to 8, got 0"):
        Network.load(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["format"], f.attrs["levels"] = np.bytes_("hpcsim-dcdm-weights/3"), np.bytes_("auto")
    with pytest.raises(ValueError, match="no weights 'da' for a shared network"):
        Network.load(tmp_path / "w.h5")


def test_blocks_not_divisible_by_two_to_the_levels_are_refused_on_two_ranks():
    """On 2 ranks the forward pass of a 3-level network, of the shared one (3 levels on its grid) and of the shared
    one with the mask pyramid (a disc's mask split between the ranks) equals 1 rank's (last block odd on its axis),
    and a first block that is not a multiple of 2^levels is refused on both ranks, for the shared network too (its
    level count follows the global grid, not the blocks) (ranks_levels_check.py)."""
    script = Path(__file__).parent / "ranks_levels_check.py"
    runs = [run_mpi(n, [script], env={"NUMBA_NUM_THREADS": "1"}).stdout.split() for n in (1, 2)]
    for first in (0, 2):
        assert float(runs[1][first]) == pytest.approx(float(runs[0][first]), rel=1e-6)     # float32 sums, reduced
        assert runs[0][first + 1] == "accepted" and runs[1][first + 1] == "refused"
    assert float(runs[1][4]) == pytest.approx(float(runs[0][4]), rel=1e-6)


def test_inference_does_not_import_torch():
    code = ("import sys, hpcsim.linalg.dcdm.solver, hpcsim.linalg.config; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
