"""The one error family of isf.

Every error isf raises on purpose derives from :class:`IsfError` and from the built-in exception a
caller would expect (``ValueError`` for bad input, ``OSError`` for files that cannot be used,
``RuntimeError`` for a simulation or toolchain that failed), so ``except isf.IsfError`` catches all of
them and ``except ValueError`` keeps working. Errors about a value carry what is needed to fix it:
the ``field``, the rejected ``value``, what is ``allowed`` and, for structured input (JSON/YAML read
through cattrs), the ``path`` of the field inside the document. This module is a leaf: every layer
imports it, it imports nothing of isf.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "FileFormatError",
    "FittingError",
    "IsfError",
    "LegacyFormatError",
    "MechanismError",
    "ModelValueError",
    "SimulationError",
    "StoreError",
]


class IsfError(Exception):
    """Base of every error isf raises on purpose.

    Attributes:
        field: the offending field (or ``None``).
        value: the rejected value (or ``None``).
        allowed: human-readable description of what would have been allowed (or ``None``).
        path: where the field sits in structured input, e.g. ``"stimuli[2].amplitude_nA"`` (or ``None``).
    """

    field: str | None = None
    value: Any = None
    allowed: str | None = None
    path: str | None = None


class ModelValueError(IsfError, ValueError):
    """A model value was constructed with an invalid field.

    Attributes:
        owner: name of the class being constructed.
        field: name of the offending field.
        value: the rejected value.
        allowed: human-readable description of what is allowed.
        path: position of the field in a structured document, when it was read from one.
    """

    def __init__(self, owner: str, field: str, value: Any, allowed: str, path: str | None = None) -> None:
        self.owner = owner
        self.field = field
        self.value = value
        self.allowed = allowed
        self.path = path
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        where = f" (at {path})" if path else ""
        self._message = f"{owner}.{field} = {shown} is invalid{where}: allowed is {allowed}"
        super().__init__(self._message)
        # unpickling (worker → coordinator) re-creates the error as cls(*args): keep the fields
        self.args = (owner, field, value, allowed, path)

    def __str__(self) -> str:
        return self._message


class FileFormatError(IsfError, ValueError):
    """A file could not be read or written in its format.

    Attributes:
        filename: the file (``None`` for text without a file).
        line: 1-based line number, or ``None`` when the problem is not tied to a line.
        reason: what is wrong and what would be allowed.
    """

    def __init__(self, filename: str | os.PathLike[str] | None, line: int | None, reason: str) -> None:
        self.filename = None if filename is None else os.fspath(filename)
        self.line = line
        self.reason = reason
        where = self.filename or "<text>"
        if line is not None:
            where = f"{where}:{line}"
        self._message = f"{where}: {reason}"
        super().__init__(self._message)
        # unpickling re-creates the error as cls(*args); subclasses with other arguments set their own
        self.args = (filename, line, reason)

    def __str__(self) -> str:
        return self._message


class LegacyFormatError(FileFormatError):
    """A legacy ISF file (``.param``, ``.hoc``, ``.syn``, ``.con``, Amira, simrun output) could not be read."""


class StoreError(IsfError, ValueError):
    """A run store or study database cannot be used as asked (wrong content, name or format)."""


class SimulationError(IsfError, RuntimeError):
    """A simulation could not be built or run."""


class MechanismError(IsfError, RuntimeError):
    """Mechanisms could not be found, compiled or loaded."""


class FittingError(IsfError, ValueError):
    """Invalid fitting input (parameter vector, settings, run folder); the message says what and why."""
