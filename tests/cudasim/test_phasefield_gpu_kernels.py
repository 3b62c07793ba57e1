"""The phase-field model on the numba.cuda kernels (CUDA simulator) against the CPU kernels: the same per-cell
bodies, so a few explicit and semi-implicit steps give the same fields and free energy."""
import numpy as np
import pytest

from simulated_gpu import SKIP_REASON, SimulatedGPU, assert_kernel_equal, kernel_target  # noqa: E402

if kernel_target() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

from hpcsim.backend import CPUBackend  # noqa: E402
from hpcsim.deck.loader import resolve  # noqa: E402
from hpcsim.parallel import Comm  # noqa: E402
from hpcsim.phasefield.model import PhaseFieldModel  # noqa: E402

CASES = {
    "bm1_2d": {"phasefield": {"initial": "random", "c0": 0.5, "amplitude": 0.05},
               "mesh": {"shape": [8, 6], "length": [8.0, 6.0]}},
    "two_phase_gradient": {"phasefield": {"thermodynamics": "two_phase", "initial": "precipitates",
                                          "centres": [[4.0, 3.0]], "radii": [1.5], "c_beta_slope": 0.1,
                                          "heat_of_transport": [0.0, -1.0], "temperature": "linear",
                                          "gradient": [0.05, 0.0]},
                           "mesh": {"shape": [8, 6], "length": [8.0, 6.0], "bc": ["neumann", "periodic"]}},
    "ideal_1d": {"phasefield": {"thermodynamics": "ideal", "initial": "uniform", "c0": 0.01, "T0": 1000.0,
                                "temperature": "linear", "gradient": [10.0]},
                 "mesh": {"shape": [10], "length": [1.0], "bc": "neumann"}},
}


def model(case, scheme, backend):
    table = {k: dict(v) for k, v in CASES[case].items()}
    table["phasefield"]["scheme"] = scheme
    table["run"] = {"dt": 1e-3, "steps": 3}
    return PhaseFieldModel(resolve(table), Comm(), backend, None)


@pytest.mark.parametrize("scheme", ["explicit", "semi_implicit"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_steps_match_cpu(case, scheme):
    cpu, gpu = model(case, scheme, CPUBackend()), model(case, scheme, SimulatedGPU())
    for m in (cpu, gpu):
        for _ in range(2):
            m.step(1e-3)
    assert_kernel_equal(gpu.mesh.owned(gpu.c), cpu.mesh.owned(cpu.c))
    assert_kernel_equal(gpu.records()["mu"].array, cpu.records()["mu"].array)
    assert gpu.diagnostics()["free_energy"] == pytest.approx(cpu.diagnostics()["free_energy"], rel=1e-14)
