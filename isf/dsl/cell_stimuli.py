"""Stimulus-type ``cell_modify_functions`` of legacy cell parameter files (LEGACY_FORMATS §3.8) ⇄
typed stimuli of :mod:`isf.model.stimulus`.

=============================  =========================================================================
legacy function (kwargs)        typed value
=============================  =========================================================================
``soma_current_injection``      ``CurrentStep(amplitude, delay, duration, Soma())``
(amplitude, delay, duration)
``apical_current_injection``    ``CurrentStep(amplitude, delay, duration, ApicalTrunk(dist))``
(+ dist)
``apical_epsp_injection``       ``EPSPCurrent(amplitude, delay, rise, decay, ApicalTrunk(dist))``
(dist, amplitude, delay,        (rise 1 ms and decay 5 ms by default, as ISF's function)
rise=1, decay=5)
``BAC_injection`` (dist=970)    Hay's BAC stimulus (§8.1): ``CurrentStep(1.9, 295, 5, Soma())`` and
                                ``EPSPCurrent(0.5, 300, 1, 5, ApicalTrunk(dist))``
``synaptic_input``              :class:`~isf.model.stimulus.SynapticInput` (files kept as written)
(network_param,
synapse_activation_file, tStop)
=============================  =========================================================================

Amplitudes in nA, times in ms, ``dist`` in µm from soma(0) (``D_soma0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isf.dsl.param_format import ParamContext
from isf.errors import ModelValueError
from isf.model.site import ApicalTrunk, Soma
from isf.model.stimulus import CurrentStep, EPSPCurrent, SynapticInput

__all__ = ["BAC_DEFAULT_DIST_UM", "STIMULUS_FUNCTIONS", "bac_stimuli", "read_stimulus", "stimulus_functions"]

#: ISF's default ``dist`` of ``BAC_injection``, µm.
BAC_DEFAULT_DIST_UM = 970.0
#: Stimulus-type functions and their arguments (required first, then optional with default).
STIMULUS_FUNCTIONS: Mapping[str, tuple[tuple[str, ...], Mapping[str, float]]] = {
    "soma_current_injection": (("amplitude", "delay", "duration"), {}),
    "apical_current_injection": (("amplitude", "delay", "duration", "dist"), {}),
    "apical_epsp_injection": (("dist", "amplitude", "delay"), {"rise": 1.0, "decay": 5.0}),
    "BAC_injection": ((), {"dist": BAC_DEFAULT_DIST_UM}),
    "synaptic_input": (("network_param", "synapse_activation_file", "tStop"), {}),
}


def bac_stimuli(dist_um: float) -> tuple[CurrentStep, EPSPCurrent]:
    """Hay's BAC stimulus: the bAP pulse at the soma and an EPSP-shaped current at the trunk."""
    return (CurrentStep(1.9, 295.0, 5.0, Soma()), EPSPCurrent(0.5, 300.0, 1.0, 5.0, ApicalTrunk(dist_um)))


def read_stimulus(ctx: ParamContext, name: str, kwargs: Mapping[str, Any], path: str) -> tuple[Any, ...]:
    """The typed stimuli of one stimulus-type function call."""
    required, optional = STIMULUS_FUNCTIONS[name]
    allowed = (*required, *optional)
    unknown = [k for k in kwargs if k not in allowed]
    if unknown:
        raise ctx.error(f"{path}.{unknown[0]}", f"unknown argument {unknown[0]!r} of {name}: allowed are "
                        f"{', '.join(allowed)}", value=unknown[0], allowed=", ".join(allowed))
    for key in required:
        if key not in kwargs:
            raise ctx.error(path, f"{name} needs argument {key!r} (needs: {', '.join(required)})")
    if name == "synaptic_input":
        files = [kwargs[k] for k in ("network_param", "synapse_activation_file")]
        for key, value in zip(("network_param", "synapse_activation_file"), files):
            ctx.file_name(value, f"{path}.{key}")
        values: dict[str, Any] = {"tStop": ctx.number(kwargs["tStop"], f"{path}.tStop")}
    else:
        values = {k: ctx.number(kwargs[k], f"{path}.{k}") if k in kwargs else optional[k] for k in allowed}
    try:
        if name == "soma_current_injection":
            return (CurrentStep(values["amplitude"], values["delay"], values["duration"], Soma()),)
        if name == "apical_current_injection":
            return (CurrentStep(values["amplitude"], values["delay"], values["duration"],
                                ApicalTrunk(values["dist"])),)
        if name == "apical_epsp_injection":
            return (EPSPCurrent(values["amplitude"], values["delay"], values["rise"], values["decay"],
                                ApicalTrunk(values["dist"])),)
        if name == "BAC_injection":
            return bac_stimuli(values["dist"])
        return (SynapticInput(files[0], files[1], values["tStop"]),)
    except ModelValueError as exc:
        raise ctx.error(path, str(exc)) from None


def stimulus_functions(stimuli: tuple[Any, ...], synaptic: tuple[SynapticInput, ...]) -> dict[str, dict[str, Any]]:
    """The legacy ``cell_modify_functions`` entries of ``stimuli`` (the BAC pair becomes ``BAC_injection``)
    and ``synaptic``.

    Raises:
        ValueError: a stimulus a legacy file cannot express (other sites, two of one kind).
    """
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, kwargs: dict[str, Any]) -> None:
        if name in out:
            raise ValueError(f"two {name} stimuli: a legacy cell_modify_functions block holds each function once")
        out[name] = kwargs

    i = 0
    while i < len(stimuli):
        s = stimuli[i]
        nxt = stimuli[i + 1] if i + 1 < len(stimuli) else None
        if isinstance(nxt, EPSPCurrent) and isinstance(nxt.site, ApicalTrunk) and \
                (s, nxt) == bac_stimuli(nxt.site.distance_um):
            put("BAC_injection", {"dist": nxt.site.distance_um})
            i += 2
            continue
        if isinstance(s, CurrentStep) and s.site == Soma():
            put("soma_current_injection", {"amplitude": s.amplitude_nA, "delay": s.delay_ms,
                                           "duration": s.duration_ms})
        elif isinstance(s, CurrentStep) and isinstance(s.site, ApicalTrunk):
            put("apical_current_injection", {"amplitude": s.amplitude_nA, "delay": s.delay_ms,
                                             "duration": s.duration_ms, "dist": s.site.distance_um})
        elif isinstance(s, EPSPCurrent) and isinstance(s.site, ApicalTrunk):
            put("apical_epsp_injection", {"dist": s.site.distance_um, "amplitude": s.imax_nA, "delay": s.onset_ms,
                                          "rise": s.tau0_ms, "decay": s.tau1_ms})
        else:
            raise ValueError(f"{s!r}: legacy cell files express current steps at the soma centre or the apical "
                             "trunk and EPSP currents at the apical trunk only")
        i += 1
    for syn in synaptic:
        put("synaptic_input", {"network_param": syn.network_param,
                               "synapse_activation_file": syn.synapse_activation_file, "tStop": syn.tstop_ms})
    return out
