"""Fitting parameters as typed values that apply themselves to a :class:`~isf.model.cell.Cell`.

Each parameter names one quantity of a cell model (in the style of BluePyOpt's ``NrnRangeParameter``: a
RANGE parameter over a region, with an optional distribution) and knows how to set it:
``parameter.apply(cell, value)`` returns a new cell (``attrs.evolve``; the input is unchanged). A fitted
parameter vector is applied by folding the parameters over a base cell
(:meth:`isf.fitting.template.CellTemplate.cell`).

* :class:`RangeParameter` — the nominal value ḡ of a mechanism's RANGE parameter in one region
  (S/cm² for conductances, ms for ``decay``, a fraction for ``gamma`` …); the mechanism's distribution
  spreads it over the region's segments.
* :class:`DistributionParameter` — a field of a mechanism's distribution (``Linear.slope`` …).
* :class:`HotZoneParameter` — one field of the apical Ca hot zone (``UniformRange`` of ``Ca_LVAst`` and
  ``Ca_HVA``): its begin or end (µm of ``D_root``) or the sections kept outside it.
* :class:`RegionProperty` — a passive property of a region (``Ra`` Ω·cm, ``cm`` µF/cm², an ion's
  reversal potential, mV).
* :class:`ScaleApicalParameter` — the diameter factor of the :class:`~isf.model.modifier.ScaleApical`
  modifier (unitless).
* :class:`LinkedParameter` — another parameter set to the value of a shared name (ISF ``many_params``).

Every parameter also lists its *targets*: the slots of a cell it sets, so that a template can tell
which of its unset values a vector leaves unset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Union

import attrs

from isf.errors import FittingError
from isf.model.cell import Cell
from isf.model.distribution import Distribution, UniformRange
from isf.model.mechanism import Mechanism
from isf.model.modifier import ScaleApical
from isf.model.region import Region
from isf.model.validation import ModelValueError

#: a slot of a cell a parameter sets: ``(region, "mechanism", mechanism, key)``, ``(region, field)``,
#: ``(region, field, key)`` or ``("modifier", class name, field)``
Target = tuple[str, ...]
#: closed range ``(lower, upper)`` of a fitted parameter, in its units
Bounds = tuple[float, float]
#: the Ca channels of ISF's apical hot zone
HOT_ZONE_MECHANISMS: tuple[str, ...] = ("Ca_LVAst", "Ca_HVA")
#: the fields of the hot zone's ``UniformRange`` a :class:`HotZoneParameter` sets
HotZoneField = Literal["begin_um", "end_um", "outside_sections"]
#: the fields of a :class:`~isf.model.region.Region` a :class:`RegionProperty` sets
RegionField = Literal["ra_ohm_cm", "cm_uF_per_cm2", "ions", "other_properties"]


def _check_bounds(instance: Any, attribute: attrs.Attribute[Any], value: Bounds | None) -> None:
    if value is None:
        return
    if len(value) != 2 or not float(value[0]) <= float(value[1]):
        raise FittingError(f"{type(instance).__name__}.bounds = {value!r}: expected (lower, upper) with lower <= upper")


def _to_bounds(value: Sequence[float] | None) -> Bounds | None:
    return None if value is None else tuple(float(v) for v in value)  # type: ignore[return-value]


def section_ids(value: Any, name: str) -> tuple[int, ...]:
    """Section IDs given as a sequence of integers or a blank-separated string (``"23 24 25"``)."""
    if isinstance(value, str):
        value = value.split()
    try:
        ids = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise FittingError(f"parameter {name!r}: expected section IDs, found {value!r}") from None
    return ids


def _field_value(field: str, value: Any, name: str) -> Any:
    # outside_sections is the one field of a distribution that holds section IDs, not a number
    return section_ids(value, name) if field == "outside_sections" else float(value)


def _with_mechanisms(cell: Cell, name: str, region: str, mechanisms: Sequence[str],
                     change: Callable[[Mechanism], Mechanism]) -> Cell:
    """``cell`` with ``change`` applied to each of ``mechanisms`` of ``region``."""
    old = cell.regions.get(region)
    if old is None:
        raise FittingError(f"parameter {name!r}: the cell has no region {region!r} "
                           f"(has: {', '.join(cell.regions)})")
    mechs = list(old.mechanisms)
    position = {m.name: i for i, m in enumerate(mechs)}
    try:
        for mech in mechanisms:
            if mech not in position:
                raise FittingError(f"parameter {name!r}: region {region!r} has no mechanism {mech!r} "
                                   f"(has: {', '.join(position)})")
            mechs[position[mech]] = change(mechs[position[mech]])
        new = attrs.evolve(old, mechanisms=tuple(mechs))
    except (ModelValueError, TypeError) as exc:
        raise FittingError(f"parameter {name!r}: {exc}") from None
    return attrs.evolve(cell, regions={**cell.regions, region: new})


def _with_distribution_field(cell: Cell, name: str, region: str, mechanisms: Sequence[str], field: str,
                             value: Any, kind: type | None = None) -> Cell:
    converted = _field_value(field, value, name)

    def change(mech: Mechanism) -> Mechanism:
        if kind is not None and not isinstance(mech.distribution, kind):
            raise FittingError(f"parameter {name!r}: {region} {mech.name} is distributed "
                               f"{type(mech.distribution).__name__}, not {kind.__name__}")
        if field not in attrs.fields_dict(type(mech.distribution)):
            raise FittingError(f"parameter {name!r}: the {type(mech.distribution).__name__} distribution of "
                               f"{region} {mech.name} has no field {field!r}")
        return attrs.evolve(mech, distribution=attrs.evolve(mech.distribution, **{field: converted}))

    return _with_mechanisms(cell, name, region, mechanisms, change)


@attrs.frozen
class RangeParameter:
    """The nominal value ḡ of a mechanism's RANGE parameter in one region.

    Attributes:
        name: the parameter's name in a vector (ISF naming, e.g. ``ephys.NaTa_t.soma.gNaTa_tbar``).
        region: canonical region label (``soma``, ``ais``, ``dend``, ``apic`` …).
        mechanism: NMODL SUFFIX (``NaTa_t``; ``pas`` for the leak).
        parameter: RANGE parameter without suffix (``gNaTa_tbar``, ``g``, ``decay``), in the mod file's units.
        bounds: fitted range ``(lower, upper)`` in those units, or ``None``.
        distribution: if given, the mechanism takes this distribution (all its parameters share one);
            ``None`` keeps the cell's.
    """

    name: str
    region: str
    mechanism: str
    parameter: str
    bounds: Bounds | None = attrs.field(default=None, converter=_to_bounds, validator=_check_bounds)
    distribution: Distribution | None = None

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slot this parameter sets."""
        return ((self.region, "mechanism", self.mechanism, self.parameter),)

    def apply(self, cell: Cell, value: float) -> Cell:
        """``cell`` with the parameter set to ``value``."""
        number = float(value)

        def change(mech: Mechanism) -> Mechanism:
            distribution = mech.distribution if self.distribution is None else self.distribution
            return attrs.evolve(mech, parameters={**mech.parameters, self.parameter: number},
                                distribution=distribution)

        return _with_mechanisms(cell, self.name, self.region, (self.mechanism,), change)


