"""SIGTERM / SIGUSR1 -> "checkpoint and exit" requests, checked by the step loop at step boundaries.

Slurm sends SIGTERM at the time limit (after KillWait) and, with `#SBATCH --signal=USR1@T`, SIGUSR1 T seconds
before it. The handler only sets a flag; the loop agrees on it across ranks with one reduction per step.
"""
import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class StopRequest:
    def __init__(self):
        self.signal_name = None
        self._previous = {}

    def __enter__(self):
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame):
        self.signal_name = signal.Signals(signum).name

    @property
    def requested(self):
        return self.signal_name is not None
