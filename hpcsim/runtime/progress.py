"""Run log and progress reporting on rank 0: OUTDIR/log.txt always, the terminal only when it is one."""
import sys
import time


def format_seconds(s):
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{sec:02d}"


class RunLog:
    """Messages go to the log file and stdout (rank 0 only); `progress` rewrites one terminal line."""

    def __init__(self, comm, path=None, stream=None):
        self.active = comm.is_root
        self.stream = stream or sys.stdout
        self.tty = self.active and self.stream.isatty()
        self.file = open(path, "a", encoding="utf-8") if (self.active and path) else None
        self.start = time.perf_counter()
        self._last_progress_log = 0.0
        self._progress_shown = False

    def info(self, message):
        if not self.active:
            return
        if self._progress_shown:
            self.stream.write("\n")
            self._progress_shown = False
        self.stream.write(message + "\n")
        self.stream.flush()
        self.to_file(message)

    def to_file(self, message):
        """Append to log.txt; a failed write (a full disk) stops the file log with one warning on the terminal,
        it does not stop the run (the run's own writes report the fault)."""
        if self.file:
            stamp = format_seconds(time.perf_counter() - self.start)
            try:
                self.file.write(f"[{stamp}] {message}\n")
                self.file.flush()
            except OSError as exc:
                self._drop_file(exc)

    def _drop_file(self, exc):
        file, self.file = self.file, None
        self.stream.write(f"hpcsim: warning: {file.name}: {exc.strerror or exc}; the log continues here only\n")
        try:
            file.close()
        except OSError:
            pass

    def progress(self, step, first, last, sim_time, fraction=None):
        """Step counter with rate and ETA: a live line on a terminal, a log line every 30 s otherwise. The ETA
        comes from the steps left to `last`, or, when `fraction` (of the run done, by simulation time) is
        given, from that fraction."""
        if not self.active:
            return
        elapsed = time.perf_counter() - self.start
        done = step - first
        rate = done / elapsed if elapsed > 0 else 0.0
        if fraction is not None:
            eta = elapsed * (1.0 - fraction) / fraction if fraction > 0 else 0.0
            counter = f"step {step}  t = {sim_time:.6g} ({100.0 * fraction:.1f} %)"
        else:
            eta = (last - step) / rate if rate > 0 else 0.0
            counter = f"step {step}/{last}  t = {sim_time:.6g}"
        line = f"{counter}  {rate:.3g} steps/s  elapsed {format_seconds(elapsed)}  ETA {format_seconds(eta)}"
        if self.tty:
            self.stream.write("\r" + line + "   ")
            self.stream.flush()
            self._progress_shown = True
        if elapsed - self._last_progress_log >= 30.0 or step == last or fraction == 1.0:
            self._last_progress_log = elapsed
            self.to_file(line)

    def close(self):
        if self._progress_shown:
            self.stream.write("\n")
        if self.file:
            try:
                self.file.close()
            except OSError as exc:
                self._drop_file(exc)
