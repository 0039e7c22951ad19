"""Current-injection stimuli."""

from __future__ import annotations

from typing import Any, Union

import attrs

from isf.model.site import ApicalTrunk, Landmark, SectionSite, Site, Soma
from isf.model.validation import fail, finite, non_negative, positive, to_float

_SITES = (Soma, SectionSite, ApicalTrunk, Landmark)


def _check_site(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, _SITES):
        fail(instance, attribute, value, "one of " + ", ".join(c.__name__ for c in _SITES))


@attrs.frozen
class CurrentStep:
    """A rectangular current pulse (NEURON ``IClamp``).

    Attributes:
        amplitude_nA: current, nA (positive = depolarising).
        delay_ms: onset, ms.
        duration_ms: duration, ms.
        site: where it is injected (default soma centre).
    """

    amplitude_nA: float = attrs.field(converter=to_float, validator=finite)
    delay_ms: float = attrs.field(converter=to_float, validator=non_negative)
    duration_ms: float = attrs.field(converter=to_float, validator=non_negative)
    site: Site = attrs.field(factory=Soma, validator=_check_site)


@attrs.frozen
class EPSPCurrent:
    """An EPSP-shaped current (mechanism ``epsp``): a difference of exponentials peaking at ``imax_nA``.

    Attributes:
        imax_nA: peak current, nA (positive = depolarising).
        onset_ms: start, ms.
        tau0_ms: rise time constant, ms.
        tau1_ms: decay time constant, ms (must differ from ``tau0_ms``).
        site: where it is injected (ISF's BAC stimulus: ``ApicalTrunk(distance)``).
    """

    imax_nA: float = attrs.field(converter=to_float, validator=finite)
    onset_ms: float = attrs.field(converter=to_float, validator=non_negative)
    tau0_ms: float = attrs.field(default=0.2, converter=to_float, validator=positive)
    tau1_ms: float = attrs.field(default=3.0, converter=to_float, validator=positive)
    site: Site = attrs.field(factory=Soma, validator=_check_site)

    @tau1_ms.validator
    def _differs(self, attribute: attrs.Attribute[float], value: float) -> None:
        if value == self.tau0_ms:
            fail(self, attribute, value, f"a decay time constant different from tau0_ms = {self.tau0_ms}")


Stimulus = Union[CurrentStep, EPSPCurrent]
