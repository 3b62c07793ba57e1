"""The step loop, progress, signals and wall-time handling shared by every family."""
from .loop import EXIT_STOPPED, Run, RunStopped

__all__ = ["EXIT_STOPPED", "Run", "RunStopped"]
