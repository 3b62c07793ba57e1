"""The step loop shared by every family.

A family's `Model` (see `Model protocol` below) advances its fields; this loop owns everything around it:
output directory and log, scalar diagnostics, openPMD field dumps, checkpoints and restart, progress with rate
and ETA, SIGTERM/SIGUSR1 and wall-time limit -> checkpoint and exit status 75, and the NaN/Inf guard.

Model protocol:
  Model(deck, comm, backend, rng)        builds its mesh (`.mesh`) and initial state
  .mesh, .time_dependent
  .state_fields() -> {name: block array} fields that define the state (checkpointed, NaN-checked)
  .step(dt) -> {name: float}             advance one step; returns per-step scalars (e.g. solver iterations)
  .diagnostics() -> {name: float}        global scalar diagnostics at the current state
  .records() -> {name: Record}           openPMD mesh records to write
  .solver_state() -> dict / .restore(fields, state)  extra state for checkpoints
  .tables() -> {name: (columns, attributes)}         optional per-run tables, written to diags/NAME.h5
  optional, for particle codes: .particles() -> openPMD species for the field dumps (`MeshWriter.write`),
  .particle_state() -> {name: per-rank array} checkpointed with the fields and passed back to
  .restore(fields, state, particles); .diagnostic_attributes() -> {diagnostic: attributes} (e.g. wavenumbers)
"""
import shutil
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import NumericalError
from ..io import MeshWriter, ScalarLog, read_checkpoint, write_checkpoint
from ..io.faults import collective
from ..io.outdir import record_deck
from ..io.tables import write_table
from .progress import RunLog, format_seconds
from .signals import StopRequest

EXIT_STOPPED = 75  # EX_TEMPFAIL: stopped early with a checkpoint; restart with --restart latest


class RunStopped(Exception):
    """The run stopped early after writing a checkpoint (signal or wall-time limit)."""


def prepare_outdir(outdir, comm, overwrite):
    """Create OUTDIR (rank 0); with `overwrite`, remove the output of a previous run first."""
    if comm.is_root:
        if overwrite:
            for sub in ("fields", "diags", "checkpoints", "deck.toml", "log.txt"):
                p = outdir / sub
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
            for p in outdir.glob("deck.restart_*.toml"):     # decks of restarts (io.outdir.record_deck)
                p.unlink()
        (outdir / "diags").mkdir(parents=True, exist_ok=True)
        (outdir / "fields").mkdir(exist_ok=True)
        (outdir / "checkpoints").mkdir(exist_ok=True)
    comm.barrier()


