"""Errors the library raises for bad input or bad configuration.

The CLI turns these into a one-line message and exit code 1; anything else is a bug.
"""


class StillwatchError(Exception):
    """A failure a user can act on: the message names the file, record or setting."""


class BadRecord(StillwatchError):
    """One input record is unusable. ``where`` is ``file:line``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class BadFile(StillwatchError):
    """A whole input file is unreadable or truncated."""


class ConfigError(StillwatchError):
    """A configuration file or option is invalid."""
