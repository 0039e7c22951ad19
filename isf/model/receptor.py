"""Postsynaptic receptors: which point process a release activates, with what weights and parameters.

Parameter names are those of the legacy network files and mechanisms
(``glutamate_syn``: ``tau1``–``tau4``, ``decayampa`` …; ``gaba_syn``:
``risetime``, ``decaytime``, ``e`` …), so legacy values apply unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from isf.model.validation import fail, finite, finite_mapping, identifier, non_negative, one_of, to_float, to_float_dict

#: Known receptor mechanisms: number of NetCon weights and the RANGE parameters they accept.
RECEPTOR_MECHANISMS: Mapping[str, tuple[int, frozenset[str]]] = {
    "glutamate_syn": (2, frozenset({"tau1", "tau2", "tau3", "tau4", "e", "decayampa", "decaynmda", "taudampa",
                                    "taudnmda", "facilampa", "facilnmda", "taufampa", "taufnmda"})),
    "gaba_syn": (1, frozenset({"e", "risetime", "decaytime", "decaygaba", "taudgaba", "facilgaba", "taufgaba"})),
    "ProbAMPANMDA2": (1, frozenset({"tau_r_AMPA", "tau_d_AMPA", "tau_r_NMDA", "tau_d_NMDA", "Use", "Dep", "Fac", "e",
                                    "gmax", "u0", "mg"})),
    "ProbUDFsyn2": (1, frozenset({"tau_r", "tau_d", "Use", "Dep", "Fac", "e", "gmax", "u0"})),
}

#: Receptors that decide release themselves (stochastic Tsodyks–Markram, LEGACY_FORMATS §6.4), used
#: with ``releaseProb: "dynamic"``; isf's own mechanisms of those names (``mechanisms/prob_*.mod``).
DYNAMIC_RELEASE_MECHANISMS: tuple[str, ...] = ("ProbAMPANMDA2", "ProbUDFsyn2")


def _weights(value: Any) -> tuple[float, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value),)
    return tuple(float(v) for v in value)


def _check_weights(instance: Receptor, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
    if not value:
        fail(instance, attribute, value, "at least one weight (nS)")
    for w in value:
        non_negative(instance, attribute, w)
    known = RECEPTOR_MECHANISMS.get(instance.mechanism)
    if known and len(value) != known[0]:
        fail(instance, attribute, value, f"{known[0]} weight(s) for {instance.mechanism} (nS)")


def _check_parameters(instance: Receptor, attribute: attrs.Attribute[Any], value: dict[str, float]) -> None:
    finite_mapping(instance, attribute, value)
    known = RECEPTOR_MECHANISMS.get(instance.mechanism)
    if known:
        unknown = sorted(set(value) - known[1])
        if unknown:
            fail(instance, attribute, unknown, f"parameters of {instance.mechanism}: {', '.join(sorted(known[1]))}")


@attrs.frozen
class Receptor:
    """A receptor point process activated by every release at a synapse.

    Attributes:
        mechanism: NMODL point process (``glutamate_syn``, ``gaba_syn`` …).
        weights_nS: NetCon weights, nS (glutamate: AMPA, NMDA peak conductances; GABA: one).
        parameters: RANGE parameters of the point process (legacy names), in its units (ms, mV).
        delay_ms: NetCon delay between release and conductance onset, ms.
        threshold: NetCon threshold (irrelevant for spike-time sources; kept for legacy files).
        weight_distribution: ``None`` (fixed weights) or ``"lognormal"`` (per synapse and weight,
            mean = nominal, SD = nominal², as ISF draws them).
    """

    mechanism: str = attrs.field(validator=identifier)
    weights_nS: tuple[float, ...] = attrs.field(converter=_weights, validator=_check_weights)
    parameters: dict[str, float] = attrs.field(factory=dict, converter=to_float_dict, validator=_check_parameters)
    delay_ms: float = attrs.field(default=0.0, converter=to_float, validator=non_negative)
    threshold: float = attrs.field(default=0.0, converter=to_float, validator=finite)
    weight_distribution: str | None = attrs.field(default=None, validator=attrs.validators.optional(one_of(("lognormal",))))


def glutamate(weight_ampa_nS: float, weight_nmda_nS: float, **parameters: float) -> Receptor:
    """A ``glutamate_syn`` receptor (AMPA + NMDA; legacy parameter names, e.g. ``tau1=26``)."""
    return Receptor("glutamate_syn", (weight_ampa_nS, weight_nmda_nS), parameters)


def gaba(weight_nS: float, **parameters: float) -> Receptor:
    """A ``gaba_syn`` receptor (legacy parameter names, e.g. ``decaytime=20``, ``e=-80``)."""
    return Receptor("gaba_syn", (weight_nS,), parameters)
