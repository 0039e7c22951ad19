"""Hay objectives: targets table, scoring rules, penalties and the combiner."""

from __future__ import annotations

import numpy as np
import pytest
from test_features import spikes_trace

from isf.fitting.objectives import (
    CHECK_FAILED_SCORE,
    COMBINED,
    Objective,
    combine,
    combined_names,
    evaluate_protocol,
    hay_objectives,
    objectives_table,
    trace_checks,
)
from isf.fitting.protocols import bac_protocol, bap_protocol, step_protocol
from isf.model.validation import ModelValueError


def test_targets_table() -> None:
    objs = hay_objectives()
    assert len(objs) == 41
    table = objectives_table()
    assert table.loc["bAP_att3", "std"] == 9.33 and table.loc["BAC_ISI", "mean"] == 9.901
    assert table.loc["mf3", "unit"] == "Hz" and table.loc["sAHPt2", "protocol"] == "StepTwo"
    members = [m for _, ms in COMBINED for m in ms]
    assert sorted(members) == sorted(o.name for o in objs)
    assert len(combined_names(steps=False)) == 5 and len(combined_names()) == 13


def test_objective_validation_and_normalization() -> None:
    o = Objective("x", "bAP", "AP_height", 25.0, 5.0)
    assert o.normalized([30.0, 15.0]) == pytest.approx((1.0 + 2.0) / 2)
    assert np.isnan(o.normalized([]))
    with pytest.raises(ModelValueError, match="std"):
        Objective("x", "bAP", "AP_height", 25.0, 0.0)
    with pytest.raises(ModelValueError, match="a feature name"):
        Objective("x", "bAP", "height", 25.0, 1.0)


def _bap_traces(spikes: list[float], att: float = 40.0) -> tuple[np.ndarray, list[np.ndarray]]:
    t, soma = spikes_trace(spikes, tstop=600.0, rest=-75.0, peak=30.0)
    apical = np.full_like(t, -75.0)
    apical[(t >= 296) & (t < 299)] = -75.0 + att
    return t, [soma, apical, apical.copy()]


def test_bap_scores_and_checks() -> None:
    t, v = _bap_traces([296.0])
    out = evaluate_protocol(bap_protocol(300, 500), t, v)
    assert out["bAP_spikecount.raw"] == 1 and out["bAP_spikecount"] == 0.0
    assert out["bAP_APheight.raw"].tolist() == [30.0]
    assert out["bAP_APheight"] == pytest.approx(1.0)
    assert out["bAP_att2.raw"] == pytest.approx(40.0) and out["bAP_att2"] == pytest.approx(0.5)
    assert out["bAP_att2.check_1_AP"] and out["bAP_att2.check_relative_height"]
    assert out["bAP.check_minspikenum"] and np.isnan(out["bAP.check_max_prestim_dendrite_depo"])
    # two somatic spikes: the attenuation checks fail -> 20; the spike count itself has no check
    t, v = _bap_traces([296.0, 298.5])
    out = evaluate_protocol(bap_protocol(300, 500), t, v)
    assert not out["bAP_att2.check_1_AP"] and out["bAP_att2"] == CHECK_FAILED_SCORE
    assert out["bAP_spikecount"] == pytest.approx(100.0)


def test_trace_level_failure_gives_err_and_big_scores_are_punished() -> None:
    t, v = _bap_traces([100.0, 296.0])  # a spike before the stimulus
    err, checks = trace_checks(bap_protocol(300, 500), t, v[0])
    assert not checks["check_no_spike_before_stimulus"] and checks["check_minspikenum"]
    window = (t >= 195) & (t <= 297.5)
    assert err == pytest.approx(max(75.0, 250 - 0.1 * np.var(v[0][window])))
    out = evaluate_protocol(bap_protocol(300, 500), t, v)
    assert out["bAP.err"] == pytest.approx(err)
    assert all(out[n] == pytest.approx(err) for n in ("bAP_APheight", "bAP_att2", "bAP_spikecount"))
    # no trace-level failure, but a score > 250 sigma -> 187.5
    t, v = _bap_traces([296.0], att=40.0)
    v[1][(t >= 296) & (t < 299)] = -75.0 + 45.0 + 9.33 * 300
    v[0][(t >= 296) & (t < 297)] = 5000.0
    out = evaluate_protocol(bap_protocol(300, 500), t, v)
    assert out["bAP_att2.normalized"] > 250 and out["bAP_att2"] == 187.5


def test_bac_two_spikes_shortens_the_ca_width_target() -> None:
    t, soma = spikes_trace([296.0, 306.0], tstop=600.0, rest=-75.0, peak=30.0)
    apical = np.full_like(t, -75.0)
    apical[(t >= 300) & (t < 330.43)] = -20.0
    apical[(t >= 320) & (t < 321)] = 0.0
    out = evaluate_protocol(bac_protocol(300, 300), t, [soma, apical])
    assert out["BAC_caSpike_width.raw"] == pytest.approx(30.43, abs=0.03)
    # mean 37.43 - 7 = 30.43
    assert out["BAC_caSpike_width.normalized"] == pytest.approx(0.0, abs=0.03)
    assert out["BAC_ISI.raw"] == pytest.approx(10.0)
    assert out["BAC_caSpike_height.check_ca_max_after_nth_somatic_spike"]


def test_step_without_spikes_fails_checks() -> None:
    t = np.arange(0.0, 3000.0, 0.025)
    out = evaluate_protocol(step_protocol("StepOne"), t, [np.full_like(t, -75.0)])
    assert not out["StepOne.check_minspikenum"]
    assert out["mf1"] == out["StepOne.err"] == 250.0 - 0.0  # flat trace: Var = 0
    assert not out["mf1.check_spikecount"]


def test_combine_takes_group_maxima() -> None:
    scores = {o.name: float(i) for i, o in enumerate(hay_objectives())}
    combined = combine(scores)
    assert combined["bAP"] == max(scores["bAP_att2"], scores["bAP_att3"])
    assert combined["step_AHP_depth"] == max(scores[f"{p}AHPd{k}"] for p in "fs" for k in (1, 2, 3))
    assert "DI3" not in dict(COMBINED)["step_doublet_ISI"] or combine(scores, include_di3=False)[
        "step_doublet_ISI"] == max(scores["DI1"], scores["DI2"])
    assert list(combine(scores, steps=False).index) == list(combined_names(steps=False))