class Run:
    def __init__(self, deck, outdir, comm, backend, restart_path=None, overwrite=False):
        self.started = time.perf_counter()
        self.deck, self.outdir, self.comm, self.backend = deck, Path(outdir), comm, backend
        run, self.out = deck["run"], deck["output"]
        self.dt = run.get("dt", 0.0)
        self.steps = run["steps"]
        self.wall_time = run["wall_time"]
        self.text = deck.text()
        self.rng = np.random.default_rng([run["seed"], comm.rank])
        # The model is built before anything is written: problems it finds are still bad input.
        self.model = deck.module.Model(deck, comm, backend, self.rng)
        prepare_outdir(self.outdir, comm, overwrite and restart_path is None)
        self.log = RunLog(comm, self.outdir / "log.txt")
        self.step_index, self.time = 0, 0.0
        if restart_path is not None:
            self._restore(restart_path)
        if comm.is_root:    # after the restore: a restart keeps the deck.toml of the run it continues
            record_deck(self.outdir, self.text, self.step_index if restart_path is not None else None)
        self.scalars = ScalarLog(self.outdir / "diags" / "scalars.h5", comm, self.text,
                                 restart_step=self.step_index if restart_path is not None else None)
        self.fields = MeshWriter(self.outdir / "fields", self.model.mesh, comm, self.text, __version__)
        self.last_step_scalars = {}
        self.attributes_written = False

    # -- checkpoints ------------------------------------------------------------------------------------
    def _restore(self, path):
        ckpt = read_checkpoint(path, self.comm, self.model.mesh)
        if hasattr(self.model, "particle_state"):
            self.model.restore(ckpt.fields, ckpt.state, ckpt.particles)
        else:
            self.model.restore(ckpt.fields, ckpt.state)
        self.step_index, self.time = ckpt.step, ckpt.time
        if ckpt.rank_state is not None and "rng" in ckpt.rank_state:
            self.rng.bit_generator.state = ckpt.rank_state["rng"]
        elif ckpt.rank_state is None:
            self.log.info(f"restart on {self.comm.size} ranks from a checkpoint written by {ckpt.nranks}: "
                          f"per-rank random streams restart from the seed")
        self.log.info(f"restarted from {path} at step {ckpt.step}, t = {ckpt.time:.6g}")

    def checkpoint(self, reason, root=None):
        """Write a checkpoint under `root` (default OUTDIR/checkpoints) and return its path."""
        t0 = time.perf_counter()
        host = {name: np.ascontiguousarray(self.backend.to_host(self.model.mesh.owned(a)))
                for name, a in self.model.state_fields().items()}
        path = write_checkpoint(root or self.outdir / "checkpoints", self.step_index, self.time, self.comm,
                                self.model.mesh, host, self.model.solver_state(),
                                {"rng": self.rng.bit_generator.state}, self.text, __version__,
                                self.out["checkpoint_keep"], getattr(self.model, "particle_state", dict)())
        self.comm.barrier()   # no rank may exit before the manifest is written
        self.checkpoint_seconds = time.perf_counter() - t0
        self.log.info(f"checkpoint {path.name} ({reason}, {self.checkpoint_seconds:.2f} s)")
        return path

    # -- output ------------------------------------------------------------------------------------------
    def diagnose(self):
        self.check_finite()
        values = dict(self.model.diagnostics())
        values.update(self.last_step_scalars)
        self.scalars.append(self.step_index, self.time, values)
        if not self.attributes_written and hasattr(self.model, "diagnostic_attributes"):
            self.scalars.set_attributes(self.model.diagnostic_attributes())     # once: they do not change
            self.attributes_written = True
        if hasattr(self.model, "tables"):
            with collective(self.comm, self.outdir / "diags"):
                if self.comm.is_root:
                    for name, (columns, attributes) in self.model.tables().items():
                        write_table(self.outdir / "diags" / f"{name}.h5", columns, self.text, attributes)

    def dump_fields(self):
        particles = self.model.particles() if hasattr(self.model, "particles") else None
        self.fields.write(self.step_index, self.time, self.dt, self.model.records(), particles)

    def check_finite(self):
        """Stop with the step, field and rank named if any state field holds NaN or Inf."""
        bad = [name for name, a in self.model.state_fields().items()
               if not bool(self.backend.xp.isfinite(self.model.mesh.owned(a)).all())]
        everyone = self.comm.allgather(bad)
        if any(everyone):
            where = "; ".join(f"rank {r}: {', '.join(names)}" for r, names in enumerate(everyone) if names)
            raise NumericalError(f"non-finite values at step {self.step_index} (t = {self.time:.6g}) in {where}")

    # -- the loop ---------------------------------------------------------------------------------------
    def execute(self):
        """Run to the end; raises RunStopped after a checkpoint when a signal or the wall-time limit stops it."""
        model, out, first = self.model, self.out, self.step_index
        self.log.info(f"hpcsim {__version__}: {self.deck.family} on {self.comm.size} rank(s), backend "
                      f"{self.backend.name}, mesh {list(model.mesh.global_shape)} in blocks of "
                      f"{list(model.mesh.topology.dims[:model.mesh.ndim])}, steps {first}..{self.steps}")
        if first == 0:
            self._report_parameters()
        start = time.perf_counter()
        self.checkpoint_seconds = 0.0
        if first == 0 and model.time_dependent:
            self.diagnose()
            self.dump_fields()
        with StopRequest() as stop:
            while self.step_index < self.steps:
                t0 = time.perf_counter()
                self.last_step_scalars = model.step(self.dt)
                self.step_index += 1
                self.time = self.step_index * self.dt if model.time_dependent else 0.0
                last = self.step_index == self.steps
                if last or self.step_index % out["diag_every"] == 0:
                    self.diagnose()
                if last or (out["fields_every"] and self.step_index % out["fields_every"] == 0):
                    self.dump_fields()
                if model.time_dependent and not last and out["checkpoint_every"] and \
                        self.step_index % out["checkpoint_every"] == 0:
                    self.checkpoint("periodic")
                self.log.progress(self.step_index, first, self.steps, self.time)
                if not last:
                    self._maybe_stop(stop, time.perf_counter() - t0)
        if model.time_dependent:
            self.checkpoint("end of run")
        self.log.info(f"finished step {self.steps} in {format_seconds(time.perf_counter() - start)}; "
                      f"output in {self.outdir}")

    def _report_parameters(self):
        """A model's physical parameters (given and derived) to the log and to diags/parameters.h5 (as
        attributes), and its resolution warnings to the log."""
        parameters = getattr(self.model, "parameters", None)
        if parameters:
            self.log.info("parameters: " + ", ".join(f"{k} = {v:.6g}" for k, v in parameters.items()))
            with collective(self.comm, self.outdir / "diags" / "parameters.h5"):
                if self.comm.is_root:
                    write_table(self.outdir / "diags" / "parameters.h5", {}, self.text, parameters)
        for warning in getattr(self.model, "warnings", ()):
            self.log.info(f"warning: {warning}")

    def _maybe_stop(self, stop, step_seconds):
        """One reduction per step: any rank signalled, or the next step plus a checkpoint would pass the limit."""
        elapsed = time.perf_counter() - self.started
        over = self.wall_time > 0 and elapsed + 2 * step_seconds + 2 * self.checkpoint_seconds + 5 > self.wall_time
        flags = self.comm.allreduce(np.array([stop.requested, over], dtype=np.int64), "max")
        if flags.any():
            reason = "signal" if flags[0] else f"wall-time limit {format_seconds(self.wall_time)}"
            if flags[0] and stop.signal_name:
                reason = stop.signal_name
            self.checkpoint(f"stopping on {reason}")
            raise RunStopped(f"stopped at step {self.step_index} of {self.steps} on {reason}; continue with "
                             f"--restart latest")

    def close(self):
        self.log.close()