@attrs.frozen
class DistributionParameter:
    """A field of a mechanism's distribution in one region (e.g. ``slope`` of the apical ``SKv3_1``).

    Attributes:
        name: the parameter's name in a vector (``ephys.SKv3_1.apic.slope``).
        region: canonical region label.
        mechanism: NMODL SUFFIX.
        field: field of the distribution class (``slope``, ``offset``, ``rate``, ``begin_um`` …; units as
            documented there).
        bounds: fitted range, or ``None``.
    """

    name: str
    region: str
    mechanism: str
    field: str
    bounds: Bounds | None = attrs.field(default=None, converter=_to_bounds, validator=_check_bounds)

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slot this parameter sets."""
        return ((self.region, "mechanism", self.mechanism, self.field),)

    def apply(self, cell: Cell, value: Any) -> Cell:
        """``cell`` with the distribution field set to ``value`` (section IDs for ``outside_sections``)."""
        return _with_distribution_field(cell, self.name, self.region, (self.mechanism,), self.field, value)


@attrs.frozen
class HotZoneParameter:
    """One field of the apical Ca hot zone (Hay et al. 2011): the same ``UniformRange`` field of each
    hot-zone mechanism.

    Attributes:
        name: ``hot_zone.min_``, ``hot_zone.max_`` or ``hot_zone.outsidescale_sections`` (ISF naming).
        field: ``begin_um`` / ``end_um`` (µm of ``D_root``) or ``outside_sections`` (section IDs).
        mechanisms: the hot-zone channels (``Ca_LVAst``, ``Ca_HVA``).
        region: canonical region label of the hot zone.
        bounds: fitted range, µm, or ``None``.
    """

    name: str
    field: HotZoneField = attrs.field(
        validator=attrs.validators.in_(("begin_um", "end_um", "outside_sections")))
    mechanisms: tuple[str, ...] = attrs.field(default=HOT_ZONE_MECHANISMS, converter=tuple)
    region: str = "apic"
    bounds: Bounds | None = attrs.field(default=None, converter=_to_bounds, validator=_check_bounds)

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slots this parameter sets (one per mechanism)."""
        return tuple((self.region, "mechanism", m, self.field) for m in self.mechanisms)

    def apply(self, cell: Cell, value: Any) -> Cell:
        """``cell`` with the hot-zone field of every mechanism set to ``value``."""
        return _with_distribution_field(cell, self.name, self.region, self.mechanisms, self.field, value,
                                        kind=UniformRange)


