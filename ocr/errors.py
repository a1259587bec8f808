"""One family of errors the user can act on.

Every exception that reaches an officer carries a Vietnamese message first and the
English one second; anything else escaping the library is a bug and is logged as such.
"""
from __future__ import annotations


class SohoaError(Exception):
    """An error the user can act on (bad input, missing device, wrong password ...)."""

    def __init__(self, vi: str, en: str = "", *, path: str | None = None):
        self.vi = vi
        self.en = en
        self.path = path
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = self.vi if not self.en else f"{self.vi} / {self.en}"
        return f"{self.path}: {text}" if self.path else text


class BadInputError(SohoaError):
    """An input file that cannot be read: corrupt, empty, encrypted, too large."""


class OutputError(SohoaError):
    """The output cannot be written (permissions, disk full, would overwrite)."""


class DeviceError(SohoaError):
    """A scanner problem: no device, busy, paper jam, empty feeder."""


class TemplateError(SohoaError):
    """A malformed form template (names the file and line)."""
