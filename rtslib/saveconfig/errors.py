"""Errors of save/restore/clear: one line for the user, details as attributes."""
from rtslib.errors import RTSLibError


class SaveConfigError(RTSLibError):
    """Saving, loading or applying a configuration file failed; nothing was lost."""


class LockTimeout(SaveConfigError):
    """Another live process holds the save file's lock for too long."""


class ConfigInvalid(SaveConfigError):
    """The document failed validation; `problems` lists each with its JSON path."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{source}: {n} problem{'' if n == 1 else 's'} found, nothing changed"
        super().__init__('\n  '.join([head] + self.problems))


class Undone(SaveConfigError):
    """The kernel refused a step; the steps before it were undone (rollback_errors:
    what could not be)."""

    def __init__(self, message, rollback_errors=()):
        self.rollback_errors = list(rollback_errors)
        if self.rollback_errors:
            message += '; rollback incomplete: ' + '; '.join(self.rollback_errors)
        super().__init__(message)


class RestoreFailed(Undone):
    """The kernel refused part of a restore; what this restore did was undone."""
