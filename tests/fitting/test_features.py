"""Hay features on hand-made traces with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.fitting import features as ft

DT = 0.025


def spikes_trace(times_ms: list[float], tstop: float = 3000.0, rest: float = -70.0, width: float = 1.0,
                 peak: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Rectangular 'spikes' of ``width`` ms at ``peak`` mV on a flat baseline."""
    t = np.arange(0.0, tstop, DT)
    v = np.full_like(t, rest)
    for s in times_ms:
        v[(t >= s) & (t < s + width)] = peak
    return t, v


def test_resample_uses_the_legacy_grid() -> None:
    t = np.array([0.0, 0.1, 1.0])
    grid, v = ft.resample(t, np.array([0.0, 1.0, 10.0]))
    assert grid[0] == 0 and grid[-1] < 1.0 and np.allclose(np.diff(grid), 0.025)
    assert v[4] == pytest.approx(1.0)  # t = 0.1


def test_crossings_pairs_and_drops_unfinished() -> None:
    v = np.array([-70, -20, -20, -70, -20, -20], dtype=float)
    up, down = ft.crossings(v, -30.0)
    assert up.tolist() == [1] and down.tolist() == [3]
    assert ft.up_crossings(v, -30.0).tolist() == [1, 4]
    # equality with the threshold is "not above": v[i-1] <= θ < v[i]
    assert ft.up_crossings(np.array([-30.0, -29.0]), -30.0).tolist() == [1]
    assert ft.up_crossings(np.array([-31.0, -30.0]), -30.0).tolist() == []


def test_heights_widths_and_ahp() -> None:
    t, v = spikes_trace([100.0, 110.0, 125.0], tstop=200.0)
    v[(t > 102) & (t < 105)] = -80.0
    assert ft.ap_heights(v).tolist() == [20.0, 20.0, 20.0]
    assert np.allclose(ft.ap_widths(t, v), 1.0)
    assert ft.ahp_depths(v).tolist() == [-80.0, -70.0]


def test_voltage_base_window_is_inclusive() -> None:
    t = np.arange(0.0, 400.0, DT)
    v = np.where(t < 150.0, -70.0, -60.0)
    # window 147.5 … 221.25 ms
    expected = v[(t >= 147.5) & (t <= 221.25)].mean()
    assert ft.voltage_base(t, v, 295.0) == pytest.approx(expected)
    assert ft.voltage_base(t[:10], v[:10], 295.0) == v[0]


def test_bpap_amplitude_and_ca_spike() -> None:
    t = np.arange(0.0, 600.0, DT)
    v = np.full_like(t, -65.0)
    v[(t >= 296) & (t < 298)] = -20.0
    v[(t >= 302) & (t < 340)] = -30.0
    v[(t >= 310) & (t < 311)] = 5.0
    assert ft.bpap_amplitude(t, v) == pytest.approx(45.0)
    assert ft.ca_spike_height(t, v) == pytest.approx(-20.0)  # first crossing of -55 mV after 295 ms
    assert ft.ca_spike_width(t, v) == pytest.approx(2.0)
    assert np.isnan(ft.bpap_amplitude(t, np.full_like(t, -65.0)))


def test_bac_isi_with_two_and_three_spikes() -> None:
    t, v = spikes_trace([300.0, 310.0, 330.0], tstop=600.0)
    assert ft.bac_isi(t, v) == pytest.approx(15.0)
    t, v = spikes_trace([300.0, 310.0], tstop=600.0)
    assert ft.bac_isi(t, v) == pytest.approx(10.0)
    t, v = spikes_trace([300.0], tstop=600.0)
    assert np.isnan(ft.bac_isi(t, v))


def test_step_features_by_hand() -> None:
    spikes = [720.0, 740.0, 770.0, 810.0, 860.0, 920.0]
    t, v = spikes_trace(spikes)
    assert ft.mean_frequency(t, v) == pytest.approx(1000 * 6 / 2000)
    assert ft.doublet_isi(t, v) == pytest.approx(20.0)
    assert ft.time_to_first_spike(t, v) == pytest.approx(20.0)
    # first spike dropped: ISIs 30, 40, 50, 60, then 2700-920 = 1780 > 60 is appended
    isi = np.array([30.0, 40.0, 50.0, 60.0, 1780.0])
    assert ft.adaptation_index(t, v) == pytest.approx(np.mean(np.diff(isi) / (isi[1:] + isi[:-1])))
    assert ft.isi_cv(t, v) == pytest.approx(np.std(isi, ddof=1) / isi.mean())


def test_fast_and_slow_ahp() -> None:
    t, v = spikes_trace([700.0, 710.0, 720.0, 723.0], tstop=800.0)
    v[(t >= 712) & (t < 713)] = -75.0  # fast AHP after spike 1 (within 5 ms)
    v[(t >= 717) & (t < 718)] = -72.0  # slow AHP after spike 1
    fast, slow = ft.fast_ahp_depths(t, v), ft.slow_ahp_depths(t, v)
    assert fast.tolist() == [-75.0, -70.0]
    assert slow[0] == -72.0
    # spike 2 -> 3 has ISI 3 ms <= 5: both windows split at spike 3
    assert ft.slow_ahp_times(t, v)[0] == pytest.approx((717.0 - 710.0) / 10.0)


@given(st.lists(st.floats(1, 2900), min_size=0, max_size=30, unique=True))
def test_spike_count_matches_rectangular_spikes(times: list[float]) -> None:
    times = sorted(times)
    kept = [x for i, x in enumerate(times) if i == 0 or x - times[i - 1] > 2.0]
    t, v = spikes_trace([round(x / DT) * DT for x in kept])
    assert ft.hay_spike_times(t, v).size == len(kept)
