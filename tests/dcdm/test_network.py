"""The network: the loss and its gradient against finite differences, the kernel forward pass against
PyTorch's, the weights file, and that inference never imports torch."""
import subprocess
import sys

import numpy as np
import pytest

from hpcsim.backend import CPUBackend
from hpcsim.linalg.dcdm.forward import Forward, TorchForward, make_forward
from hpcsim.linalg.dcdm.network import Network
from hpcsim.linalg.dcdm.obstacles import ObstacleLaplacian
from hpcsim.linalg.operators import ShiftedLaplacian
from hpcsim.mesh import Mesh
from hpcsim.parallel import Comm

torch = pytest.importorskip("torch")
from hpcsim.linalg.dcdm import train  # noqa: E402

torch.set_num_threads(1)
COMM = Comm()


def random_model(ndim, channels, inputs, seed=0):
    """A model with random weights and biases of order one (PyTorch's default init leaves activations tiny)."""
    torch.manual_seed(seed)
    model = train.build_model(ndim, channels, inputs)
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


CASES = [((12, 8), "dirichlet", 1), ((8, 6, 4), ["dirichlet", "neumann", "dirichlet"], 1), ((10, 8), "dirichlet", 2)]


@pytest.mark.parametrize("shape,bc,inputs", CASES)
def test_kernel_forward_equals_torch(shape, bc, inputs, tmp_path):
    """Export to HDF5, load, run the numba kernels: equal to PyTorch's float32 forward pass to round-off."""
    ndim = len(shape)
    model = random_model(ndim, 16 if ndim == 2 else 6, inputs, seed=ndim + inputs)
    train.to_network(model, {"note": "test"}).save(tmp_path / "w.h5")
    network = Network.load(tmp_path / "w.h5")
    assert network.meta == {"note": "test"}
    mesh = Mesh.create(COMM, shape, (1.0,) * ndim, bc)
    forward = Forward(network, mesh, CPUBackend())
    x = np.random.default_rng(4).standard_normal((inputs,) + shape).astype(np.float32)
    for c in range(inputs):
        forward.input[c][mesh.interior] = x[c].reshape(mesh.local_shape)
    ours = mesh.owned(forward.run()[0])
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)[None])[0, 0].numpy()
    scale = np.abs(theirs).max()
    assert scale > 1.0
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-6 * scale)


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


def test_odd_blocks_are_refused():
    network = train.to_network(random_model(2, 4, 1), {})
    with pytest.raises(ValueError, match="even number of cells"):
        Forward(network, Mesh.create(COMM, (9, 8), (1.0, 1.0), "dirichlet"), CPUBackend())


def test_inference_does_not_import_torch():
    code = ("import sys, hpcsim.linalg.dcdm.solver, hpcsim.linalg.config; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