@attrs.frozen
class RegionProperty:
    """A passive property of a region.

    Attributes:
        name: the parameter's name in a vector (e.g. ``params.Soma.properties.cm``).
        region: canonical region label.
        field: ``ra_ohm_cm`` (Ω·cm), ``cm_uF_per_cm2`` (µF/cm²), ``ions`` (reversal potential, mV) or
            ``other_properties`` (a section variable set verbatim).
        key: the ion variable (``ek``) or section variable for ``ions`` / ``other_properties``.
        bounds: fitted range, or ``None``.
    """

    name: str
    region: str
    field: RegionField = attrs.field(
        validator=attrs.validators.in_(("ra_ohm_cm", "cm_uF_per_cm2", "ions", "other_properties")))
    key: str | None = None
    bounds: Bounds | None = attrs.field(default=None, converter=_to_bounds, validator=_check_bounds)

    def __attrs_post_init__(self) -> None:
        if (self.key is None) != (self.field in ("ra_ohm_cm", "cm_uF_per_cm2")):
            raise FittingError(f"RegionProperty {self.name!r}: field {self.field!r} "
                               f"{'needs' if self.key is None else 'takes no'} key")

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slot this parameter sets."""
        return ((self.region, self.field) if self.key is None else (self.region, self.field, self.key),)

    def apply(self, cell: Cell, value: float) -> Cell:
        """``cell`` with the property set to ``value``."""
        old = cell.regions.get(self.region)
        if old is None:
            raise FittingError(f"parameter {self.name!r}: the cell has no region {self.region!r} "
                               f"(has: {', '.join(cell.regions)})")
        number = float(value)
        change: dict[str, Any] = ({self.field: number} if self.key is None
                                  else {self.field: {**getattr(old, self.field), self.key: number}})
        try:
            new: Region = attrs.evolve(old, **change)
        except ModelValueError as exc:
            raise FittingError(f"parameter {self.name!r}: {exc}") from None
        return attrs.evolve(cell, regions={**cell.regions, self.region: new})


@attrs.frozen
class ScaleApicalParameter:
    """The diameter factor of the :class:`~isf.model.modifier.ScaleApical` modifier (unitless, > 0);
    replaces the cell's ``ScaleApical`` modifier in place, or appends one.

    Attributes:
        name: ``scale_apical.scale`` (ISF naming).
        compartment: ``apic`` (all apical sections) or ``trunk``.
        bounds: fitted range, or ``None``.
    """

    name: str = "scale_apical.scale"
    compartment: Literal["apic", "trunk"] = "apic"
    bounds: Bounds | None = attrs.field(default=None, converter=_to_bounds, validator=_check_bounds)

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slot this parameter sets."""
        return (("modifier", ScaleApical.__name__, "scale"),)

    def apply(self, cell: Cell, value: float) -> Cell:
        """``cell`` with ``ScaleApical(value)``."""
        try:
            modifier = ScaleApical(float(value), self.compartment)
        except ModelValueError as exc:
            raise FittingError(f"parameter {self.name!r}: {exc}") from None
        mods = list(cell.modifiers)
        at = next((i for i, m in enumerate(mods) if isinstance(m, ScaleApical)), None)
        if at is None:
            mods.append(modifier)
        else:
            mods[at] = modifier
        return attrs.evolve(cell, modifiers=tuple(mods))


@attrs.frozen
class LinkedParameter:
    """``target`` set to the value of the shared name ``source`` (ISF ``many_params.<key>.<path>``: one
    value applied to several places); the linked name's own value is not used.

    Attributes:
        name: the linked name (``many_params.x.Dendrite.properties.Ra``).
        source: the name whose value is applied (``many_params.x``).
        target: the parameter that receives it.
    """

    name: str
    source: str
    target: AppliedParameter

    @property
    def targets(self) -> tuple[Target, ...]:
        """The slots the target sets."""
        return self.target.targets

    @property
    def bounds(self) -> Bounds | None:
        """The target's bounds."""
        return self.target.bounds

    def apply(self, cell: Cell, value: Any) -> Cell:
        """``cell`` with the target set to ``value`` (the value of :attr:`source`)."""
        return self.target.apply(cell, value)


#: a parameter that sets one quantity itself
AppliedParameter = Union[RangeParameter, DistributionParameter, HotZoneParameter, RegionProperty, ScaleApicalParameter]
#: every typed fitting parameter
CellParameter = Union[AppliedParameter, LinkedParameter]
