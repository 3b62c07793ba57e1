"""Every CPU kernel module has a GPU twin with the same public interface (`__all__`, or else the functions it
defines), so a backend can swap one for the other; and the loops declared once in `kernels/*_loops.py` give
CPU and GPU modules whose launchers are exactly the declared ones."""
import importlib
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parent.parent / "kernels"
PAIRS = sorted(p.stem[:-4] for p in KERNELS.glob("*_cpu.py"))


def public(module):
    names = getattr(module, "__all__", None)
    if names is not None:
        return sorted(names)
    return sorted(n for n, v in vars(module).items()
                  if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module.__name__)


@pytest.mark.parametrize("group", PAIRS)
def test_cpu_and_gpu_modules_export_the_same_names(group):
    assert (KERNELS / f"{group}_gpu.py").exists(), f"kernels/{group}_cpu.py has no GPU twin"
    cpu = importlib.import_module(f"hpcsim.kernels.{group}_cpu")
    gpu = importlib.import_module(f"hpcsim.kernels.{group}_gpu")
    assert public(cpu) == public(gpu)
    for name in public(cpu):
        assert callable(getattr(cpu, name)) and callable(getattr(gpu, name)), name


@pytest.mark.parametrize("group", sorted(p.stem[:-6] for p in KERNELS.glob("*_loops.py") if p.stem != "loops"))
def test_declared_loops_are_the_generated_launchers(group):
    declared = importlib.import_module(f"hpcsim.kernels.{group}_loops").LOOPS
    for target in ("cpu", "gpu"):
        module = importlib.import_module(f"hpcsim.kernels.{group}_{target}")
        for loop in declared:
            assert getattr(module, loop.name).__module__ == f"hpcsim.kernels.generated_{group}_{target}", loop.name


def test_rendered_gpu_kernels_pass_vector_fields_as_components():
    from hpcsim.kernels import loops, yee_loops

    text = loops.render("gpu", yee_loops.LOOPS, yee_loops.BODIES)
    assert "def _faraday(e_0, e_1, e_2, b_0, b_1, b_2, dt, g, n, o, d):" in text
    assert "faraday_at(e_0, e_1, e_2, b_0, b_1, b_2, dt, i, j, k," in text
    assert "_faraday[launch(n)](*e, *b, dt, g, n, o, d)" in text
