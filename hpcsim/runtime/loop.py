"""The run loop shared by every family: it advances a model in time.

A family's model (`hpcsim.runtime.Model`) advances its state by a given dt; this loop owns everything around it:
output directory and log, the time step, scalar diagnostics, openPMD field dumps, checkpoints and restart,
progress with rate and ETA, SIGTERM/SIGUSR1 and the wall-time limit (checkpoint, exit status 75), the NaN/Inf
guard, and the model's own requests to stop.

Time stepping. Each step the model proposes dt (`propose_dt`: the deck's run.dt for fixed-step models, a
controller's choice otherwise); the loop bounds it by run.dt_max, stops with an error below run.dt_min, and
shortens it to land on the next output time (output.*_interval) and on run.t_end. Outputs fall on step counts
(output.*_every) or simulation times (output.*_interval). The time is kept as t = t_a + (n - n_a) dt while dt
stays the same (`Clock`), so a fixed step gives t = n dt exactly. The clock (and the next output times) go into
every checkpoint with the model's state, so a restart continues bit for bit, adaptive steps included.
"""
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import NumericalError
from ..io import MeshWriter, ScalarLog, read_checkpoint, write_checkpoint
from ..io.faults import collective
from ..io.outdir import record_deck
from ..io.tables import write_table
from .model import ModelState
from .progress import RunLog, format_seconds

EXIT_STOPPED = 75  # EX_TEMPFAIL: stopped early with a checkpoint; restart with --restart latest
# Fault injection for the tests (the family-contract suite's NaN guard): after this step the last rank puts a NaN
# into the first owned cell of the model's first state field.
FAULT_NAN_AT_STEP = "HPCSIM_FAULT_NAN_AT_STEP"
LANDING = 1e-9     # a step within this fraction of dt of an output time or the end lands on it
SCHEDULES = ("diag", "fields", "checkpoint")


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


@dataclass
class Clock:
    """Simulation time t = anchor_time + (step - anchor_step) dt for the current dt; a new dt, or a step that
    lands on an output time, moves the anchor."""

    anchor_step: int = 0
    anchor_time: float = 0.0
    dt: float = 0.0

    def after(self, step, time_before, dt, landed_on=None):
        """The time after `step` (the new step count) taken with `dt` from `time_before`."""
        if landed_on is not None:
            self.anchor_step, self.anchor_time, self.dt = step, landed_on, dt
            return landed_on
        if dt != self.dt:
            self.anchor_step, self.anchor_time, self.dt = step - 1, time_before, dt
        return self.anchor_time + (step - self.anchor_step) * self.dt


@dataclass
class Schedule:
    """When an output falls due: every `every` steps (0: never) and at multiples of `interval` in simulation
    time (0: never); `next_index` counts the time events already reached."""

    every: int
    interval: float
    next_index: int = 1

    def next_time(self):
        return self.next_index * self.interval if self.interval > 0 else math.inf

    def due(self, step, t, tolerance):
        """Whether the output is due after `step` at time t; moves past every time event reached."""
        hit = bool(self.every) and step % self.every == 0
        while self.interval > 0 and t >= self.next_time() - tolerance:
            self.next_index += 1
            hit = True
        return hit


