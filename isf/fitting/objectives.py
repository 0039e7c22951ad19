"""Hay et al. (2011) objectives: features, checks, σ-normalised scores, penalties and the combiner
(LEGACY_FORMATS §8.3–8.5).

The evaluation of one protocol returns ISF's keys: ``<obj>.raw``, ``<obj>.normalized``,
``<obj>.check_<name>``, ``<obj>`` (final score in σ), ``<protocol>.err`` and ``<protocol>.check_<name>``.

Final score of an objective (ISF's rules):

1. ``normalized = mean(|raw − μ|/σ)`` over the elements of ``raw``;
2. any of its own checks false (NaN counts as true) → 20;
3. any trace-level check of its protocol false → ``err = max(75, 250 − 0.1·Var(v_soma))`` over
   ``onset − 100 ≤ t ≤ onset + duration/2``; else a score above 250 → 187.5.

Deviation (documented): ISF leaves a NaN score when a feature cannot be computed but all checks pass; isf
scores it 20 like a failed check so that optimisers can rank the model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from importlib import resources
from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.fitting import features as ft
from isf.errors import FittingError
from isf.fitting.protocols import Protocol
from isf.model.validation import fail, finite, positive, to_float

Array = NDArray[np.float64]
CHECK_FAILED_SCORE = 20.0
PUNISH_LEVEL = 250.0
PUNISHED_SCORE = 0.75 * PUNISH_LEVEL
STEP_INDEX = {"StepOne": 1, "StepTwo": 2, "StepThree": 3}


@attrs.frozen
class Feature:
    """A measured quantity of a protocol's traces.

    Attributes:
        name: ISF's (eFEL-style) feature name, e.g. ``AP_height``.
        unit: unit of the raw value (``mV``, ``ms``, ``Hz``, ``1``).
        description: how it is computed.
    """

    name: str
    unit: str
    description: str


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("Spikecount", "1", "number of somatic up-crossings of −30 mV"),
    Feature("AP_height", "mV", "per spike, the absolute peak between up- and down-crossing of −30 mV"),
    Feature("AP_width", "ms", "per spike, time above −30 mV (not a half width)"),
    Feature("BPAPatt2", "mV", "bAP amplitude at the first apical site above voltage_base(295 ms)"),
    Feature("BPAPatt3", "mV", "bAP amplitude at the second apical site above voltage_base(295 ms)"),
    Feature("AHP_depth_abs", "mV", "per consecutive spike pair, the minimum between them"),
    Feature("BAC_ISI", "ms", "mean of the first two ISIs (first ISI twice with two spikes)"),
    Feature("BAC_caSpike_height", "mV", "absolute peak of the first apical crossing of −55 mV after 295 ms"),
    Feature("BAC_caSpike_width", "ms", "time above −55 mV of the first apical crossing"),
    Feature("mean_frequency2", "Hz", "spikes in the trace per 2000 ms step"),
    Feature("adaptation_index2", "1", "mean normalised ISI difference, first spike dropped"),
    Feature("ISI_CV", "1", "ISI coefficient of variation, first spike dropped"),
    Feature("doublet_ISI", "ms", "first ISI"),
    Feature("time_to_first_spike", "ms", "first spike time minus 700 ms"),
    Feature("AHP_depth_abs_fast", "mV", "per spike pair k ≥ 1, minimum within 5 ms after spike k"),
    Feature("AHP_depth_abs_slow", "mV", "per spike pair k ≥ 1, minimum from 5 ms after spike k to spike k+1"),
    Feature("AHP_slow_time", "1", "per spike pair k ≥ 1, time of the slow minimum as a fraction of the ISI"),
)}


@attrs.frozen
class Objective:
    """An empirical target: a feature of a protocol with its experimental mean and SD.

    Attributes:
        name: ISF's objective name (``bAP_APheight``, ``mf1`` …).
        protocol: protocol it is measured on.
        feature: :class:`Feature` name.
        mean: experimental mean (feature unit).
        std: experimental SD (feature unit, > 0).
    """

    name: str
    protocol: str
    feature: str = attrs.field()
    mean: float = attrs.field(converter=to_float, validator=finite)
    std: float = attrs.field(converter=to_float, validator=positive)

    @feature.validator
    def _known(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in FEATURES:
            fail(self, attribute, value, "a feature name: " + ", ".join(FEATURES))

    def normalized(self, raw: Any, mean: float | None = None) -> float:
        """``mean(|raw − μ|/σ)`` over the elements of ``raw`` (NaN if empty); ``mean`` overrides μ."""
        values = np.atleast_1d(np.asarray(raw, dtype=float))
        if values.size == 0:
            return float("nan")
        mu = self.mean if mean is None else mean
        return float(np.mean(np.abs(values - mu) / self.std))


@functools.cache
def hay_objectives() -> tuple[Objective, ...]:
    """The 41 Hay et al. (2011) objectives with their empirical means and SDs (package data)."""
    text = resources.files("isf.fitting").joinpath("hay_2011_targets.csv").read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out = []
    for line in lines[1:]:
        name, protocol, feature, mean, std = line.split(",")
        out.append(Objective(name, protocol, feature, float(mean), float(std)))
    return tuple(out)


def objectives_table(objectives: Sequence[Objective] | None = None) -> pd.DataFrame:
    """The targets as a table (index = objective; columns protocol, feature, unit, mean, std)."""
    objs = hay_objectives() if objectives is None else objectives
    return pd.DataFrame(
        [(o.protocol, o.feature, FEATURES[o.feature].unit, o.mean, o.std) for o in objs],
        index=pd.Index([o.name for o in objs], name="objective"),
        columns=["protocol", "feature", "unit", "mean", "std"])


#: combined objectives (each = max of its members), ISF's order
COMBINED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bAP_somatic_spike", ("bAP_APwidth", "bAP_APheight", "bAP_spikecount")),
    ("bAP", ("bAP_att2", "bAP_att3")),
    ("BAC_somatic", ("BAC_ahpdepth", "BAC_APheight", "BAC_ISI")),
    ("BAC_caSpike", ("BAC_caSpike_height", "BAC_caSpike_width")),
    ("BAC_spikecount", ("BAC_spikecount",)),
    ("step_mean_frequency", ("mf1", "mf2", "mf3")),
    ("step_AI_ISIcv", ("AI1", "AI2", "ISIcv1", "ISIcv2", "AI3", "ISIcv3")),
    ("step_doublet_ISI", ("DI1", "DI2", "DI3")),
    ("step_AP_height", ("APh1", "APh2", "APh3")),
    ("step_time_to_first_spike", ("TTFS1", "TTFS2", "TTFS3")),
    ("step_AHP_depth", ("fAHPd1", "fAHPd2", "fAHPd3", "sAHPd1", "sAHPd2", "sAHPd3")),
    ("step_AHP_slow_time", ("sAHPt1", "sAHPt2", "sAHPt3")),
    ("step_AP_width", ("APw1", "APw2", "APw3")),
)


def combined_names(steps: bool = True, include_di3: bool = True,
                   available: Collection[str] | None = None) -> tuple[str, ...]:
    """Names of the combined objectives (5 without, 13 with the step protocols); with ``available``, only
    the groups whose members are all available (e.g. the objectives of a set-up's protocols)."""
    return tuple(n for n, _ in _groups(steps, include_di3, available))


def _groups(steps: bool, include_di3: bool, available: Collection[str] | None = None
            ) -> list[tuple[str, tuple[str, ...]]]:
    groups = list(COMBINED if steps else COMBINED[:5])
    if not include_di3:
        groups = [(n, tuple(m for m in ms if m != "DI3")) for n, ms in groups]
    if available is not None:
        have = set(available)
        groups = [(n, ms) for n, ms in groups if set(ms) <= have]
    return groups


def combine(evaluation: Mapping[str, Any] | pd.Series, steps: bool = True, include_di3: bool = True,
            available: Collection[str] | None = None) -> pd.Series:
    """Combined objectives: the max final score of each group (ISF's ``get_Combiner``), in σ; ``available``
    as in :func:`combined_names`."""
    return pd.Series({name: max(float(evaluation[m]) for m in members)
                      for name, members in _groups(steps, include_di3, available)}, dtype=float)


# --- features and checks per protocol -------------------------------------------------------------

Measured = dict[str, tuple[Any, dict[str, Any]]]


def _bap(t: Array, v: Sequence[Array]) -> Measured:
    soma, rec1, rec2 = v
    n = ft.up_crossings(soma, ft.SPIKE_THRESHOLD_MV).size
    soma_amp = ft.bpap_amplitude(t, soma)
    att2, att3 = ft.bpap_amplitude(t, rec1), ft.bpap_amplitude(t, rec2)
    # ISF's "≥ 1 AP" check tests the length of a (ups, downs) tuple, so it is always true
    return {
        "bAP_spikecount": (n, {}),
        "bAP_APheight": (ft.ap_heights(soma), {"check_1AP": True}),
        "bAP_APwidth": (ft.ap_widths(t, soma), {"check_1AP": True}),
        "bAP_att2": (att2, {"check_1_AP": n == 1, "check_relative_height": bool(soma_amp / att2 > 1)}),
        "bAP_att3": (att3, {"check_1_AP": n == 1, "check_relative_height": bool(soma_amp / att3 > 1)}),
    }


def _bac(t: Array, v: Sequence[Array]) -> Measured:
    soma, apical = v
    spikes = ft.hay_spike_times(t, soma)
    n = spikes.size
    n_ca = ft.up_crossings(apical, ft.CA_THRESHOLD_MV).size
    i340 = min(int(np.searchsorted(t, 340.0, side="left")), t.size - 1)
    ca_max_t = float(t[int(np.argmax(apical))])
    one_ca = n_ca == 1
    return {
        "BAC_ahpdepth": (ft.ahp_depths(soma), {"check_2AP": n >= 2}),
        "BAC_APheight": (ft.ap_heights(soma), {"check_1AP": True}),
        "BAC_ISI": (ft.bac_isi(t, soma), {"check_2_or_3_APs": n in (2, 3),
                                          "check_repolarization": bool(soma[i340] < -55.0)}),
        "BAC_caSpike_height": (ft.ca_spike_height(t, apical), {
            "check_1_Ca_AP": one_ca, "check_>=2_Na_AP": n >= 2,
            "check_ca_max_after_nth_somatic_spike": bool(n >= 2 and ca_max_t >= spikes[1])}),
        "BAC_caSpike_width": (ft.ca_spike_width(t, apical), {"check_1_Ca_AP": one_ca}),
        "BAC_spikecount": (n, {}),
    }


def _step(t: Array, v: Sequence[Array], k: int) -> Measured:
    soma = v[0]
    n = ft.up_crossings(soma, ft.SPIKE_THRESHOLD_MV).size
    spiking = {"check_spikecount": n > 0}
    two = {"check_2AP": n >= 2}
    return {
        f"mf{k}": (ft.mean_frequency(t, soma), spiking),
        f"AI{k}": (ft.adaptation_index(t, soma), spiking),
        f"ISIcv{k}": (ft.isi_cv(t, soma), spiking),
        f"DI{k}": (ft.doublet_isi(t, soma), spiking),
        f"TTFS{k}": (ft.time_to_first_spike(t, soma), spiking),
        f"APh{k}": (ft.ap_heights(soma), {"check_1AP": True}),
        f"fAHPd{k}": (ft.fast_ahp_depths(t, soma), two),
        f"sAHPd{k}": (ft.slow_ahp_depths(t, soma), two),
        f"sAHPt{k}": (ft.slow_ahp_times(t, soma), two),
        f"APw{k}": (ft.ap_widths(t, soma), {"check_1AP": True}),
    }


def measure(protocol: str, t: Array, v: Sequence[Array]) -> Measured:
    """Raw feature values and objective checks of one protocol's traces (soma first), keyed by objective."""
    if protocol == "bAP":
        return _bap(t, v)
    if protocol == "BAC":
        return _bac(t, v)
    if protocol in STEP_INDEX:
        return _step(t, v, STEP_INDEX[protocol])
    raise FittingError(f"no Hay features for protocol {protocol!r}; known: bAP, BAC, {', '.join(STEP_INDEX)}")


def trace_checks(protocol: Protocol, t: Array, soma: Array) -> tuple[float, dict[str, Any]]:
    """``(err, checks)``: the penalty score and ISF's trace-level checks of the somatic trace."""
    onset, duration = protocol.onset_ms, protocol.duration_ms
    spikes = ft.hay_spike_times(t, soma)
    checks: dict[str, Any] = {
        "check_minspikenum": bool(spikes.size >= protocol.min_spikes),
        "check_returning_to_rest": bool(soma[-1] < ft.voltage_base(t, soma, onset) + 2.0),
        "check_no_spike_before_stimulus": bool(spikes.size == 0 or spikes[0] >= onset),
        "check_last_spike_before_deadline": bool(spikes.size == 0 or spikes[-1] <= onset + 1.05 * duration),
        "check_max_prestim_dendrite_depo": float("nan"),
    }
    window = (t >= onset - 100.0) & (t <= onset + duration / 2.0)
    err = max(75.0, PUNISH_LEVEL - 0.1 * float(np.var(soma[window])))
    return err, checks


def _truthy(value: Any) -> bool:
    return bool(value) or (isinstance(value, float) and np.isnan(value))


def evaluate_protocol(protocol: Protocol, t: Array, v: Sequence[Array],
                      objectives: Sequence[Objective] | None = None) -> dict[str, Any]:
    """ISF's evaluation keys of one protocol from its traces (any sampling; resampled to 0.025 ms)."""
    grid, vv = ft.resample(t, np.vstack(v))
    rows = list(vv)
    measured = measure(protocol.name, grid, rows)
    err, trace = trace_checks(protocol, grid, rows[0])
    trace_ok = all(_truthy(c) for c in trace.values())
    objs = {o.name: o for o in (hay_objectives() if objectives is None else objectives)}
    n_spikes = ft.up_crossings(rows[0], ft.SPIKE_THRESHOLD_MV).size
    out: dict[str, Any] = {}
    for name, (raw, checks) in measured.items():
        if name not in objs:
            continue
        objective = objs[name]
        # ISF: with exactly two somatic spikes the Ca-spike width target is 7 ms shorter
        mean = objective.mean - 7.0 if name == "BAC_caSpike_width" and n_spikes == 2 else None
        normalized = objective.normalized(raw, mean)
        score = normalized if all(_truthy(c) for c in checks.values()) else CHECK_FAILED_SCORE
        if np.isnan(score):
            score = CHECK_FAILED_SCORE
        if not trace_ok:
            score = err
        elif score > PUNISH_LEVEL:
            score = PUNISHED_SCORE
        out[f"{name}.raw"] = raw
        out[f"{name}.normalized"] = normalized
        out.update({f"{name}.{c}": value for c, value in checks.items()})
        out[name] = score
    out[f"{protocol.name}.err"] = err
    out.update({f"{protocol.name}.{c}": value for c, value in trace.items()})
    return out


def protocol_objectives(protocol: str, objectives: Sequence[Objective] | None = None) -> tuple[str, ...]:
    """Names of the objectives measured on ``protocol``."""
    return tuple(o.name for o in (hay_objectives() if objectives is None else objectives) if o.protocol == protocol)


def final_scores(evaluation: Mapping[str, Any] | pd.Series, names: Sequence[str]) -> dict[str, float]:
    """The final scores (σ) of ``names`` from an evaluation."""
    return {n: float(evaluation[n]) for n in names}


ProtocolEvaluator = Callable[[Protocol, Array, Sequence[Array]], dict[str, Any]]
