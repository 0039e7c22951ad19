"""The Hay et al. (2011) stimulus protocols as typed values (LEGACY_FORMATS §8.1–8.2).

Every protocol runs with CVode at 34 °C from −75 mV. Distances of recording and injection sites are
``D_soma0`` along the apical trunk located as ISF does (:class:`~isf.model.site.ApicalTrunk`); they are
morphology-specific "fixed parameters" (:class:`HayFixedParameters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from isf.errors import FittingError
from isf.model.recording import Recording
from isf.model.simulation import Simulation
from isf.model.site import ApicalTrunk, Soma
from isf.model.stimulus import CurrentStep, EPSPCurrent, Stimulus
from isf.model.validation import (
    finite,
    non_negative,
    non_negative_int,
    positive,
    to_float,
)

#: protocol names in ISF's evaluation order
PROTOCOL_NAMES: tuple[str, ...] = ("bAP", "BAC", "StepOne", "StepTwo", "StepThree")
STEP_AMPLITUDES_NA: dict[str, float] = {"StepOne": 0.619, "StepTwo": 0.793, "StepThree": 1.507}


def _section_ids(value: str | Iterable[int | str]) -> tuple[int, ...]:
    """Section IDs from a sequence or from ISF's space-separated string (``"12 13 40"``)."""
    return tuple(int(x) for x in (value.split() if isinstance(value, str) else value))


