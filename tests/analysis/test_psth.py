"""PSTH, spike probability and mean rate over trials (``isf.analysis.psth``), exact numbers."""

from __future__ import annotations

import numpy as np
import pytest

from isf.analysis.psth import mean_rate_hz, psth, spike_probability

TRIALS = [np.array([1.0, 2.5, 9.0]), np.array([2.2]), np.zeros(0)]


def test_edges_and_counts_per_trial() -> None:
    edges, values = psth(TRIALS, bin_ms=1.0, t_start_ms=0.0, t_stop_ms=3.0)
    assert edges.tolist() == [0.0, 1.0, 2.0, 3.0]
    # 1.0 falls in [1, 2); 2.5 and 2.2 in [2, 3]; 9.0 is outside; three trials, one of them silent
    assert values.tolist() == pytest.approx([0.0, 1 / 3, 2 / 3])


def test_last_bin_is_closed_and_bins_start_at_t_start() -> None:
    edges, values = psth([np.array([5.0, 10.0, 20.0])], bin_ms=5.0, t_start_ms=5.0, t_stop_ms=20.0)
    assert edges.tolist() == [5.0, 10.0, 15.0, 20.0]
    assert values.tolist() == [1.0, 1.0, 1.0]  # 20.0 = t_stop is in the last bin


def test_rate_is_hz() -> None:
    edges, counts = psth(TRIALS, bin_ms=2.0, t_start_ms=0.0, t_stop_ms=10.0)
    _, rate = psth(TRIALS, bin_ms=2.0, t_start_ms=0.0, t_stop_ms=10.0, rate=True)
    assert edges.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert counts.tolist() == pytest.approx([1 / 3, 2 / 3, 0.0, 0.0, 1 / 3])
    # events per trial per bin / bin width in s: 1/3 event in 2 ms = 166.7 Hz
    assert rate.tolist() == pytest.approx([1000 / 6, 1000 / 3, 0.0, 0.0, 1000 / 6])
    # the mean rate over the whole range equals the trial-averaged count / duration
    assert rate.mean() == pytest.approx(mean_rate_hz(TRIALS, 0.0, 10.0 + 1e-9), rel=1e-6)


def test_default_stop_is_the_latest_event() -> None:
    edges, values = psth([np.array([1.0, 4.0]), np.array([2.0])], bin_ms=1.0)
    assert edges.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert values.tolist() == [0.0, 0.5, 0.5, 0.5]


def test_partial_last_bin_keeps_every_event() -> None:
    edges, values = psth([np.array([1.0, 9.5])], bin_ms=3.0)
    assert edges[-1] >= 9.5
    assert values.sum() == 2.0


def test_no_trials_and_bad_bins() -> None:
    edges, values = psth([], bin_ms=2.0, t_start_ms=10.0)
    assert edges.tolist() == [10.0, 12.0] and values.tolist() == [0.0]
    with pytest.raises(ValueError, match="bin_ms"):
        psth(TRIALS, bin_ms=0.0)


def test_spike_probability_half_open_window() -> None:
    assert spike_probability(TRIALS, 2.0, 3.0) == pytest.approx(2 / 3)
    assert spike_probability(TRIALS, 0.0, 1.0) == 0.0   # 1.0 is not in [0, 1)
    assert spike_probability(TRIALS, 1.0, 1.5) == pytest.approx(1 / 3)
    assert spike_probability(TRIALS, 0.0, 100.0) == pytest.approx(2 / 3)  # the silent trial never spikes
    assert np.isnan(spike_probability([], 0.0, 1.0))


def test_mean_rate_hz() -> None:
    # 4 spikes in [0, 10) over 3 trials: 4/3 spikes per 10 ms = 133.3 Hz
    assert mean_rate_hz(TRIALS, 0.0, 10.0) == pytest.approx(4 / 3 / 0.010)
    assert mean_rate_hz(TRIALS, 2.0, 3.0) == pytest.approx(2 / 3 / 0.001)
    assert mean_rate_hz([np.zeros(0)], 0.0, 1000.0) == 0.0
    assert np.isnan(mean_rate_hz(TRIALS, 5.0, 5.0)) and np.isnan(mean_rate_hz([], 0.0, 1.0))
