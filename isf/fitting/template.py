"""ISF's L5tt neuron-parameter template, read once into a typed base cell plus typed parameters.

The template is written in its legacy form (:func:`l5tt_template`: the ``neuron`` block of a cell
``.param``, values a parameter vector must set are ``None``). :func:`read_template` reads it once, at
set-up, into a :class:`CellTemplate`: a base :class:`~isf.model.cell.Cell` (unset values at a neutral
placeholder), the unset slots, and typed parameters (:mod:`isf.fitting.cell_parameters`) resolved from
ISF's names (:mod:`isf.fitting.legacy_names`). A parameter vector then becomes a cell by folding the
parameters over the base cell: no ``.param`` parsing, no copies of nested dicts, no name dispatch.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from isf.dsl.cell_param import DISTRIBUTION_KEYS, cell_from_param_dict
from isf.fitting.cell_parameters import Bounds, CellParameter, LinkedParameter, Target
from isf.errors import FittingError
from isf.fitting.legacy_names import legacy_parameter
from isf.model.cell import Cell
from isf.model.morphology import LEGACY_TO_LABEL, Morphology

#: value given to the template's unset slots in the base cell (valid for every field: > 0, finite)
PLACEHOLDER = 1.0
_PROPERTY_FIELDS = {"Ra": "ra_ohm_cm", "cm": "cm_uF_per_cm2"}


def _uniform(**values: float | None) -> dict[str, Any]:
    return {"spatial": "uniform", **values}


def _channels(cadynamics: str) -> dict[str, Any]:
    # conductances are filled in by the parameter vector (None = must be set)
    return {
        "pas": _uniform(g=None, e=-90.0),
        "Ca_LVAst": _uniform(gCa_LVAstbar=None), "Ca_HVA": _uniform(gCa_HVAbar=None),
        "SKv3_1": _uniform(gSKv3_1bar=None), "SK_E2": _uniform(gSK_E2bar=None),
        "K_Tst": _uniform(gK_Tstbar=None), "K_Pst": _uniform(gK_Pstbar=None),
        "Nap_Et2": _uniform(gNap_Et2bar=None), "NaTa_t": _uniform(gNaTa_tbar=None),
        cadynamics: _uniform(decay=None, gamma=None), "Ih": _uniform(gIhbar=8e-05),
    }


def l5tt_template(v2: bool = True) -> dict[str, Any]:
    """ISF's L5tt neuron-parameter template (the ``neuron`` block of a cell ``.param``), unset values ``None``.

    ``v2`` (``get_L5tt_template_v2``): ``CaDynamics_E2_v2``, apical ``SKv3_1`` ``linear`` relative with
    ``slope``/``offset``, and the ``scale_apical`` cell modifier. Ih: 8e-5 S/cm² soma/AIS, 2e-4 basal,
    Hay's exponential on the apical dendrite; hot zone ``uniform_range`` with outside scale 0.01 (Ca_LVAst)
    and 0.1 (Ca_HVA).
    """
    cad = "CaDynamics_E2_v2" if v2 else "CaDynamics_E2"
    ions = {"ek": -85.0, "ena": 50.0}
    apical_skv3 = ({"spatial": "linear", "distance": "relative", "gSKv3_1bar": None, "slope": None, "offset": None}
                   if v2 else _uniform(gSKv3_1bar=None))
    template: dict[str, Any] = {
        "filename": None,
        "Soma": {"properties": {"Ra": 100.0, "cm": 1.0, "ions": dict(ions)},
                 "mechanisms": {"global": {}, "range": _channels(cad)}},
        "Dendrite": {"properties": {"Ra": 100.0, "cm": 2.0},
                     "mechanisms": {"global": {}, "range": {"pas": _uniform(g=None, e=-90.0),
                                                            "Ih": _uniform(gIhbar=2e-04)}}},
        "ApicalDendrite": {
            "properties": {"Ra": 100.0, "cm": 2.0, "ions": dict(ions)},
            "mechanisms": {"global": {}, "range": {
                "pas": _uniform(g=None, e=-90.0),
                "Ih": {"spatial": "exponential", "distance": "relative", "gIhbar": 2e-04, "offset": -0.8696,
                       "linScale": 2.087, "_lambda": 3.6161, "xOffset": 0.0},
                "Im": _uniform(gImbar=None), "NaTa_t": _uniform(gNaTa_tbar=None), "SKv3_1": apical_skv3,
                "Ca_HVA": {"spatial": "uniform_range", "gCa_HVAbar": None, "begin": None, "end": None,
                           "outsidescale": 0.1},
                "Ca_LVAst": {"spatial": "uniform_range", "gCa_LVAstbar": None, "begin": None, "end": None,
                             "outsidescale": 0.01},
                "SK_E2": _uniform(gSK_E2bar=None), cad: _uniform(decay=None, gamma=None)}}},
        "AIS": {"properties": {"Ra": 100.0, "cm": 1.0, "ions": dict(ions)},
                "mechanisms": {"global": {}, "range": _channels(cad)}},
        "Myelin": {"properties": {"Ra": 100.0, "cm": 0.02},
                   "mechanisms": {"global": {}, "range": {"pas": _uniform(g=4e-05, e=-90.0)}}},
    }
    if v2:
        template["cell_modify_functions"] = {"scale_apical": {"scale": None}}
    return template


@attrs.frozen
class CellTemplate:
    """A base cell and the typed parameters that complete it.

    Attributes:
        base: the template's cell; its unset slots hold :data:`PLACEHOLDER`.
        unset: slots a parameter vector must set → their place in the legacy template (for messages).
        parameters: typed parameters by name, resolved when the set-up is made; other ISF names are
            resolved against :attr:`base` on first use (:func:`~isf.fitting.legacy_names.legacy_parameter`).
    """

    base: Cell
    unset: dict[Target, str] = attrs.field(factory=dict)
    parameters: dict[str, CellParameter] = attrs.field(factory=dict)
    # names resolved on first use; None = the name changes nothing (not part of the value)
    _resolved: dict[str, CellParameter | None] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def parameter(self, name: str) -> CellParameter | None:
        """The typed parameter of ``name`` (``None``: the name changes nothing, e.g. ``morphology.filename``)."""
        found = self.parameters.get(name)
        if found is not None:
            return found
        if name not in self._resolved:
            self._resolved[name] = legacy_parameter(name, self.base)
        return self._resolved[name]

    def with_parameters(self, bounds: Iterable[tuple[str, Bounds | None]]) -> CellTemplate:
        """A copy with the parameters of ``(name, bounds)`` pairs resolved (names that change nothing skipped)."""
        resolved = dict(self.parameters)
        for name, limits in bounds:
            parameter = legacy_parameter(name, self.base, limits)
            if parameter is not None:
                resolved[name] = parameter
        return attrs.evolve(self, parameters=resolved)

    def with_values(self, values: Mapping[str, Any]) -> CellTemplate:
        """A copy whose base cell has ``values`` applied (e.g. a set-up's fixed parameters); their slots
        are no longer unset."""
        cell, filled = self._fold(values)
        return attrs.evolve(self, base=cell, unset={t: p for t, p in self.unset.items() if t not in filled})

    def cell(self, values: Mapping[str, Any]) -> Cell:
        """The cell of a parameter vector (ISF names → values, in their units).

        Raises:
            FittingError: an unknown name, or a slot of the template left unset.
        """
        cell, filled = self._fold(values)
        missing = [path for target, path in self.unset.items() if target not in filled]
        if missing:
            raise FittingError(f"the parameter vector leaves template values unset: {', '.join(missing)}")
        return cell

    def _fold(self, values: Mapping[str, Any]) -> tuple[Cell, set[Target]]:
        cell = self.base
        filled: set[Target] = set()
        for name, value in values.items():
            parameter = self.parameter(name)
            if parameter is None:
                continue
            if isinstance(parameter, LinkedParameter):
                if parameter.source not in values:
                    raise FittingError(f"parameter {name!r}: no value {parameter.source}")
                value = values[parameter.source]
            cell = parameter.apply(cell, value)
            filled.update(parameter.targets)
        return cell, filled


def _fill_unset(neuron: dict[str, Any]) -> dict[Target, str]:
    """Put :data:`PLACEHOLDER` into every ``None`` of a legacy ``neuron`` block (in place); the slots."""
    unset: dict[Target, str] = {}
    for key, block in neuron.items():
        if key == "cell_modify_functions":
            for name, kwargs in block.items():
                for arg, value in kwargs.items():
                    if value is None:
                        if (name, arg) != ("scale_apical", "scale"):
                            raise FittingError(f"template: {key}.{name}.{arg} = None; only scale_apical.scale "
                                               "may be left unset")
                        kwargs[arg] = PLACEHOLDER
                        unset[("modifier", "ScaleApical", "scale")] = f"{key}.{name}.{arg}"
            continue
        label = LEGACY_TO_LABEL.get(key)
        if label is None or not isinstance(block, dict):
            continue  # discretization and the like: read as they are
        props = block.get("properties", {})
        for name, value in props.items():
            if value is None:
                props[name] = PLACEHOLDER
                field = _PROPERTY_FIELDS.get(name)
                unset[(label, field) if field else (label, "other_properties", name)] = f"{key}.properties.{name}"
        for ion, value in props.get("ions", {}).items():
            if value is None:
                props["ions"][ion] = PLACEHOLDER
                unset[(label, "ions", ion)] = f"{key}.properties.ions.{ion}"
        for mech, spec in block.get("mechanisms", {}).get("range", {}).items():
            fields = DISTRIBUTION_KEYS.get(spec.get("spatial"), {})
            for name, value in spec.items():
                if value is None:
                    spec[name] = [] if name == "outsidescale_sections" else PLACEHOLDER
                    unset[(label, "mechanism", mech, fields.get(name, name))] = \
                        f"{key}.mechanisms.range.{mech}.{name}"
    return unset


def read_template(neuron: Mapping[str, Any], morphology: Morphology) -> CellTemplate:
    """Read a legacy ``neuron``-block template (:func:`l5tt_template`) once into a :class:`CellTemplate`
    on ``morphology`` (``neuron.filename`` is ignored; an ``AIS`` block appends the Hay 2013 axon)."""
    filled = copy.deepcopy(dict(neuron))
    filled.pop("filename", None)
    unset = _fill_unset(filled)
    return CellTemplate(cell_from_param_dict({"neuron": filled}, morphology=morphology).cell, unset)
