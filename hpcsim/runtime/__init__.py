"""The run loop, the model base class, progress, signals and wall-time handling shared by every family."""
from .loop import EXIT_STOPPED, Run, RunStopped
from .model import Model, ModelState, Stop

__all__ = ["EXIT_STOPPED", "Model", "ModelState", "Run", "RunStopped", "Stop"]
