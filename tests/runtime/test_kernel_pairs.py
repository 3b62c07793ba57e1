"""Every CPU kernel module has a GPU twin with the same public interface (`__all__`, or else the functions it
defines), so a backend can swap one for the other; and the loops declared once in `kernels/<family>/*_loops.py` give
CPU and GPU modules whose launchers are exactly the declared ones."""
import importlib
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[2] / "kernels"


def dotted(path, suffix):
    """'pic.yee' for kernels/pic/yee_<suffix>.py: the name `Backend.kernels` takes."""
    return ".".join(path.relative_to(KERNELS).parts[:-1] + (path.stem[:-len(suffix) - 1],))


PAIRS = sorted(dotted(p, "cpu") for p in KERNELS.glob("*/*_cpu.py"))
DECLARED = sorted(dotted(p, "loops") for p in KERNELS.glob("*/*_loops.py"))


def public(module):
    names = getattr(module, "__all__", None)
    if names is not None:
        return sorted(names)
    return sorted(n for n, v in vars(module).items()
                  if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module.__name__)


@pytest.mark.parametrize("group", PAIRS)
def test_cpu_and_gpu_modules_export_the_same_names(group):
    path = KERNELS.joinpath(*group.split("."))
    assert path.with_name(path.name + "_gpu.py").exists(), f"{group}_cpu has no GPU twin"
    cpu = importlib.import_module(f"hpcsim.kernels.{group}_cpu")
    gpu = importlib.import_module(f"hpcsim.kernels.{group}_gpu")
    assert public(cpu) == public(gpu)
    for name in public(cpu):
        assert callable(getattr(cpu, name)) and callable(getattr(gpu, name)), name


def test_every_kernel_module_lives_in_a_family_folder():
    """Only the shared loop machinery sits at the top of kernels/; each family's kernels have their own folder."""
    assert sorted(p.stem for p in KERNELS.glob("*.py")) == ["__init__", "gpu_grid", "loops", "stencil", "twice"]
    assert PAIRS and DECLARED


@pytest.mark.parametrize("group", DECLARED)
def test_declared_loops_are_the_generated_launchers(group):
    declared = importlib.import_module(f"hpcsim.kernels.{group}_loops").LOOPS
    for target in ("cpu", "gpu"):
        module = importlib.import_module(f"hpcsim.kernels.{group}_{target}")
        for loop in declared:
            generated = f"hpcsim.kernels.generated_{group.split('.')[-1]}_{target}"
            assert getattr(module, loop.name).__module__ == generated, loop.name


def test_rendered_gpu_kernels_pass_vector_fields_as_components():
    from hpcsim.kernels import loops
    from hpcsim.kernels.pic import yee_loops

    text = loops.render("gpu", yee_loops.LOOPS, yee_loops.BODIES)
    assert "def _faraday(e_0, e_1, e_2, b_0, b_1, b_2, dt, g, n, o, d):" in text
    assert "faraday_at(e_0, e_1, e_2, b_0, b_1, b_2, dt, i, j, k," in text
    assert "_faraday[launch(n)](*e, *b, dt, g, n, o, d)" in text


def test_a_parameter_named_like_the_generated_loop_variables_is_refused():
    """A body argument called `acc` or `value0` would be shadowed by the loop's own accumulators."""
    from hpcsim.kernels import loops
    from hpcsim.kernels.linalg import krylov_fused_loops

    clash = loops.CellLoop("bad", "stack_dot_at", "a, acc, slot, g, n", "a, acc, slot, i, j, k", 1)
    with pytest.raises(ValueError, match="acc"):
        loops.render("cpu", [clash], krylov_fused_loops.BODIES)


def test_a_fused_reduction_has_one_row_of_partials_per_sum():
    from hpcsim.kernels import loops
    from hpcsim.kernels.linalg import krylov_fused_loops

    pipelined = [loop for loop in krylov_fused_loops.LOOPS if loop.name == "pipelined_step"]
    cpu = loops.render("cpu", pipelined, krylov_fused_loops.BODIES)
    gpu = loops.render("gpu", pipelined, krylov_fused_loops.BODIES)
    assert "partial = np.zeros((n[0], 3))" in cpu and "return sum_plane_rows(partial)" in cpu
    assert "block_sum(value2, partial[2])" in gpu and "reduce_block_rows(_pipelined_step, x, n, 3," in gpu
