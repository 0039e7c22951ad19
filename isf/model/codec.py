"""Model values ⇄ plain data (dicts, lists, numbers, strings), via cattrs: ``from_data(to_data(x)) == x``.

The data of a value is a self-describing *envelope*
``{"isf_format": 1, "type": "<Class>", "value": {...}}``, so a reader knows what it holds; the same
envelope wraps every typed file (:mod:`isf.dsl.serialization`) and the experiment kept in a run
store. Union-typed fields (distributions, modifiers, sites, stimuli, activity components) carry a
``"type"`` tag with the class name. Arrays (3D points, diameters) become nested lists of floats, so
values round-trip exactly.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
import cattrs
import numpy as np
from cattrs.strategies import configure_tagged_union

from isf.errors import ModelValueError
from isf.model import activity, distribution, modifier, network_modifier, site, stimulus
from isf.model import axon  # noqa: F401  (imported so every model module is loaded)
from isf.model.activity import Activity, ActivityComponent
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import Distribution
from isf.model.experiment import Experiment
from isf.model.mechanism import Mechanism
from isf.model.modifier import Modifier
from isf.model.morphology import Morphology, Section
from isf.model.network import Network, Population
from isf.model.network_modifier import NetworkModifier
from isf.model.receptor import Receptor
from isf.model.recording import Recording
from isf.model.region import Region, Spines
from isf.model.simulation import Simulation
from isf.model.site import Site
from isf.model.stimulus import Stimulus
from isf.model.synapse import Connectivity, Synapses

__all__ = ["CONVERTER", "FORMAT_VERSION", "TOP_LEVEL", "envelope", "from_data", "open_envelope", "to_data"]

#: Version of the envelope layout; every typed file and stored experiment so far is version 1.
FORMAT_VERSION = 1
T = TypeVar("T")

#: Classes that may be the top-level value of an envelope.
TOP_LEVEL: dict[str, type] = {
    cls.__name__: cls
    for cls in (Cell, Morphology, Section, Region, Mechanism, Discretization, Experiment, Simulation, Recording, Spines,
                Network, Population, Receptor, Activity, Synapses, Connectivity)
}


def envelope(kind: str, value: Any) -> dict[str, Any]:
    """``value`` (plain data) wrapped with its ``kind`` and the format version.

    Also used for plain tables that are not model values (``SynapseLocations`` and
    ``ConnectionTable`` of ``isf convert``).
    """
    return {"isf_format": FORMAT_VERSION, "type": kind, "value": value}


def open_envelope(data: Any) -> tuple[str, Any]:
    """``(kind, value)`` of an :func:`envelope`.

    Raises:
        ValueError: ``data`` is not an envelope, or one of an unsupported format version.
    """
    if not isinstance(data, dict) or "type" not in data or "value" not in data:
        raise ValueError("not an isf model file: expected keys 'isf_format', 'type', 'value'")
    if data.get("isf_format") != FORMAT_VERSION:
        raise ValueError(f"unsupported isf_format {data.get('isf_format')!r}; this isf reads {FORMAT_VERSION}")
    return data["type"], data["value"]


def _resolve_all() -> None:
    # cattrs needs real types, not the strings ``from __future__ import annotations`` leaves.
    seen: set[type] = set()
    pending: list[type] = [*TOP_LEVEL.values()]
    for module in (activity, distribution, modifier, network_modifier, site, stimulus):
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
    for union in (Distribution, Modifier, Site, Stimulus, ActivityComponent, NetworkModifier):
        configure_tagged_union(union, conv, tag_name="type")
    return conv


#: The cattrs converter of every model value.
CONVERTER = _make_converter()


def to_data(value: Any) -> dict[str, Any]:
    """The value as plain data (dicts, lists, numbers, strings) inside the :func:`envelope`.

    Raises:
        TypeError: ``value`` is not one of the :data:`TOP_LEVEL` classes.
    """
    name = type(value).__name__
    if TOP_LEVEL.get(name) is not type(value):
        raise TypeError(f"cannot serialise {name}: supported are {', '.join(TOP_LEVEL)}")
    return envelope(name, CONVERTER.unstructure(value))


def from_data(data: Any, cls: type[T] | None = None) -> T:
    """Rebuild a value from :func:`to_data` output (validating it on construction).

    Raises:
        ValueError: not an envelope, an unknown type, or invalid content (a
            :class:`~isf.errors.ModelValueError` naming class, field and value when a model
            validator rejected it).
        TypeError: the data holds another class than ``cls``.
    """
    kind, value = open_envelope(data)
    found = TOP_LEVEL.get(kind)
    if found is None:
        raise ValueError(f"unknown model type {kind!r}: known are {', '.join(TOP_LEVEL)}")
    if cls is not None and found is not cls:
        raise TypeError(f"the file holds a {kind}, not a {cls.__name__}")
    try:
        return CONVERTER.structure(value, found)
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
