"""Checking the values of a parsed legacy parameter dict, one rule for every reader.

The readers of cell and network parameter files (:mod:`isf.dsl.cell_param`,
:mod:`isf.dsl.network_param`) walk the nested dict that
:func:`~isf.dsl.param_format.read_param` returns. A :class:`ParamContext`
checks each value on the way and turns a wrong one into a
:class:`~isf.errors.LegacyFormatError` that names the file, the dotted key
path (``network.L5tt_C2.synapses.receptors.glutamate_syn.weight[1]``), the
value found and what is allowed there.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from isf.errors import LegacyFormatError

__all__ = ["ParamContext", "is_finite_number"]

#: What :meth:`ParamContext.number` accepts. ``inf`` and ``nan`` are refused although the
#: reader can produce ``inf`` (from ``1e999``): no legacy file holds one, and every number
#: of a cell or network (conductances, times, rates, weights) must be finite.
_NUMBER = "a finite number (int or float, not inf or nan)"

_UNSET: Any = object()


def is_finite_number(value: Any) -> bool:
    """Whether ``value`` is a number a legacy file may hold: an int or float (not a bool), finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


@attrs.frozen
class ParamContext:
    """Checks for the values of one parsed legacy file.

    Attributes:
        filename: the file the dict came from (``"<dict>"`` for a dict built in code); every
            error and warning names it.
    """

    filename: str

    def error(self, path: str, reason: str, *, value: Any = _UNSET, allowed: str | None = None) -> LegacyFormatError:
        """The error for the value at the dotted key ``path``; ``reason`` says what is wrong.

        The error carries ``path`` (and its last key as ``field``) and, when given, the rejected
        ``value`` and a description of what is ``allowed``.
        """
        exc = LegacyFormatError(self.filename, None, f"{path}: {reason}")
        exc.path = path
        exc.field = path.rpartition(".")[2]
        if value is not _UNSET:
            exc.value = value
        exc.allowed = allowed
        return exc

    def warn_ignored(self, path: str, keys: Sequence[str], why: str = "") -> None:
        """Warn that ``keys`` of the dict at ``path`` are ignored (nothing when ``keys`` is empty)."""
        if keys:
            what = "key" if len(keys) == 1 else "keys"
            warnings.warn(f"{self.filename}: {path}: {what} {', '.join(map(repr, keys))} ignored{why}", stacklevel=5)

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        """``value`` if it is a dict."""
        if not isinstance(value, Mapping):
            raise self.error(path, f"expected a dict, found {type(value).__name__} {value!r}", value=value,
                             allowed="a dict")
        return value

    def number(self, value: Any, path: str) -> float:
        """``value`` as a float, if it is a finite int or float (not a bool, inf or nan)."""
        if not is_finite_number(value):
            raise self.error(path, f"expected a number, found {value!r}: allowed is {_NUMBER}", value=value,
                             allowed=_NUMBER)
        return float(value)

    def count(self, value: Any, path: str) -> int:
        """``value`` if it is an int >= 0 (not a bool)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(path, f"expected an integer >= 0, found {value!r}", value=value,
                             allowed="an integer >= 0")
        return value

    def section_ids(self, value: Any, path: str) -> tuple[int, ...]:
        """``value`` as section IDs, if it is a list of integral numbers >= 0."""
        ok = isinstance(value, (list, tuple)) and all(
            not isinstance(v, bool) and isinstance(v, (int, float)) and float(v).is_integer() and v >= 0
            for v in value
        )
        if not ok:
            raise self.error(path, f"expected a list of section IDs (integers >= 0), found {value!r}", value=value,
                             allowed="a list of section IDs (integers >= 0)")
        return tuple(int(v) for v in value)

    def file_name(self, value: Any, path: str) -> str:
        """``value`` if it is a non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.error(path, f"expected a file name, found {value!r}", value=value,
                             allowed="a non-empty file name")
        return value

    def required(self, spec: Mapping[str, Any], key: str, path: str, why: str = "") -> Any:
        """``spec[key]`` of the dict at ``path``; ``why`` (e.g. ``" (ms)"``) explains the key when missing."""
        if key not in spec:
            raise self.error(path, f"missing key {key!r}{why}")
        return spec[key]