@attrs.frozen
class HayFixedParameters:
    """Morphology-specific inputs of the Hay protocols (µm of ``D_soma0``; hot zone in µm of ``D_root``).

    Attributes:
        bap_rec_site1_um: first apical recording site of the bAP protocol (``bAP.hay_measure.recSite1``).
        bap_rec_site2_um: second one (``recSite2``).
        bac_dist_um: where the BAC ``epsp`` is injected (``BAC.stim.dist``).
        bac_rec_site_um: apical recording site of the BAC protocol (``BAC.hay_measure.recSite``).
        hot_zone_min_um, hot_zone_max_um: the apical Ca hot zone (``hot_zone.min_``/``max_``).
        outsidescale_sections: apical section IDs kept outside the hot zone.
    """

    bap_rec_site1_um: float = attrs.field(converter=to_float, validator=non_negative)
    bap_rec_site2_um: float = attrs.field(converter=to_float, validator=non_negative)
    bac_dist_um: float = attrs.field(converter=to_float, validator=non_negative)
    bac_rec_site_um: float = attrs.field(converter=to_float, validator=non_negative)
    hot_zone_min_um: float = attrs.field(converter=to_float, validator=finite)
    hot_zone_max_um: float = attrs.field(converter=to_float, validator=finite)
    outsidescale_sections: tuple[int, ...] = attrs.field(default=(), converter=_section_ids)

    def __attrs_post_init__(self) -> None:
        if self.hot_zone_max_um < self.hot_zone_min_um:
            raise FittingError(f"HayFixedParameters: hot_zone_max_um = {self.hot_zone_max_um} must be >= "
                                  f"hot_zone_min_um = {self.hot_zone_min_um}")
        if any(i < 0 for i in self.outsidescale_sections):
            raise FittingError("HayFixedParameters.outsidescale_sections: section IDs must be >= 0")

    def as_params(self) -> dict[str, Any]:
        """ISF's fixed-parameter names and values."""
        return {
            "BAC.hay_measure.recSite": self.bac_rec_site_um, "BAC.stim.dist": self.bac_dist_um,
            "bAP.hay_measure.recSite1": self.bap_rec_site1_um, "bAP.hay_measure.recSite2": self.bap_rec_site2_um,
            "hot_zone.min_": self.hot_zone_min_um, "hot_zone.max_": self.hot_zone_max_um,
            "hot_zone.outsidescale_sections": list(self.outsidescale_sections),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> HayFixedParameters:
        """From ISF's fixed-parameter names (as in :meth:`as_params`)."""
        try:
            return cls(params["bAP.hay_measure.recSite1"], params["bAP.hay_measure.recSite2"],
                       params["BAC.stim.dist"], params["BAC.hay_measure.recSite"], params["hot_zone.min_"],
                       params["hot_zone.max_"], params.get("hot_zone.outsidescale_sections", ()))
        except KeyError as exc:
            raise FittingError(f"fixed parameters lack {exc.args[0]!r}") from None


def morphology89_fixed_parameters() -> HayFixedParameters:
    """The fixed parameters of ISF's morphology-89 set-up (``reference/hay_89`` README)."""
    d = 294.8203371921156
    return HayFixedParameters(d, d + 180.0, d, d, d + 90.0, d + 290.0,
                              (23, 24, 25, 26, 27, 28, 29, 31, 32, 33, 34, 35, 37, 38, 40, 42, 43, 44, 46, 48,
                               50, 51, 52, 54, 56, 58, 60))


@attrs.frozen
class Protocol:
    """One Hay stimulus protocol.

    Attributes:
        name: ``bAP``, ``BAC``, ``StepOne``, ``StepTwo`` or ``StepThree`` (or a user name).
        stimuli: what is injected.
        recordings: voltage recordings, soma first (the order of ISF's ``vList``).
        tstop_ms: run length, ms.
        onset_ms, duration_ms: the stimulus window the trace-level checks use, ms.
        min_spikes: ``check_minspikenum`` threshold (somatic spikes).
    """

    name: str
    stimuli: tuple[Stimulus, ...] = attrs.field(converter=tuple[Stimulus, ...])
    recordings: tuple[Recording, ...] = attrs.field(converter=tuple[Recording, ...])
    tstop_ms: float = attrs.field(converter=to_float, validator=positive)
    onset_ms: float = attrs.field(converter=to_float, validator=non_negative)
    duration_ms: float = attrs.field(converter=to_float, validator=positive)
    min_spikes: int = attrs.field(validator=non_negative_int)

    @property
    def simulation(self) -> Simulation:
        """ISF's run settings: CVode, dt 0.025 ms, −75 mV, 34 °C."""
        return Simulation(self.tstop_ms, dt_ms=0.025, v_init_mV=-75.0, celsius_degC=34.0, cvode=True)


def bap_protocol(rec_site1_um: float, rec_site2_um: float) -> Protocol:
    """bAP: 1.9 nA for 5 ms at 295 ms into the soma; soma and two apical recordings; 600 ms."""
    return Protocol("bAP", (CurrentStep(1.9, 295.0, 5.0),),
                    (Recording(Soma()), Recording(ApicalTrunk(rec_site1_um)), Recording(ApicalTrunk(rec_site2_um))),
                    600.0, 295.0, 5.0, 1)


def bac_protocol(dist_um: float, rec_site_um: float) -> Protocol:
    """BAC: the bAP pulse plus an ``epsp`` (0.5 nA, onset 300 ms, τ 1/5 ms) at ``dist_um``; 600 ms."""
    return Protocol("BAC", (CurrentStep(1.9, 295.0, 5.0), EPSPCurrent(0.5, 300.0, 1.0, 5.0, ApicalTrunk(dist_um))),
                    (Recording(Soma()), Recording(ApicalTrunk(rec_site_um))), 600.0, 295.0, 45.0, 2)


def step_protocol(name: str) -> Protocol:
    """StepOne/Two/Three: 0.619/0.793/1.507 nA from 700 ms for 2000 ms into the soma; 3000 ms."""
    if name not in STEP_AMPLITUDES_NA:
        raise FittingError(f"step protocol {name!r}: allowed are {', '.join(STEP_AMPLITUDES_NA)}")
    return Protocol(name, (CurrentStep(STEP_AMPLITUDES_NA[name], 700.0, 2000.0),), (Recording(Soma()),),
                    3000.0, 700.0, 2000.0, 5)


def hay_protocols(fixed: HayFixedParameters, steps: bool = True) -> dict[str, Protocol]:
    """The five Hay protocols (three without ``steps``) keyed by name, in evaluation order."""
    out = {"bAP": bap_protocol(fixed.bap_rec_site1_um, fixed.bap_rec_site2_um),
           "BAC": bac_protocol(fixed.bac_dist_um, fixed.bac_rec_site_um)}
    if steps:
        out.update({n: step_protocol(n) for n in STEP_AMPLITUDES_NA})
    return out
