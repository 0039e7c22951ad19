"""Validators shared by the model values.

Every validator raises :class:`ModelValueError`, whose message names the
class, the field, the offending value and what would have been allowed, so a
wrong value fails where it was written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from isf.errors import ModelValueError


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def fail(instance: Any, attribute: attrs.Attribute[Any], value: Any, allowed: str) -> None:
    """Raise the standard error for ``attribute`` of ``instance``."""
    raise ModelValueError(type(instance).__name__, attribute.name, value, allowed)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite real number."""
    if not _is_real(value) or not math.isfinite(value):
        fail(instance, attribute, value, "a finite number")


def optional_finite(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a finite real number."""
    if value is not None:
        finite(instance, attribute, value)


def positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite number > 0."""
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        fail(instance, attribute, value, "a finite number > 0")


def optional_positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a finite number > 0."""
    if value is not None:
        positive(instance, attribute, value)


def non_negative(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite number >= 0."""
    if not _is_real(value) or not math.isfinite(value) or value < 0:
        fail(instance, attribute, value, "a finite number >= 0")


def unit_interval(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A number in [0, 1] (a relative position along a section)."""
    if not _is_real(value) or not 0.0 <= value <= 1.0:
        fail(instance, attribute, value, "a number in [0, 1]")


def non_negative_int(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An integer >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(instance, attribute, value, "an integer >= 0")


def positive_int(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An integer >= 1."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        fail(instance, attribute, value, "an integer >= 1")


def identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty name usable in NEURON (letters, digits, underscore)."""
    if not isinstance(value, str) or not value or not value.replace("_", "a").isalnum():
        fail(instance, attribute, value, "a non-empty name of letters, digits and '_'")


def one_of(options: Collection[Any]) -> Validator:
    """The value must be one of ``options``."""
    shown = ", ".join(repr(o) for o in options)

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in options:
            fail(instance, attribute, value, f"one of {shown}")

    return check


def finite_mapping(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A mapping of names to finite numbers."""
    if not isinstance(value, Mapping):
        fail(instance, attribute, value, "a mapping of names to finite numbers")
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            fail(instance, attribute, value, f"non-empty string keys (got key {key!r})")
        if not _is_real(item) or not math.isfinite(item):
            fail(instance, attribute, value, f"finite numbers (got {key!r}: {item!r})")


def to_float(value: Any) -> Any:
    """Converter: ints become floats so that ``1 == 1.0`` fields compare and dump alike."""
    if _is_real(value):
        return float(value)
    return value


def to_optional_float(value: Any) -> Any:
    """Converter like :func:`to_float` that lets ``None`` through."""
    return None if value is None else to_float(value)


def to_float_dict(value: Any) -> Any:
    """Converter: a mapping with its numbers as floats, as a plain ``dict``."""
    if isinstance(value, Mapping):
        return {k: to_float(v) for k, v in value.items()}
    return value


def to_tuple(value: Any) -> Any:
    """Converter: any iterable (but a string) becomes a tuple."""
    if isinstance(value, (list, tuple)) or (
        hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping))
    ):
        return tuple(value)
    return value


def unique_items(kind: type, key: Callable[[Any], Any], what: str) -> Validator:
    """A sequence of ``kind`` values whose ``key`` values are distinct (``what`` names the key)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        keys = []
        for item in value:
            if not isinstance(item, kind):
                fail(instance, attribute, item, f"{kind.__name__} values")
            keys.append(key(item))
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            fail(instance, attribute, repeated, f"distinct {what}")

    return check
