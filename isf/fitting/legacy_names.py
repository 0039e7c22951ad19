"""ISF's dotted parameter names (LEGACY_FORMATS §8.6) resolved into typed parameters, once per name.

* ``ephys.<mech>.<region>.<key>`` — region ``soma``/``axon``/``dend``/``apic`` (``axon`` is the AIS);
  mechanism ``none`` addresses ``pas`` (``none.soma.g_pas`` → ``pas.g``). ``key`` is a RANGE parameter
  of the mechanism (:class:`~isf.fitting.cell_parameters.RangeParameter`) or a key of its legacy
  distribution (``ephys.SKv3_1.apic.slope``: :class:`~isf.fitting.cell_parameters.DistributionParameter`).
* ``scale_apical.scale`` — factor on every apical diameter (``cell_modify_functions.scale_apical``).
* ``hot_zone.min_`` / ``hot_zone.max_`` / ``hot_zone.outsidescale_sections`` — the apical Ca hot zone
  (``uniform_range`` of ``Ca_LVAst`` and ``Ca_HVA``), µm of ``D_root``.
* ``params.<path>`` — a numeric value of the legacy ``neuron`` block: ``<Label>.properties.<Ra|cm|name>``,
  ``<Label>.properties.ions.<ion>``, ``<Label>.mechanisms.range.<mech>.<key>`` or
  ``cell_modify_functions.scale_apical.scale``.
* ``many_params.<key>`` holds a value that every ``many_params.<key>.<path>`` applies at ``params.<path>``.
* ``morphology.filename`` is accepted and has no effect: the set-up's morphology is fixed.

Which of a mechanism's keys are distribution keys depends on its distribution, so names are resolved
against the template's base cell (:mod:`isf.fitting.template`), when the set-up is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from isf.dsl.cell_param import DISTRIBUTION_KEYS
from isf.fitting.cell_parameters import (
    AppliedParameter,
    Bounds,
    CellParameter,
    DistributionParameter,
    HotZoneField,
    HotZoneParameter,
    LinkedParameter,
    RangeParameter,
    RegionField,
    RegionProperty,
    ScaleApicalParameter,
)
from isf.errors import FittingError
from isf.model.cell import Cell
from isf.model.morphology import LABEL_TO_LEGACY, LEGACY_TO_LABEL

#: region of ``ephys.<mech>.<region>.<key>`` → canonical region label
EPHYS_REGIONS: dict[str, str] = {"soma": "soma", "axon": "ais", "dend": "dend", "apic": "apic"}
#: first components of names that address the cell (everything else in a row is ignored by
#: :func:`parameter_items`)
PARAMETER_STAGES: tuple[str, ...] = ("ephys", "scale_apical", "hot_zone", "morphology", "params", "many_params")
_HOT_ZONE_FIELDS: dict[str, HotZoneField] = {"min_": "begin_um", "max_": "end_um",
                                              "outsidescale_sections": "outside_sections"}
_PROPERTY_FIELDS: dict[str, RegionField] = {"Ra": "ra_ohm_cm", "cm": "cm_uF_per_cm2"}


def parameter_items(row: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """The cell parameters of a row that may also hold evaluation columns (objectives, checks, run
    bookkeeping): the names whose first component is one of :data:`PARAMETER_STAGES`."""
    return {str(k): v for k, v in row.items() if str(k).partition(".")[0] in PARAMETER_STAGES and "." in str(k)}


def _mechanism_parameter(name: str, cell: Cell, label: str, mech: str, key: str,
                         bounds: Bounds | None) -> RangeParameter | DistributionParameter:
    region = cell.regions.get(label)
    have = {m.name: m for m in region.mechanisms} if region is not None else {}
    where = LABEL_TO_LEGACY.get(label, label)
    if mech not in have:
        raise FittingError(f"parameter {name!r}: the template has no {where} mechanism {mech!r} with key {key!r}")
    mechanism = have[mech]
    if key in mechanism.parameters:
        return RangeParameter(name, label, mech, key, bounds)
    fields = DISTRIBUTION_KEYS[mechanism.distribution.legacy_name]
    if key in fields and key != "param_name":
        return DistributionParameter(name, label, mech, fields[key], bounds)
    raise FittingError(f"parameter {name!r}: the template has no {where} mechanism {mech!r} with key {key!r}")


def _path_parameter(name: str, path: list[str], cell: Cell, bounds: Bounds | None) -> AppliedParameter:
    """The parameter of a ``params.<path>`` name (path = the keys below the ``neuron`` block)."""
    if path == ["cell_modify_functions", "scale_apical", "scale"]:
        return ScaleApicalParameter(name, bounds=bounds)
    label = LEGACY_TO_LABEL.get(path[0]) if path else None
    if label is None or label not in cell.regions:
        raise FittingError(f"parameter {name!r}: no block {path[0] if path else ''!r} in the template")
    rest = path[1:]
    if len(rest) == 2 and rest[0] == "properties":
        field = _PROPERTY_FIELDS.get(rest[1])
        if field is not None:
            return RegionProperty(name, label, field, bounds=bounds)
        return RegionProperty(name, label, "other_properties", rest[1], bounds)
    if len(rest) == 3 and rest[:2] == ["properties", "ions"]:
        return RegionProperty(name, label, "ions", rest[2], bounds)
    if len(rest) == 4 and rest[:2] == ["mechanisms", "range"]:
        return _mechanism_parameter(name, cell, label, rest[2], rest[3], bounds)
    raise FittingError(f"parameter {name!r}: only numeric values can be set: <Label>.properties.<name>, "
                       "<Label>.properties.ions.<ion>, <Label>.mechanisms.range.<mech>.<key>, "
                       "cell_modify_functions.scale_apical.scale")


def legacy_parameter(name: str, cell: Cell, bounds: Bounds | None = None) -> CellParameter | None:
    """The typed parameter of ISF name ``name`` on ``cell`` (the template's base cell); ``None`` for names
    that change nothing (``many_params.<key>`` value holders, ``morphology.filename``).

    Raises:
        FittingError: unknown stage, region, mechanism or key.
    """
    stage, _, rest = name.partition(".")
    if stage == "ephys":
        parts = rest.split(".")
        if len(parts) != 3:
            raise FittingError(f"parameter {name!r}: expected ephys.<mech>.<region>.<param>")
        mech, region, key = parts
        if region not in EPHYS_REGIONS:
            raise FittingError(f"parameter {name!r}: region {region!r}; allowed are {', '.join(EPHYS_REGIONS)}")
        if mech == "none":
            key, _, mech = key.partition("_")  # g_pas → pas.g
        return _mechanism_parameter(name, cell, EPHYS_REGIONS[region], mech, key, bounds)
    if stage == "scale_apical" and rest == "scale":
        return ScaleApicalParameter(name, bounds=bounds)
    if stage == "hot_zone":
        if rest not in _HOT_ZONE_FIELDS:
            raise FittingError(f"parameter {name!r}: allowed are hot_zone.min_, hot_zone.max_, "
                               "hot_zone.outsidescale_sections")
        return HotZoneParameter(name, _HOT_ZONE_FIELDS[rest], bounds=bounds)
    if stage == "morphology" and rest == "filename":
        return None
    if stage == "params":
        return _path_parameter(name, rest.split("."), cell, bounds)
    if stage == "many_params":
        key, _, path = rest.partition(".")
        if not path:
            return None
        return LinkedParameter(name, f"many_params.{key}", _path_parameter(name, path.split("."), cell, bounds))
    raise FittingError(f"parameter {name!r}: unknown stage {stage!r}; allowed are {', '.join(PARAMETER_STAGES)}")
