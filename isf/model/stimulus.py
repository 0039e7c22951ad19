"""Current-injection stimuli, and the legacy ``synaptic_input`` cell modifier kept as a value."""

from __future__ import annotations

from typing import Any, ClassVar, Union

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


def _non_empty(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        fail(instance, attribute, value, "a non-empty file name")


@attrs.frozen
class SynapticInput:
    """Legacy ``synaptic_input`` cell modifier (ISF marks it experimental): build the network of a
    network parameter file on the cell and replay a synapse-activation file (LEGACY_FORMATS §4.10).
    Kept as written; it is not a current injection, so an :class:`~isf.model.experiment.Experiment`
    gets it as its network: :func:`isf.backends.synaptic_input.run_synaptic_input` runs a cell parameter
    file with it (``synaptic_input_experiment`` gives the experiment and its input).

    Attributes:
        network_param: the network ``.param`` file, as written.
        synapse_activation_file: the synapse-activation ``.csv`` to replay, as written.
        tstop_ms: run length, ms.
    """

    legacy_name: ClassVar[str] = "synaptic_input"
    network_param: str = attrs.field(validator=_non_empty)
    synapse_activation_file: str = attrs.field(validator=_non_empty)
    tstop_ms: float = attrs.field(converter=to_float, validator=positive)
