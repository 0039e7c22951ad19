"""JSON and YAML files of every model value, via cattrs: ``load(dump(x)) == x``.

A file holds an envelope ``{"isf_format": 1, "type": "<Class>", "value": {...}}``
so :func:`load` knows what it reads. Union-typed fields (distributions,
modifiers, sites, stimuli) carry a ``"type"`` tag with the class name.
Arrays (3D points, diameters) become nested lists; floats are written with
``repr`` precision, so values round-trip exactly.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
import numpy as np
import yaml
from cattrs.strategies import configure_tagged_union

from isf.dsl.atomic import atomic_write_text
from isf.model import (
    axon,  # noqa: F401  (imported so every model module is loaded)
)
from isf.model.activity import Activity, ActivityComponent
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import Distribution
from isf.model.experiment import Experiment
from isf.model.mechanism import Mechanism
from isf.model.modifier import Modifier
from isf.model.morphology import Morphology, Section
from isf.model.network import Network, Population
from isf.model.receptor import Receptor
from isf.model.synapse import Connectivity, Synapses
from isf.model.recording import Recording
from isf.model.region import Region, Spines
from isf.model.simulation import Simulation
from isf.model.site import Site
from isf.model.stimulus import Stimulus
from isf.model.validation import ModelValueError

FORMAT_VERSION = 1
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_LIST = re.compile(r"\[\s*((?:" + _NUMBER + r"\s*,\s*)*" + _NUMBER + r")\s*\]")
_SPACE = re.compile(r"\s+")
_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
T = TypeVar("T")

#: Classes that may be the top-level value of a file.
TOP_LEVEL: dict[str, type] = {
    cls.__name__: cls
    for cls in (Cell, Morphology, Section, Region, Mechanism, Discretization, Experiment, Simulation, Recording, Spines,
                Network, Population, Receptor, Activity, Synapses, Connectivity)
}


def _resolve_all() -> None:
    import isf.model.activity as activity
    import isf.model.distribution as distribution
    import isf.model.modifier as modifier
    import isf.model.site as site
    import isf.model.stimulus as stimulus

    seen: set[type] = set()
    pending: list[type] = [*TOP_LEVEL.values()]
    for module in (activity, distribution, modifier, site, stimulus):
        pending.extend(v for v in vars(module).values() if isinstance(v, type) and attrs.has(v))
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        attrs.resolve_types(cls)


def _is_array(tp: Any) -> bool:
    return tp is np.ndarray or getattr(tp, "__origin__", None) is np.ndarray


def _make_converter() -> cattrs.Converter:
    _resolve_all()
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook_func(_is_array, lambda a: a.tolist())
    conv.register_structure_hook_func(_is_array, lambda v, _: np.asarray(v, dtype=float))
    for union in (Distribution, Modifier, Site, Stimulus, ActivityComponent):
        configure_tagged_union(union, conv, tag_name="type")
    return conv


CONVERTER = _make_converter()


def to_data(value: Any) -> dict[str, Any]:
    """The value as plain data (dicts, lists, numbers, strings) inside the file envelope."""
    name = type(value).__name__
    if TOP_LEVEL.get(name) is not type(value):
        raise TypeError(f"cannot serialise {name}: supported are {', '.join(TOP_LEVEL)}")
    return {"isf_format": FORMAT_VERSION, "type": name, "value": CONVERTER.unstructure(value)}


def from_data(data: Any, cls: type[T] | None = None) -> T:
    """Rebuild a value from :func:`to_data` output (validating it on construction)."""
    if not isinstance(data, dict) or "type" not in data or "value" not in data:
        raise ValueError("not an isf model file: expected keys 'isf_format', 'type', 'value'")
    if data.get("isf_format") != FORMAT_VERSION:
        raise ValueError(f"unsupported isf_format {data.get('isf_format')!r}; this isf reads {FORMAT_VERSION}")
    found = TOP_LEVEL.get(data["type"])
    if found is None:
        raise ValueError(f"unknown model type {data['type']!r}: known are {', '.join(TOP_LEVEL)}")
    if cls is not None and found is not cls:
        raise TypeError(f"the file holds a {data['type']}, not a {cls.__name__}")
    try:
        return CONVERTER.structure(data["value"], found)  # type: ignore[no-any-return]
    except cattrs.BaseValidationError as exc:
        cause = _model_error(exc)
        if cause is not None:
            raise cause from None
        raise ValueError("invalid model file:\n" + "\n".join(cattrs.transform_error(exc))) from exc


def _model_error(exc: BaseException) -> ModelValueError | None:
    """The first ModelValueError inside a (nested) cattrs validation error: it names class, field, value."""
    if isinstance(exc, ModelValueError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _model_error(inner)
        if found is not None:
            return found
    return None


def dumps(value: Any, fmt: str = "json") -> str:
    """Text of ``value`` as ``json`` or ``yaml``."""
    data = to_data(value)
    if fmt == "json":
        # Number lists (points, diameters) on one line keep files small and diffs readable.
        return _NUMBER_LIST.sub(lambda m: "[" + _SPACE.sub("", m.group(1)).replace(",", ", ") + "]",
                                json.dumps(data, indent=1)) + "\n"
    if fmt == "yaml":
        return yaml.dump(data, Dumper=_YamlDumper, sort_keys=False, width=120, default_flow_style=None)
    raise ValueError(f"unknown format {fmt!r}: allowed are 'json', 'yaml'")


def loads(text: str, cls: type[T] | None = None, fmt: str = "json") -> T:
    """Inverse of :func:`dumps`."""
    if fmt == "json":
        data = json.loads(text)
    elif fmt == "yaml":
        data = yaml.load(text, Loader=_YamlLoader)
    else:
        raise ValueError(f"unknown format {fmt!r}: allowed are 'json', 'yaml'")
    return from_data(data, cls)


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
