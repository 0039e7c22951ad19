"""The synapse point processes the tuner knows: their weights, currents, conductances and parameters."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from isf.model.receptor import RECEPTOR_MECHANISMS


@attrs.frozen
class SynapseType:
    """What the tuner needs to know about one point process.

    Attributes:
        mechanism: NMODL POINT_PROCESS name.
        n_weights: number of NetCon weights (nS).
        currents: RANGE currents (nA, positive outward) summed into the synaptic current.
        conductances: RANGE conductances (nS) summed into the synaptic conductance.
        parameters: RANGE parameters a user may set.
        plasticity: names of its short-term plasticity parameters.
        stochastic: whether it has the ``stochastic``/``seed`` release switch.
    """

    mechanism: str
    n_weights: int
    currents: tuple[str, ...]
    conductances: tuple[str, ...]
    parameters: frozenset[str]
    plasticity: tuple[str, ...]
    stochastic: bool = False


_TM_COMMON = frozenset({"Use", "Dep", "Fac", "u0", "initW"})

#: Known synapse types: the project's Tsodyks–Markram synapses and the legacy ISF ones.
SYNAPSE_TYPES: Mapping[str, SynapseType] = {
    "tm_ampa_nmda": SynapseType(
        "tm_ampa_nmda",
        1,
        ("i",),
        ("g",),
        _TM_COMMON
        | {
            "tau_r_AMPA",
            "tau_d_AMPA",
            "tau_r_NMDA",
            "tau_d_NMDA",
            "NMDA_ratio",
            "e",
            "mg",
        },
        ("Use", "Dep", "Fac"),
        stochastic=True,
    ),
    "tm_gabaa": SynapseType(
        "tm_gabaa",
        1,
        ("i",),
        ("g",),
        _TM_COMMON | {"tau_r_GABAA", "tau_d_GABAA", "e_GABAA"},
        ("Use", "Dep", "Fac"),
        stochastic=True,
    ),
    "glutamate_syn": SynapseType(
        "glutamate_syn",
        RECEPTOR_MECHANISMS["glutamate_syn"][0],
        ("iampa", "inmda"),
        ("g_ampa", "g_nmda"),
        RECEPTOR_MECHANISMS["glutamate_syn"][1],
        (
            "decayampa",
            "decaynmda",
            "taudampa",
            "taudnmda",
            "facilampa",
            "facilnmda",
            "taufampa",
            "taufnmda",
        ),
    ),
    "gaba_syn": SynapseType(
        "gaba_syn",
        RECEPTOR_MECHANISMS["gaba_syn"][0],
        ("i",),
        ("g",),
        RECEPTOR_MECHANISMS["gaba_syn"][1],
        ("decaygaba", "taudgaba", "facilgaba", "taufgaba"),
    ),
}
