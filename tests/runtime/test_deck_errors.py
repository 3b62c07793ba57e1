"""Bad input: one clear message naming the key and the reason, exit status 2, no traceback, nothing written."""
import textwrap

import pytest

from hpcsim.cli import main

GOOD_POISSON = """
[poisson]
source = "manufactured"
[mesh]
shape = [8, 8]
bc = "dirichlet"
"""
GOOD_DIFFUSION = """
[diffusion]
D = 1.0
[mesh]
shape = [8, 8]
bc = ["dirichlet", "periodic"]
[run]
dt = 0.01
steps = 4
"""
GOOD_PIC = """
[pic]
[[species]]
name = "electrons"
charge = -1.0
mass = 1.0
particles_per_cell = 4
temperature = 0.01
[mesh]
shape = [8]
spacing = [0.1]
[run]
dt = 0.05
steps = 2
"""

# (name, deck text, extra CLI arguments, text the message must contain)
CASES = [
    ("unknown key", GOOD_POISSON.replace("shape", "shap"), [], "mesh.shap: unknown key (did you mean 'shape'?)"),
    ("unknown section", GOOD_POISSON + "[outptu]\ndir = 'x'\n", [], "outptu: unknown section (did you mean 'output'?)"),
    ("shape not a list", GOOD_POISSON.replace("[8, 8]", '"big"'), [], "mesh.shape: must be a list of ints"),
    ("shape element float", GOOD_POISSON.replace("[8, 8]", "[8, 8.5]"), [], "mesh.shape[1]: must be an integer"),
    ("shape zero", GOOD_POISSON.replace("[8, 8]", "[0, 8]"), [], "mesh.shape: must be >= 1, got 0"),
    ("too many axes", GOOD_POISSON.replace("[8, 8]", "[8, 8, 8, 8]"), [], "mesh.shape: needs 1 to 3 entries"),
    ("non-finite", GOOD_POISSON + "[solver]\nrtol = nan\n", [], "solver.rtol: must be finite"),
    ("out of range", GOOD_POISSON + "[solver]\nrtol = -1e-3\n", [], "solver.rtol: must be > 0.0"),
    ("bad choice", GOOD_POISSON + "[solver]\nmethod = 'gmres'\n", [], "solver.method: 'gmres' is not one of"),
    ("nonlinear preconditioner for cg", GOOD_POISSON + "[solver]\npreconditioner = 'dcdm'\n", [],
     "solver.preconditioner: the learned DCDM direction is nonlinear: method = 'cg' needs a fixed symmetric"),
    ("dcdm with a preconditioner", GOOD_POISSON + "[solver]\nmethod = 'dcdm'\npreconditioner = 'jacobi'\n", [],
     "solver.preconditioner: method = 'dcdm' takes its directions from the network"),
    ("bool for int", GOOD_POISSON + "[output]\ndiag_every = true\n", [], "output.diag_every: must be an integer"),
    ("malformed toml", GOOD_POISSON.replace("[8, 8]", "[8, 8"), [], "malformed TOML"),
    ("no family", "[mesh]\nshape = [8]\n", [], "no solver section"),
    ("two families", GOOD_POISSON + "[diffusion]\nD = 1.0\n", [], "several solver sections (poisson, diffusion)"),
    ("missing required", "[poisson]\n[mesh]\nbc = 'periodic'\n", [], "mesh.shape: is required"),
    ("length mismatch", GOOD_POISSON + "", ["--set", "mesh.length=[1.0]"], "mesh.length: has 1 entries but"),
    ("length and spacing", GOOD_POISSON, ["--set", "mesh.spacing=[0.1, 0.1]", "--set", "mesh.length=[1.0, 1.0]"],
     "mesh.spacing: give mesh.length or mesh.spacing, not both"),
    ("unknown bc kind", GOOD_POISSON.replace('"dirichlet"', '["dirichlet", "robin"]'), [],
     "mesh.bc: axis 1: unknown boundary kind 'robin'"),
    ("half periodic", GOOD_POISSON.replace('"dirichlet"', '[["periodic", "dirichlet"], "neumann"]'), [],
     "mesh.bc: axis 0: periodic must apply to both faces"),
    ("no dt", GOOD_DIFFUSION.replace("dt = 0.01", ""), [], "run.dt: is required"),
    ("inconsistent steps", GOOD_DIFFUSION + "", ["--set", "run.t_end=1.0"], "run.steps: steps = 4 but t_end / dt = 100"),
    ("t_end not whole", GOOD_DIFFUSION.replace("steps = 4", "t_end = 0.015"), [], "run.t_end: t_end = 0.015 is not a whole"),
    ("unstable explicit step", GOOD_DIFFUSION + "", ["--set", "diffusion.scheme=forward_euler"],
     "run.dt: forward Euler is unstable"),
    ("impossible decomposition", GOOD_POISSON, ["--set", "mesh.process_grid=[2, 1]"],
     "mesh.process_grid: [2, 1] does not divide the 1 MPI ranks of this run"),
    ("bad --set syntax", GOOD_POISSON, ["--set", "meshshape"], "--set: expected KEY=VALUE"),
    ("--set unknown key", GOOD_POISSON, ["--set", "solver.tolerance=1e-6"], "solver.tolerance: unknown key"),
    ("--set wrong type", GOOD_POISSON, ["--set", "mesh.shape=big"], "mesh.shape: must be a list of ints"),
    ("missing restart", GOOD_DIFFUSION, ["--restart", "latest"], "--restart: no complete, verified checkpoint"),
    ("restart path missing", GOOD_DIFFUSION, ["--restart", "/nonexistent/ckpt"], "--restart: no such checkpoint"),
    ("bc_value on periodic", GOOD_DIFFUSION + "", ["--set", "diffusion.bc_value=[[0.0, 0.0], [1.0, 0.0]]"],
     "diffusion.bc_value: axis 1 is periodic"),
    ("gpu without gpu", GOOD_POISSON, ["--set", "run.backend=gpu"], "run.backend: 'gpu' requested but"),
    ("wall time format", GOOD_DIFFUSION, ["--set", "run.wall_time='1h'"], "run.wall_time: must be seconds or"),
    ("pic: step above Courant", GOOD_PIC, ["--set", "run.dt=0.1"], "run.dt: dt = 0.1 is at or above the Yee Courant"),
    ("pic: non-periodic", GOOD_PIC + "", ["--set", "mesh.bc=dirichlet"], "mesh.bc: the PIC family supports periodic"),
    ("pic: species key typo", GOOD_PIC.replace("charge =", "chrage ="), [],
     "species[0].chrage: unknown key (did you mean 'charge'?)"),
    ("pic: no species", GOOD_PIC.split("[[species]]")[0] + "[mesh]\nshape = [8]\nspacing = [0.1]\n[run]\ndt = 0.05\n"
     "steps = 2\n", [], "species: needs 1 to 16 [[species]] tables, got 0"),
    ("pic: duplicate species", GOOD_PIC + GOOD_PIC[GOOD_PIC.index("[[species]]"):GOOD_PIC.index("[mesh]")], [],
     "species[1].name: 'electrons' is used by more than one species"),
    ("pic: quiet start count", GOOD_PIC, ["--set", "species.0.quiet_start=true", "--set", "mesh.shape=[8, 8]",
                                          "--set", "mesh.spacing=[0.1, 0.1]", "--set", "species.0.particles_per_cell=8"],
     "species[0].particles_per_cell: quiet_start needs m^2 particles per cell, got 8"),
    ("pic: field given twice", GOOD_PIC.replace("[pic]", "[pic]\nbackground_field = [1.0, 0.0, 0.0]\nbeta_e = 1.0\n"
                                                "theta_e = 0.01"), [], "pic.background_field: give background_field"),
    ("pic: one physical input", GOOD_PIC.replace("[pic]", "[pic]\nbeta_e = 1.0"), [],
     "pic.beta_e: give exactly two of beta_e, wpe_over_wce, theta_e"),
    ("pic: bad mass", GOOD_PIC.replace("mass = 1.0", 'mass = "muon"'), [], "species[0].mass: must be a mass > 0"),
    ("pic: half bi-Maxwellian", GOOD_PIC.replace("temperature = 0.01", "temperature_par = 0.01"), [],
     "species[0]: a bi-Maxwellian needs both temperature_par and temperature_perp"),
    ("pic: --set bad index", GOOD_PIC, ["--set", "species.3.mass=2.0"], "--set: '3' is not an index"),
    ("forcing: G not 3x3", GOOD_PIC, ["--set", "species.0.velocity_gradient=[[0.1, 0.0], [0.0, 0.1]]"],
     "species[0].velocity_gradient: must be a 3 x 3 list of finite numbers"),
    ("forcing: two forms of g", GOOD_PIC, ["--set", "species.0.gradient_length=10.0",
                                          "--set", "species.0.temperature_gradient=[0.1, 0.0, 0.0]"],
     "give one of temperature_gradient, gradient_length"),
    ("forcing: strain rate without B0", GOOD_PIC, ["--set", "species.0.strain_rate_wce=0.01"],
     "species[0].strain_rate_wce: needs a background field (Omega_ce)"),
    ("forcing: Knudsen number without Krook", GOOD_PIC, ["--set", "species.0.mfp_over_gradient_length=0.01"],
     "species[0].mfp_over_gradient_length: needs krook_rate > 0"),
    ("forcing: Knudsen number of a cold species", GOOD_PIC.replace("temperature = 0.01", ""),
     ["--set", "species.0.mfp_over_gradient_length=0.01", "--set", "species.0.krook_rate=0.1"],
     "species[0].mfp_over_gradient_length: needs a warm species or reference_temperature"),
    ("incompatible singular source", GOOD_POISSON.replace('"dirichlet"', '"periodic"').replace(
        '"manufactured"', '"gaussian"'), [], "incompatible with the singular operator"),
]


