"""JSON and YAML files of every model value: ``load(dump(x)) == x``.

A file holds the envelope of :mod:`isf.model.codec`,
``{"isf_format": 1, "type": "<Class>", "value": {...}}``, so :func:`load` knows what it reads; the
codec turns values into that plain data and back, this module turns the data into text and files.
Number lists (3D points, diameters) are written on one line, floats with ``repr`` precision, so
values round-trip exactly. Plain tables that are not model values (the ``SynapseLocations`` and
``ConnectionTable`` of ``isf convert``) use the same envelope and format: :func:`save_envelope`,
:func:`read_envelope`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml

from isf.dsl.atomic import atomic_write_text
from isf.errors import FileFormatError
from isf.model.codec import envelope, from_data, open_envelope, to_data

__all__ = ["dumps", "load", "loads", "read_envelope", "save", "save_envelope"]

_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_LIST = re.compile(r"\[\s*((?:" + _NUMBER + r"\s*,\s*)*" + _NUMBER + r")\s*\]")
_SPACE = re.compile(r"\s+")
_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
T = TypeVar("T")


def _text(data: Any, fmt: str) -> str:
    if fmt == "json":
        # Number lists (points, diameters) on one line keep files small and diffs readable.
        return _NUMBER_LIST.sub(lambda m: "[" + _SPACE.sub("", m.group(1)).replace(",", ", ") + "]",
                                json.dumps(data, indent=1)) + "\n"
    if fmt == "yaml":
        return yaml.dump(data, Dumper=_YamlDumper, sort_keys=False, width=120, default_flow_style=None)
    raise ValueError(f"unknown format {fmt!r}: allowed are 'json', 'yaml'")


def _data(text: str, fmt: str) -> Any:
    if fmt == "json":
        return json.loads(text)
    if fmt == "yaml":
        return yaml.load(text, Loader=_YamlLoader)
    raise ValueError(f"unknown format {fmt!r}: allowed are 'json', 'yaml'")


def dumps(value: Any, fmt: str = "json") -> str:
    """Text of ``value`` as ``json`` or ``yaml``."""
    return _text(to_data(value), fmt)


def loads(text: str, cls: type[T] | None = None, fmt: str = "json") -> T:
    """Inverse of :func:`dumps`."""
    return from_data(_data(text, fmt), cls)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ValueError(f"{path}: unknown file type {suffix!r}: use .json, .yaml or .yml")


def save(value: Any, path: str | os.PathLike[str]) -> None:
    """Write ``value`` to a ``.json``/``.yaml`` file (atomically)."""
    path = Path(path)
    atomic_write_text(path, dumps(value, _format_of(path)))


def load(path: str | os.PathLike[str], cls: type[T] | None = None) -> T:
    """Read a value written by :func:`save`."""
    path = Path(path)
    return loads(path.read_text(encoding="utf-8"), cls, _format_of(path))


def save_envelope(kind: str, value: Any, path: str | os.PathLike[str]) -> None:
    """Write plain data ``value`` (dicts, lists, numbers, strings) of type ``kind`` in the envelope to a
    ``.json``/``.yaml`` file (atomically), formatted as :func:`save` formats model values."""
    path = Path(path)
    atomic_write_text(path, _text(envelope(kind, value), _format_of(path)))


def read_envelope(path: str | os.PathLike[str]) -> tuple[str, Any]:
    """``(type, plain data)`` of a file written by :func:`save` or :func:`save_envelope`.

    Raises:
        FileFormatError: the file holds no envelope, or one of an unsupported format version.
    """
    path = Path(path)
    data = _data(path.read_text(encoding="utf-8"), _format_of(path))
    try:
        return open_envelope(data)
    except ValueError as exc:
        raise FileFormatError(path, None, str(exc)) from None
