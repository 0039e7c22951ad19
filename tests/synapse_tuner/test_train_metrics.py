"""Per-pulse amplitudes and the plasticity metrics (definitions checked by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.synapse_tuner.train import pulse_amplitudes, train_metrics


def test_metrics_follow_their_definitions() -> None:
    amps = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 2.0, 2.5, 3.0, 3.5]
    m = train_metrics(amps, 8)
    n90 = float(np.percentile(amps, 90))
    assert m.normaliser == pytest.approx(n90)
    assert m.ppr == pytest.approx((2.0 - 1.0) / n90)
    assert m.simple_ppr == pytest.approx(2.0)
    assert m.induction == pytest.approx((np.mean([6.0, 7.0, 8.0]) - 1.0) / n90)
    assert m.recovery == pytest.approx((np.mean([2.0, 2.5, 3.0, 3.5]) - np.mean([1.0, 2.0, 3.0, 4.0])) / n90)
    assert m.as_dict().keys() == {"ppr", "simple_ppr", "induction", "recovery"}


@given(st.lists(st.floats(0.01, 100.0), min_size=12, max_size=12), st.floats(0.01, 1000.0))
def test_metrics_are_scale_free(amps: list[float], scale: float) -> None:
    a = train_metrics(amps, 8).as_dict()
    b = train_metrics([x * scale for x in amps], 8).as_dict()
    for k in a:
        assert b[k] == pytest.approx(a[k], rel=1e-9, abs=1e-12)


def test_signs_are_ignored_and_recovery_needs_recovery_pulses() -> None:
    m = train_metrics([-1.0, -0.5], 2)
    assert m.simple_ppr == pytest.approx(0.5)
    assert math.isnan(m.recovery)
    with pytest.raises(ValueError, match="n_pulses"):
        train_metrics([1.0, 2.0, 3.0], 1)
    with pytest.raises(ValueError, match="recovery"):
        train_metrics([1.0] * 7, 3)


def test_pulse_amplitudes_of_a_synthetic_train() -> None:
    t = np.arange(0.0, 400.0, 0.01)
    spikes = np.array([50.0, 100.0, 150.0, 300.0])
    heights = np.array([1.0, 0.6, 0.4, 0.9])
    y = np.full_like(t, -70.0)
    tp = 0.2 * 2.0 / 1.8 * math.log(10.0)
    norm = math.exp(-tp / 2.0) - math.exp(-tp / 0.2)
    for s, a in zip(spikes, heights):
        x = np.maximum(t - s, 0.0)
        y -= a * (np.exp(-x / 2.0) - np.exp(-x / 0.2)) / norm
    amps, peaks, baseline, sign = pulse_amplitudes(t, y, spikes, interval_ms=50.0)
    assert sign == -1 and baseline == pytest.approx(-70.0)
    assert np.allclose(amps, heights, rtol=2e-3)
    assert np.all((peaks > spikes) & (peaks < spikes + 2.0))
    with pytest.raises(ValueError, match="increasing"):
        pulse_amplitudes(t, y, spikes[::-1])


def test_a_failed_first_pulse_does_not_flip_the_sign() -> None:
    t = np.arange(0.0, 200.0, 0.05)
    spikes = np.array([20.0, 70.0, 120.0])
    y = np.zeros_like(t)
    for s in spikes[1:]:  # the first release failed
        x = np.maximum(t - s, 0.0)
        y -= np.exp(-x / 2.0) - np.exp(-x / 0.2)
    amps, _, _, sign = pulse_amplitudes(t, y, spikes)
    assert sign == -1 and amps[0] == 0.0 and np.all(amps[1:] > 0.5)