@pytest.mark.parametrize("name,text,extra,expect", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_message(tmp_path, capsys, name, text, extra, expect):
    try:
        import cupy  # noqa: F401
        if name == "gpu without gpu":
            pytest.skip("a GPU stack is installed here")
    except ImportError:
        pass
    deck = tmp_path / "deck.toml"
    deck.write_text(textwrap.dedent(text))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(deck), "-o", str(out), *extra])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert expect in err, err
    assert err.startswith("hpcsim: error: ") and "Traceback" not in err
    assert not out.exists(), "bad input must not write anything"


def test_missing_deck_file(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(tmp_path / "nope.toml")])
    assert exit_info.value.code == 2
    assert "nope.toml: no such deck file" in capsys.readouterr().err


def test_previous_run_is_not_overwritten_silently(tmp_path, capsys):
    deck = tmp_path / "deck.toml"
    deck.write_text(GOOD_POISSON)
    out = tmp_path / "out"
    out.mkdir()
    (out / "deck.toml").write_text("# previous run\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(deck), "-o", str(out)])
    assert exit_info.value.code == 2
    assert "holds a previous run" in capsys.readouterr().err
    assert (out / "deck.toml").read_text() == "# previous run\n"


def test_check_reports_decomposition(tmp_path, capsys):
    deck = tmp_path / "deck.toml"
    deck.write_text(GOOD_POISSON.replace("[8, 8]", "[64, 16]"))
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(deck), "--np", "4"])
    assert exit_info.value.code == 0
    assert "as [4, 1]" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(deck), "--np", "2048"])   # more ranks than cells
    assert exit_info.value.code == 2


def test_spacing_sets_the_length(tmp_path, capsys):
    deck = tmp_path / "deck.toml"
    deck.write_text(GOOD_POISSON)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(deck), "--set", "mesh.spacing=[0.25, 0.5]", "--resolved"])
    assert exit_info.value.code == 0
    assert "length = [\n    2.0,\n    4.0,\n]" in capsys.readouterr().out
