"""The family contract: every registered family through the same checks, each with a small deck of its own.

  - `hpcsim check` accepts the deck and `hpcsim template FAMILY` documents every key of every section;
  - 2 ranks give the 1-rank result (state fields to round-off of the reductions);
  - a run stopped halfway and restarted gives the uninterrupted run bit for bit (checkpoint files compared
    dataset by dataset), and a restart on another rank count continues to the same result to round-off;
  - the field dumps pass the openPMD validator;
  - the NaN guard stops a run with the step, the field and the rank named, exit status 1, no traceback.
A family added to `hpcsim.models.FAMILIES` adds its deck as tests/contract/decks/<family>.toml (a deck of decks/ and
its --set overrides); the first test fails until it does.
"""
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import BIN, ROOT, run_cli

from hpcsim.models import FAMILIES, family

try:
    import tomllib
except ImportError:            # Python 3.10
    import tomli as tomllib

STEPS = 12
CONTRACT_DECKS = Path(__file__).resolve().parent / "decks"


def _contract_deck(path):
    """(deck, ["--set", override, ...], gross scale) of tests/contract/decks/<family>.toml."""
    spec = tomllib.loads(path.read_text())
    overrides = [arg for value in spec.get("set", []) for arg in ("--set", value)]
    return ROOT / spec["deck"], overrides, float(spec.get("gross_scale", 0.0))


CONTRACT = {p.stem: _contract_deck(p) for p in sorted(CONTRACT_DECKS.glob("*.toml"))}
DECKS = {name: (deck, overrides) for name, (deck, overrides, _) in CONTRACT.items()}
# 1 rank against 2: the same stencil updates; global sums (dot products, diagnostics, deposited charge and current
# in shared cells) add the ranks' partial sums in another order, which changes values at the 1e-16 level of the
# gross sums; the solvers and 12 steps amplify that by far less than 1e4. The gross scale of a deposit is not
# its net value (a contract deck's `gross_scale`; PIC's J and rho are sums of particle contributions of order
# n_0 c = 1 (normalised) per cell).
RANKS_RTOL = 1e-12
GROSS_SCALE = {name: gross for name, (_, _, gross) in CONTRACT.items() if gross}


def ok(proc):
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def run(name, out, nprocs=1, extra=(), env=None, check=True):
    deck, overrides = DECKS[name]
    # diagnostics every 3 steps: the split at STEPS/2 falls on a diagnostic row, as in the uninterrupted run
    steps = ["--set", f"run.steps={STEPS}", "--set", "run.t_end=0", "--set", "output.diag_every=3"] \
        if family(name).time_dependent else []
    proc = run_cli(["run", deck, "-o", out, *overrides, *steps, *extra], nprocs=nprocs, env=env)
    return ok(proc) if check else proc


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[...]) if isinstance(o, h5py.Dataset) else None)
        out["state_json"] = f["state"].attrs["json"] if "state" in f else b""
    return out


def last_checkpoint(out):
    return sorted((Path(out) / "checkpoints").glob("ckpt_*"))[-1] / "checkpoint.h5"


def assert_round_off_equal(a, b, name):
    """Every component within RANKS_RTOL of the largest value of its record (a vector's components share a
    scale: a component that vanishes physically holds round-off only) or of the family's gross scale."""
    assert a.keys() == b.keys()
    for key in a:
        record = key.split("/")[0]
        scale = max(max(float(np.max(np.abs(a[k]))) for k in a if k.split("/")[0] == record),
                    GROSS_SCALE.get(name, 0.0), 1e-300)
        assert np.max(np.abs(a[key] - b[key])) <= RANKS_RTOL * scale, (name, key)


def last_fields(out):
    """{record path: global array} of the last openPMD dump."""
    path = sorted((Path(out) / "fields").glob("data_*.h5"))[-1]
    arrays = {}
    with h5py.File(path, "r") as f:
        meshes = f[f"data/{next(iter(f['data']))}/meshes"]
        meshes.visititems(lambda n, o: arrays.__setitem__(n, o[...]) if isinstance(o, h5py.Dataset) else None)
    return arrays, path


FAMILY_NAMES = sorted(FAMILIES)


def test_every_registered_family_has_a_contract_deck():
    assert sorted(DECKS) == FAMILY_NAMES


@pytest.fixture(scope="module", params=FAMILY_NAMES)
def ranks(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    run(request.param, root / "one", 1)
    run(request.param, root / "two", 2)
    return request.param, root


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_check_and_template_document_every_key(name):
    deck, overrides = DECKS[name]
    proc = ok(run_cli(["check", deck, *overrides, "--np", "2"]))
    assert f"valid {name} deck" in proc.stdout
    template = ok(run_cli(["template", name])).stdout
    for section in family(name).sections:
        for key in section.keys:
            assert f"{key.name} =" in template, (section.name, key.name)


def test_two_ranks_give_the_one_rank_result(ranks):
    name, root = ranks
    assert_round_off_equal(last_fields(root / "one")[0], last_fields(root / "two")[0], name)


def test_field_dumps_pass_the_openpmd_validator(ranks):
    _, root = ranks
    for out in ("one", "two"):
        _, path = last_fields(root / out)
        check = subprocess.run([str(BIN / "openPMD_check_h5"), "-i", str(path)], capture_output=True, text=True)
        assert "Result: 0 Errors and 0 Warnings" in check.stdout, check.stdout


def test_restart_is_bit_for_bit_and_works_on_another_rank_count(ranks, tmp_path):
    name, root = ranks
    if not family(name).time_dependent:
        pytest.skip(f"{name} is a one-shot solve: no time, no checkpoints")
    run(name, tmp_path / "split", 2, ["--set", f"run.steps={STEPS // 2}"])
    run(name, tmp_path / "split", 2, ["--restart", "latest"])
    full, split = datasets(last_checkpoint(root / "two")), datasets(last_checkpoint(tmp_path / "split"))
    assert full.keys() == split.keys()
    for key in full:
        assert np.array_equal(full[key], split[key]), key
    # the scalar series continues without duplicates and with the same values (timings aside)
    with h5py.File(root / "two" / "diags" / "scalars.h5", "r") as a, \
            h5py.File(tmp_path / "split" / "diags" / "scalars.h5", "r") as b:
        assert sorted(a) == sorted(b)
        for column in a:
            if not column.endswith("_seconds"):
                assert np.array_equal(a[column][...], b[column][...], equal_nan=True), column
    # restart the 2-rank checkpoint of step STEPS/2 on one rank: it continues to the 1-rank result
    middle = tmp_path / "split" / "checkpoints" / f"ckpt_{STEPS // 2:08d}"
    run(name, tmp_path / "other", 1, ["--restart", middle])
    assert_round_off_equal(last_fields(root / "one")[0], last_fields(tmp_path / "other")[0], name)
    with h5py.File(last_checkpoint(tmp_path / "other"), "r") as f:        # particles: every one kept
        for ids in (f[f"particles/{n}"] for n in f.get("particles", {}) if "ids" in f[f"particles/{n}"]):
            assert np.array_equal(np.sort(ids["ids"][...]), np.arange(ids["ids"].shape[-1]))


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_nan_guard_names_step_field_and_rank(name, tmp_path):
    proc = run(name, tmp_path / "nan", 2, ["--set", "output.diag_every=1"], env={"HPCSIM_FAULT_NAN_AT_STEP": "1"},
               check=False)
    assert proc.returncode == 1, proc.stderr
    assert "non-finite values at step 1 " in proc.stderr and "rank 1: " in proc.stderr
    assert "rank 0" not in proc.stderr and "Traceback" not in proc.stderr
