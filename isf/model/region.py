"""Passive and active properties shared by all sections of one label."""

from __future__ import annotations

from typing import Any

import attrs

from isf.model.mechanism import Mechanism
from isf.model.validation import (
    fail,
    finite_mapping,
    optional_positive,
    positive,
    to_float,
    to_float_dict,
    to_optional_float,
    to_tuple,
    unique_items,
)


@attrs.frozen
class Spines:
    """ISF spine correction: membrane area of spines folded into ``cm`` and ``g_pas``.

    Attributes:
        density_per_um: spines per µm of dendrite.
        area_um2: membrane area of one spine, µm².
    """

    density_per_um: float = attrs.field(converter=to_float, validator=positive)
    area_um2: float = attrs.field(converter=to_float, validator=positive)


def _check_ions(instance: Any, attribute: attrs.Attribute[Any], value: dict[str, float]) -> None:
    finite_mapping(instance, attribute, value)
    for key in value:
        if not key.isidentifier():
            fail(instance, attribute, key, "ion variable names such as 'ek', 'ena', 'eca'")


@attrs.frozen
class Region:
    """Properties of all sections with one label.

    Attributes:
        ra_ohm_cm: axial resistivity Ra, Ω·cm (``None`` keeps NEURON's 35.4).
        cm_uF_per_cm2: specific membrane capacitance, µF/cm² (``None`` keeps NEURON's 1).
        ions: section-level ion variables, e.g. ``{"ek": -85.0, "ena": 50.0}`` (mV);
            an inserted mechanism must use each ion.
        mechanisms: density mechanisms, inserted in this order.
        other_properties: any further section variable set verbatim (``sec.<name> = value``).
        spines: optional spine area correction (needs ``pas`` among the mechanisms).
    """

    ra_ohm_cm: float | None = attrs.field(default=None, converter=to_optional_float, validator=optional_positive)
    cm_uF_per_cm2: float | None = attrs.field(default=None, converter=to_optional_float, validator=optional_positive)
    ions: dict[str, float] = attrs.field(factory=dict, converter=to_float_dict, validator=_check_ions)
    mechanisms: tuple[Mechanism, ...] = attrs.field(
        default=(), converter=to_tuple,
        validator=unique_items(Mechanism, lambda m: m.name, "names: each mechanism at most once per region"))
    other_properties: dict[str, float] = attrs.field(factory=dict, converter=to_float_dict, validator=finite_mapping)
    spines: Spines | None = None

    def mechanism(self, name: str) -> Mechanism:
        """The inserted mechanism called ``name``."""
        for mech in self.mechanisms:
            if mech.name == name:
                return mech
        raise KeyError(f"no mechanism {name!r} in this region (has: {', '.join(m.name for m in self.mechanisms)})")

    def with_mechanism(self, mechanism: Mechanism) -> Region:
        """A copy with ``mechanism`` inserted, replacing one of the same name in place."""
        mechs = list(self.mechanisms)
        for i, mech in enumerate(mechs):
            if mech.name == mechanism.name:
                mechs[i] = mechanism
                break
        else:
            mechs.append(mechanism)
        return attrs.evolve(self, mechanisms=tuple(mechs))
