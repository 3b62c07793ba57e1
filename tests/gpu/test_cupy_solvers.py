"""The linear solvers on a real GPU (CuPy arrays, numba.cuda kernels compiled for the device) against the CPU.

Skipped where CuPy or a CUDA device is missing (CI); run on a GPU machine with `pytest tests/gpu`.
"""
from pathlib import Path

import numpy as np
import pytest

from hpcsim.backend import CPUBackend, gpu_status

usable, why = gpu_status()
if not usable:
    pytest.skip(f"no GPU: {why}", allow_module_level=True)

from hpcsim.backend import GPUBackend  # noqa: E402
from hpcsim.linalg.config import make_solver  # noqa: E402
from hpcsim.linalg.cg_deferred import DeferredCheckCG  # noqa: E402
from hpcsim.linalg.operators import BiharmonicShift, ShiftedLaplacian, VariableCoefficient  # noqa: E402
from hpcsim.mesh import Mesh  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402

BCS = ["dirichlet", "periodic", "neumann"]
ROOT = Path(__file__).resolve().parents[2]


def _operator(kind, mesh, backend):
    if kind == "shifted":
        return ShiftedLaplacian(mesh, 0.0, 1.0, backend)
    if kind == "variable":
        a = mesh.zeros()
        a[mesh.interior] = 1.0 + np.random.default_rng(1).random(mesh.local_shape)
        return VariableCoefficient(mesh, 0.0, 1.0, a, backend)
    return BiharmonicShift(mesh, 1e-3, backend)


@pytest.mark.parametrize("kind", ["shifted", "variable", "biharmonic"])
@pytest.mark.parametrize("method,preconditioner", [("cg", "none"), ("cg", "jacobi"), ("cg", "multigrid"),
                                                   ("cg1", "chebyshev"), ("pipecg", "jacobi"),
                                                   ("fcg", "multigrid")])
def test_solver_on_gpu_matches_cpu(kind, method, preconditioner):
    mesh = Mesh.create(Comm(), (24, 20, 16), (1.0, 1.1, 0.9), BCS)
    b = mesh.zeros()
    b[mesh.interior] = np.random.default_rng(0).standard_normal(mesh.local_shape)
    options = {"method": method, "preconditioner": preconditioner, "rtol": 1e-9, "max_iterations": 5000,
               "check_every": 4}
    out = {}
    for backend in (CPUBackend(), GPUBackend()):
        op = _operator(kind, mesh, backend)
        solver = make_solver(op, options)
        x = mesh.zeros(backend.xp)
        res = solver.solve(backend.xp.asarray(b), x)
        assert res.converged and res.residual <= 1e-9
        out[backend.name] = (res, np.asarray(backend.to_host(x)), type(solver))
    (rc, xc, _), (rg, xg, gpu_type) = out["cpu"], out["gpu"]
    if method == "cg":
        assert gpu_type is DeferredCheckCG
        assert rc.iterations <= rg.iterations < rc.iterations + 4 + 2
    else:
        assert abs(rg.iterations - rc.iterations) <= 2
    scale = np.abs(mesh.owned(xc)).max()
    assert np.abs(mesh.owned(xg) - mesh.owned(xc)).max() <= 1e-7 * scale


def test_poisson_deck_on_gpu_equals_cpu(tmp_path, cli):
    """The whole run (deck, solver, openPMD output) with run.backend = "gpu": same error as the CPU run."""
    import h5py

    errors = {}
    for backend in ("cpu", "gpu"):
        out = tmp_path / backend
        proc = cli(["run", "decks/linalg/poisson3d.toml", "-o", out, "--set", f'run.backend="{backend}"'],
                   cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        with h5py.File(out / "diags" / "scalars.h5", "r") as f:
            errors[backend] = float(f["error_l2"][-1])
    assert errors["gpu"] == pytest.approx(errors["cpu"], rel=1e-6)