class Run:
    def __init__(self, deck, outdir, comm, backend, restart_path=None, overwrite=False):
        self.started = time.perf_counter()
        self.deck, self.outdir, self.comm, self.backend = deck, Path(outdir), comm, backend
        self.family = deck.spec
        run, self.out = deck["run"], deck["output"]
        self.run_dt = run.get("dt", 0.0)
        self.steps, self.t_end = run["steps"], run.get("t_end", 0.0)
        # With t_end the run ends there; run.steps caps it only for an adaptive step (with a fixed step it was
        # derived from t_end, and steps shortened to land on output times would otherwise end the run early).
        self.step_cap = self.steps if (not self.t_end or self.family.adaptive(deck)) else 0
        self.dt_min, self.dt_max = run.get("dt_min", 0.0), run.get("dt_max", 0.0)
        self.wall_time = run["wall_time"]
        self.text = deck.text()
        self.rng = np.random.default_rng([run["seed"], comm.rank])
        # The model is built before anything is written: problems it finds are still bad input.
        self.model = self.family.model(deck, comm, backend, self.rng)
        prepare_outdir(self.outdir, comm, overwrite and restart_path is None)
        self.log = RunLog(comm, self.outdir / "log.txt")
        self.step_index, self.time, self.dt = 0, 0.0, self.run_dt
        self.clock = Clock(dt=self.run_dt)
        self.schedules = {name: Schedule(self.out[f"{name}_every"], self.out[f"{name}_interval"])
                          for name in SCHEDULES}
        if restart_path is not None:
            self._restore(restart_path)
        if comm.is_root:    # after the restore: a restart keeps the deck.toml of the run it continues
            record_deck(self.outdir, self.text, self.step_index if restart_path is not None else None)
        self.scalars = ScalarLog(self.outdir / "diags" / "scalars.h5", comm, self.text,
                                 restart_step=self.step_index if restart_path is not None else None)
        units = self.family.unit_scales(deck)
        self.fields = MeshWriter(self.outdir / "fields", self.model.mesh, comm, self.text, __version__,
                                 grid_unit_si=units.length_si, time_unit_si=units.time_si)
        self.last_step_scalars = {}
        self.attributes_written = False
        self.exit_status = 0

    # -- checkpoints ------------------------------------------------------------------------------------
    def _restore(self, path):
        ckpt = read_checkpoint(path, self.comm, self.model.mesh)
        values = dict(ckpt.state)
        clock = values.pop("clock", None)
        self.model.restore(ModelState(ckpt.fields, values, ckpt.particles))
        self.step_index, self.time = ckpt.step, ckpt.time
        if clock is None:      # a checkpoint written before the clock was checkpointed
            self.clock = Clock(ckpt.step, ckpt.time, self.run_dt)
        else:
            self.clock = Clock(clock["anchor_step"], clock["anchor_time"], clock["dt"])
            self.dt = clock["dt"]
            for name, index in clock["next_output"].items():
                self.schedules[name].next_index = index
        if ckpt.rank_state is not None and "rng" in ckpt.rank_state:
            self.rng.bit_generator.state = ckpt.rank_state["rng"]
        elif ckpt.rank_state is None:
            self.log.info(f"restart on {self.comm.size} ranks from a checkpoint written by {ckpt.nranks}: "
                          f"per-rank random streams restart from the seed")
        self.log.info(f"restarted from {path} at step {ckpt.step}, t = {ckpt.time:.6g}")

    def checkpoint(self, reason, root=None):
        """Write a checkpoint under `root` (default OUTDIR/checkpoints) and return its path."""
        t0 = time.perf_counter()
        state = self.model.checkpoint_state()
        if "clock" in state.values:
            raise ValueError("a model's checkpoint values may not use the name 'clock' (the loop's)")
        clock = {"anchor_step": self.clock.anchor_step, "anchor_time": self.clock.anchor_time,
                 "dt": self.clock.dt, "next_output": {n: s.next_index for n, s in self.schedules.items()}}
        path = write_checkpoint(root or self.outdir / "checkpoints", self.step_index, self.time, self.comm,
                                self.model.mesh, state.fields, {**state.values, "clock": clock},
                                {"rng": self.rng.bit_generator.state}, self.text, __version__,
                                self.out["checkpoint_keep"], state.particles)
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
        if not self.attributes_written:
            self.scalars.set_attributes(self.model.diagnostic_attributes())     # once: they do not change
            self.attributes_written = True
        with collective(self.comm, self.outdir / "diags"):
            if self.comm.is_root:
                for name, (columns, attributes) in self.model.tables().items():
                    write_table(self.outdir / "diags" / f"{name}.h5", columns, self.text, attributes)

    def dump_fields(self):
        self.fields.write(self.step_index, self.time, self.dt, self.model.records(), self.model.particles())

    def check_finite(self):
        """Stop with the step, field and rank named if any state field holds NaN or Inf."""
        everyone = self.comm.allgather(self.model.non_finite())
        if any(everyone):
            where = "; ".join(f"rank {r}: {', '.join(names)}" for r, names in enumerate(everyone) if names)
            raise NumericalError(f"non-finite values at step {self.step_index} (t = {self.time:.6g}) in {where}")

    # -- time step ---------------------------------------------------------------------------------------
    def next_step(self):
        """(dt, landing time or None): the model's proposal bounded by run.dt_max and shortened to land on the
        next output time or t_end."""
        dt = self.model.propose_dt(self.run_dt)
        if self.dt_max:
            dt = min(dt, self.dt_max)
        if not (math.isfinite(dt) and dt > 0.0):
            raise NumericalError(f"the model proposed the time step {dt} at step {self.step_index} "
                                 f"(t = {self.time:.6g})")
        if self.dt_min and dt < self.dt_min:
            raise NumericalError(f"the time step fell to {dt:.3e} at step {self.step_index} (t = {self.time:.6g}), "
                                 f"below run.dt_min = {self.dt_min:g}")
        targets = [s.next_time() for s in self.schedules.values()] + [self.t_end or math.inf]
        target = min(targets)
        if target - self.time < dt * (1.0 - LANDING):
            return target - self.time, target
        return dt, None

    def _inject_fault(self):
        if os.environ.get(FAULT_NAN_AT_STEP) == str(self.step_index) and self.comm.rank == self.comm.size - 1:
            first = next(iter(self.model.fields.state().values()))
            first[self.model.mesh.interior][(0,) * 3] = math.nan

    def finished(self):
        return bool(self.step_cap and self.step_index >= self.step_cap) or \
            bool(self.t_end and self.time >= self.t_end - LANDING * self.dt)

    # -- the loop ---------------------------------------------------------------------------------------
    def execute(self, stop):
        """Run to the end; `stop` is the entered `StopRequest` that catches SIGTERM/SIGUSR1. Raises RunStopped
        after a checkpoint when a signal or the wall-time limit stops the run; returns the exit status: 0, or
        a model's stop status."""
        model, first = self.model, self.step_index
        time_dependent = self.family.time_dependent
        horizon = f"steps {first}..{self.steps}" if self.steps else f"t = {self.time:.6g}..{self.t_end:g}"
        self.log.info(f"hpcsim {__version__}: {self.deck.family} on {self.comm.size} rank(s), backend "
                      f"{self.backend.name}, mesh {list(model.mesh.global_shape)} in blocks of "
                      f"{list(model.mesh.topology.dims[:model.mesh.ndim])}, {horizon}")
        if first == 0:
            self._report_parameters()
        start = time.perf_counter()
        self.checkpoint_seconds = 0.0
        if first == 0 and time_dependent:
            self.diagnose()
            self.dump_fields()
        stopped = None
        while not self.finished():
            t0 = time.perf_counter()
            self.dt, landing = self.next_step() if time_dependent else (0.0, None)
            self.last_step_scalars = model.step(self.dt)
            self.step_index += 1
            self._inject_fault()
            before = self.time
            self.time = self.clock.after(self.step_index, before, self.dt, landing) if time_dependent else 0.0
            stopped = model.stop_reason()
            last = self.finished() or stopped is not None
            due = {name: s.due(self.step_index, self.time, LANDING * self.dt)
                   for name, s in self.schedules.items()}
            if last or due["diag"]:
                self.diagnose()
            if last or due["fields"]:
                self.dump_fields()
            if time_dependent and not last and due["checkpoint"]:
                self.checkpoint("periodic")
            self.log.progress(self.step_index, first, self.steps, self.time, self._fraction())
            if not last:
                self._maybe_stop(stop, time.perf_counter() - t0)
            if stopped is not None:
                break
        if time_dependent:
            self.checkpoint("end of run" if stopped is None else "model stop")
        if stopped is not None:
            self.log.info(f"stopped by the model at step {self.step_index} (t = {self.time:.6g}): {stopped.reason}")
            self.exit_status = stopped.status
        self.log.info(f"finished step {self.step_index} in {format_seconds(time.perf_counter() - start)}; "
                      f"output in {self.outdir}")
        return self.exit_status

    def _fraction(self):
        """Fraction of the run done (for the ETA): by steps, or by time when only t_end bounds the run."""
        if self.t_end and self.family.adaptive(self.deck) and not self.step_cap:
            return self.time / self.t_end
        return None

    def _report_parameters(self):
        """A model's physical parameters (given and derived) to the log and to diags/parameters.h5 (as
        attributes), and its resolution warnings to the log."""
        parameters = self.model.parameters
        if parameters:
            self.log.info("parameters: " + ", ".join(f"{k} = {v:.6g}" for k, v in parameters.items()))
            with collective(self.comm, self.outdir / "diags" / "parameters.h5"):
                if self.comm.is_root:
                    write_table(self.outdir / "diags" / "parameters.h5", {}, self.text, parameters)
        for warning in self.model.warnings:
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
            raise RunStopped(f"stopped at step {self.step_index} on {reason}; continue with --restart latest")

    def close(self):
        self.log.close()
