"""`--restart` with a checkpoint of another setup: one line naming the first state-defining key that differs,
exit 2, and nothing in OUTDIR changed; a restart that works keeps the earlier run's deck.toml."""
import hashlib
import textwrap

import pytest

from conftest import run_cli

PIC = """
[pic]
{species}
[mesh]
shape = [8]
spacing = [0.1]
[run]
dt = 0.05
steps = 4
[output]
checkpoint_every = 2
"""
SPECIES = """
[[species]]
name = "{name}"
charge = {charge}
mass = {mass}
particles_per_cell = 4
temperature = 0.01
"""
ELECTRONS = SPECIES.format(name="electrons", charge=-1.0, mass=1.0)
IONS = SPECIES.format(name="ions", charge=1.0, mass='"proton"')
DIFFUSION = """
[diffusion]
D = 0.1
[mesh]
shape = [8]
[run]
dt = 0.01
steps = 4
[output]
checkpoint_every = 2
"""


def snapshot(outdir):
    """Every file under `outdir` with its SHA-256."""
    return {p.relative_to(outdir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outdir.rglob("*")) if p.is_file()}


def deck(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Finished runs (with checkpoints) of a diffusion deck and of a two-species PIC deck."""
    tmp = tmp_path_factory.mktemp("runs")
    out = {}
    for name, text in (("diffusion", DIFFUSION), ("pic2", PIC.format(species=ELECTRONS + IONS))):
        proc = run_cli(["run", deck(tmp, f"{name}.toml", text), "-o", tmp / name])
        assert proc.returncode == 0, proc.stderr
        out[name] = tmp / name
    return out


@pytest.mark.parametrize("source,species,expect", [
    ("diffusion", ELECTRONS, "--restart: checkpoint {ckpt} was written by a diffusion deck, this is a pic deck"),
    ("pic2", ELECTRONS, "species: the deck has 1 species, checkpoint {ckpt} has 2 (electrons, ions)"),
    ("pic2", ELECTRONS.replace("electrons", "elec") + IONS,
     "species[0].name: is 'elec' in the deck but 'electrons' in checkpoint {ckpt}"),
    ("pic2", ELECTRONS + IONS.replace("particles_per_cell = 4", "particles_per_cell = 8"),
     "species[1].particles_per_cell: is 8 in the deck but 4 in checkpoint {ckpt}"),
    ("pic2", ELECTRONS + IONS, "mesh.shape: is [16] in the deck but [8] in checkpoint {ckpt}"),
], ids=["diffusion under pic", "dropped species", "renamed species", "other weights", "other mesh"])
def test_incompatible_restart_is_refused_before_anything_is_written(tmp_path, runs, source, species, expect):
    outdir = runs[source]
    before = snapshot(outdir)
    extra = ["--set", "mesh.shape=[16]"] if "mesh.shape" in expect else []
    proc = run_cli(["run", deck(tmp_path, "new.toml", PIC.format(species=species)), "-o", outdir, "--restart",
                    "latest", *extra])
    assert proc.returncode == 2, proc.stderr
    ckpt = outdir / "checkpoints" / "ckpt_00000004"
    assert proc.stderr.startswith(f"hpcsim: error: {expect.format(ckpt=ckpt)}"), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert snapshot(outdir) == before, "a refused restart must not change the output directory"


def test_restart_keeps_the_earlier_deck_and_a_fresh_outdir_reads_only(tmp_path):
    text = PIC.format(species=ELECTRONS)
    first = deck(tmp_path, "first.toml", text)
    assert run_cli(["run", first, "-o", tmp_path / "run"]).returncode == 0
    recorded = (tmp_path / "run" / "deck.toml").read_text()
    ckpt = tmp_path / "run" / "checkpoints" / "ckpt_00000004"
    source = snapshot(ckpt)
    longer = deck(tmp_path, "longer.toml", text.replace("steps = 4", "steps = 6"))
    proc = run_cli(["run", longer, "-o", tmp_path / "run", "--restart", "latest"])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "run" / "deck.toml").read_text() == recorded
    assert "steps = 6" in (tmp_path / "run" / "deck.restart_00000004.toml").read_text()
    proc = run_cli(["run", longer, "-o", tmp_path / "fresh", "--restart", str(ckpt)])
    assert proc.returncode == 0, proc.stderr
    assert "steps = 6" in (tmp_path / "fresh" / "deck.toml").read_text()
    assert snapshot(ckpt) == source
    assert run_cli(["run", first, "-o", tmp_path / "run", "--overwrite"]).returncode == 0
    assert not list((tmp_path / "run").glob("deck.restart_*.toml")), "--overwrite removes the decks of restarts"
