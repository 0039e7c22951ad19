"""Network modifier blocks of legacy network parameter files (LEGACY_FORMATS §4.7) ⇄ typed values of
:mod:`isf.model.network_modifier`.

Two blocks inside ``network``, each ``{"<function>": {kwargs}}`` in application order:

* ``network_modify_functions`` (ISF applies them after wiring): ``silence_synapses_by_somadist``
  (``soma_dist_ranges``), ``silence_synapses_by_somadist_and_spike_source`` (``soma_dist_ranges``,
  ``spike_sources``);
* ``network_param_modify_functions`` (ISF's ``network_param_modify_functions`` module, which edits
  the parameter tree before a run; isf reads the calls from this block): ``change_ongoing_interval``
  (``factor``, ``pop``), ``set_stim_onset`` (``onset``), ``change_glutamate_syn_weights``
  (``g_optimal``: cell type → weight or ``{"AMPA", "NMDA"}``, ``pop``), ``change_evoked_INH_scaling``
  (``factor``, ``pop``), ``inactivate_evoked_activity_by_celltype_and_column`` and
  ``inactivate_evoked_and_ongoing_activity_by_celltype_and_column`` (``inact_celltypes``,
  ``inact_column``), ``multi_stimulus_trial`` (``inter_stimulus_interval``, ``stims``,
  ``scale_factors``, ``pop``).

Keys left out take ISF's defaults; the writer writes every argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from isf.dsl.param_format import ParamContext
from isf.errors import ModelValueError
from isf.model.network_modifier import (
    PARAMETER_MODIFIERS,
    WIRING_MODIFIERS,
    ChangeEvokedInhibitionScaling,
    ChangeGlutamateWeights,
    ChangeOngoingInterval,
    InactivateActivity,
    InactivateEvokedActivity,
    MultiStimulusTrial,
    SetStimulusOnset,
    SilenceBySomaDistance,
    SilenceBySomaDistanceAndSource,
)

__all__ = ["MODIFIER_BLOCKS", "MODIFIER_KEYS", "modifier_blocks", "read_modifiers"]

_NO_DEFAULT: Any = object()

#: Legacy function → (class, ((kwarg, field, default), ...)).
MODIFIER_KEYS: Mapping[str, tuple[type, tuple[tuple[str, str, Any], ...]]] = {
    "silence_synapses_by_somadist": (SilenceBySomaDistance, (("soma_dist_ranges", "ranges_um", _NO_DEFAULT),)),
    "silence_synapses_by_somadist_and_spike_source": (SilenceBySomaDistanceAndSource, (
        ("soma_dist_ranges", "ranges_um", _NO_DEFAULT), ("spike_sources", "sources", _NO_DEFAULT))),
    "change_ongoing_interval": (ChangeOngoingInterval, (("factor", "factor", 1.0),
                                                        ("pop", "cell_types", _NO_DEFAULT))),
    "set_stim_onset": (SetStimulusOnset, (("onset", "onset_ms", _NO_DEFAULT),)),
    "change_glutamate_syn_weights": (ChangeGlutamateWeights, (
        ("g_optimal", "weights_nS", _NO_DEFAULT),
        ("pop", "cell_types", attrs.fields(ChangeGlutamateWeights).cell_types.default))),
    "change_evoked_INH_scaling": (ChangeEvokedInhibitionScaling, (
        ("factor", "factor", _NO_DEFAULT),
        ("pop", "cell_types", attrs.fields(ChangeEvokedInhibitionScaling).cell_types.default))),
    "inactivate_evoked_activity_by_celltype_and_column": (InactivateEvokedActivity, (
        ("inact_celltypes", "cell_types", _NO_DEFAULT), ("inact_column", "columns", _NO_DEFAULT))),
    "inactivate_evoked_and_ongoing_activity_by_celltype_and_column": (InactivateActivity, (
        ("inact_celltypes", "cell_types", _NO_DEFAULT), ("inact_column", "columns", _NO_DEFAULT))),
    "multi_stimulus_trial": (MultiStimulusTrial, (
        ("inter_stimulus_interval", "interval_ms", 100.0), ("stims", "n_stimuli", 100),
        ("scale_factors", "scale_factors", None), ("pop", "cell_types", ()))),
}
#: Block name → the functions it may hold.
MODIFIER_BLOCKS: Mapping[str, tuple[str, ...]] = {
    "network_modify_functions": tuple(n for n, (c, _) in MODIFIER_KEYS.items() if c in WIRING_MODIFIERS),
    "network_param_modify_functions": tuple(n for n, (c, _) in MODIFIER_KEYS.items() if c in PARAMETER_MODIFIERS),
}
_NAME_OF = {cls: name for name, (cls, _) in MODIFIER_KEYS.items()}


def _weights(value: Any) -> Any:
    # ISF passes a pandas Series (one weight for AMPA and NMDA) or a frame with AMPA/NMDA columns
    if isinstance(value, Mapping):
        return {k: (v["AMPA"], v["NMDA"]) if isinstance(v, Mapping) else v for k, v in value.items()}
    return value


def read_modifiers(ctx: ParamContext, block: str, spec: Any) -> tuple[Any, ...]:
    """The typed modifiers of the block ``network.<block>`` (in dict order)."""
    path = f"network.{block}"
    allowed = MODIFIER_BLOCKS[block]
    out = []
    for name, kwargs in ctx.mapping(spec, path).items():
        fpath = f"{path}.{name}"
        if name not in allowed:
            raise ctx.error(fpath, f"unknown function {name!r}: allowed in {block} are {', '.join(allowed)}",
                            value=name, allowed=", ".join(allowed))
        kwargs = ctx.mapping(kwargs if kwargs is not None else {}, fpath)
        cls, keys = MODIFIER_KEYS[name]
        known = [k for k, _, _ in keys]
        unknown = [k for k in kwargs if k not in known]
        if unknown:
            raise ctx.error(f"{fpath}.{unknown[0]}", f"unknown argument {unknown[0]!r} of {name}: allowed are "
                            f"{', '.join(known)}", value=unknown[0], allowed=", ".join(known))
        values: dict[str, Any] = {}
        for key, field, default in keys:
            if key in kwargs:
                values[field] = _weights(kwargs[key]) if key == "g_optimal" else kwargs[key]
            elif default is _NO_DEFAULT:
                raise ctx.error(fpath, f"{name} needs argument {key!r} (needs: "
                                f"{', '.join(k for k, _, d in keys if d is _NO_DEFAULT)})")
        try:
            out.append(cls(**values))
        except (ModelValueError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise ctx.error(fpath, f"{name}: {exc}") from None
    return tuple(out)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def modifier_blocks(modifiers: tuple[Any, ...]) -> dict[str, dict[str, Any]]:
    """The legacy blocks of ``modifiers`` (only non-empty blocks; every argument written).

    Raises:
        ValueError: two modifiers of the same function (a legacy block holds each once).
    """
    blocks: dict[str, dict[str, Any]] = {}
    for modifier in modifiers:
        name = _NAME_OF[type(modifier)]
        block = "network_modify_functions" if isinstance(modifier, WIRING_MODIFIERS) else \
            "network_param_modify_functions"
        target = blocks.setdefault(block, {})
        if name in target:
            raise ValueError(f"two {name} modifiers: a legacy {block} block holds each function once")
        kwargs: dict[str, Any] = {}
        for key, field, _ in MODIFIER_KEYS[name][1]:
            value = getattr(modifier, field)
            if key == "g_optimal":
                value = {k: w[0] if w[0] == w[1] else {"AMPA": w[0], "NMDA": w[1]} for k, w in value.items()}
            kwargs[key] = _plain(value)
        target[name] = kwargs
    return blocks
