"""The one error family of isf.

Every error isf raises on purpose derives from :class:`IsfError` and from the built-in exception a
caller would expect (``ValueError`` for bad input, ``OSError`` for files that cannot be used,
``RuntimeError`` for a simulation or toolchain that failed, ``TypeError``, ``FileNotFoundError`` and
``KeyError`` where those are what a caller would catch), so ``except isf.IsfError`` catches all of
them and ``except ValueError`` keeps working. Errors about a value carry what is needed to fix it:
the ``field``, the rejected ``value``, what is ``allowed`` and, for structured input (JSON/YAML read
through cattrs), the ``path`` of the field inside the document. This module is a leaf: every layer
imports it, it imports nothing of isf.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "ArgumentValueError",
    "FileFormatError",
    "FittingError",
    "IsfError",
    "LegacyFormatError",
    "MechanismError",
    "MissingFileError",
    "ModelTypeError",
    "ModelValueError",
    "SimulationError",
    "StoreError",
    "UnknownNameError",
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

    def __init__(
        self,
        *args: Any,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(*args)
        # only what is given: subclasses with their own constructor set these themselves
        for name, given in (("field", field), ("value", value), ("allowed", allowed), ("path", path)):
            if given is not None:
                setattr(self, name, given)


class ModelValueError(IsfError, ValueError):
    """A model value was constructed with an invalid field.

    Attributes:
        owner: name of the class being constructed (or of the function whose argument it is).
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


class ArgumentValueError(IsfError, ValueError):
    """A function was called with an invalid argument; the message says which, what was given and
    what is allowed, and ``field``/``value``/``allowed`` hold them where they are one value."""


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


class ModelTypeError(IsfError, TypeError):
    """A value of the wrong type was given to a model class, builder or function; the message says
    what was expected."""


class MissingFileError(IsfError, FileNotFoundError):
    """A file or folder isf was asked to read does not exist.

    Attributes:
        filename: the missing path (``None`` when the message names it otherwise).
    """

    def __init__(self, message: str, filename: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self._message = message
        self.filename = None if filename is None else os.fspath(filename)

    def __str__(self) -> str:
        return self._message

    def __reduce__(self) -> tuple[Any, ...]:
        # OSError pickles its errno/strerror/filename slots, not our arguments: rebuild from these
        return (type(self), (self._message, self.filename), self.__dict__)


class UnknownNameError(IsfError, KeyError):
    """A name looked up (a column, a population, a cell type) does not exist; the message lists what does."""

    def __str__(self) -> str:
        # KeyError shows repr(key); this is a sentence
        return str(self.args[0]) if self.args else ""
