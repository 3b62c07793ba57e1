"""Exceptions that carry a user-facing message.

`InputError` is bad input (a deck key, a command-line value, a missing file): the CLI prints its message and
exits with status 2 before any heavy work and without writing anything. `RunStopped` ends a run early but
cleanly (signal or wall-time limit) after a checkpoint has been written. `OutputError` is a write of a running
job that failed (`hpcsim.io.faults`): reported as one line naming the path, exit status 1.
"""


class InputError(Exception):
    """Bad user input. `key` is the dotted deck key (or CLI option) it concerns, when there is one."""

    def __init__(self, message, key=None):
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


class NumericalError(RuntimeError):
    """The run produced a non-finite value or a solver broke down; the message names where."""


class OutputError(Exception):
    """A write of the run failed. `path` names the file or directory, `reason` says why (strerror);
    `checkpoint` is true when the write was a checkpoint."""

    def __init__(self, path, reason, checkpoint=False):
        self.path, self.reason, self.checkpoint = str(path), reason, checkpoint
        super().__init__(f"{self.path}: {reason}")
