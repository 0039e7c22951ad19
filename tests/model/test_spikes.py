"""The spike detector: first sample at or above the threshold after one below, no interpolation."""

from __future__ import annotations

import numpy as np

from isf.model.result import Result
from isf.model.spikes import spike_times


def test_upward_crossings_at_or_above_the_threshold() -> None:
    t = np.arange(8.0) * 0.5
    v = np.array([10.0, -60.0, 0.0, 20.0, -5.0, -1.0, 5.0, -70.0])
    # t=0 starts above (not a crossing); 0.0 counts as reaching 0 mV; each onset is a sample time
    assert spike_times(t, v, 0.0).tolist() == [1.0, 3.0]
    assert spike_times(t, v, -2.0).tolist() == [1.0, 2.5]
    assert spike_times(t, v, 50.0).size == 0
    assert spike_times(t[:1], v[:1], 0.0).size == 0


def test_result_uses_the_same_detector() -> None:
    t = np.arange(8.0) * 0.5
    v = np.array([10.0, -60.0, 0.0, 20.0, -5.0, -1.0, 5.0, -70.0])
    result = Result(t, {"soma": v})
    assert np.array_equal(result.spike_times(), spike_times(t, v, 0.0))
    assert np.array_equal(result.spike_times("soma", -2.0), spike_times(t, v, -2.0))
