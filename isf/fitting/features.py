"""Electrophysiological features of the Hay et al. (2011) evaluation (LEGACY_FORMATS §8.3).

Pure numpy functions of a time vector ``t`` (ms) and voltage traces ``v`` (mV), defined as ISF's
evaluator computes them, quirks included (e.g. ``AP_width`` is the time above −30 mV, not a half
width). Traces are expected on ISF's uniform 0.025 ms grid (:func:`resample`).

**The Hay-feature crossing rule.** These features find spikes their own way, as the eFEL-style
evaluator of Hay et al. does, and their numbers depend on it: a crossing is *strictly above* the
threshold (up at ``i`` if ``v[i−1] ≤ θ < v[i]``), AP heights and widths come from up-crossings
*paired* with the following down-crossings (:func:`crossings`), and counts and spike times from
all up-crossings (:func:`up_crossings`, :func:`hay_spike_times`) at −30 mV. This is a legacy
feature rule, kept only for these features; everything else detects spikes with
:func:`isf.model.spikes.spike_times` (at or above the threshold).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

#: somatic spike threshold, mV
SPIKE_THRESHOLD_MV = -30.0
#: threshold of the apical Ca spike, mV
CA_THRESHOLD_MV = -55.0
#: ISF's evaluation grid, ms
GRID_DT_MS = 0.025


def resample(t: Array, v: Array, dt_ms: float = GRID_DT_MS) -> tuple[Array, Array]:
    """Linear interpolation onto ``0, dt, 2dt, … < max(t)`` (ISF's pre-processing; ``v`` may be 2-D, rows
    = traces)."""
    grid = np.arange(0.0, float(t[-1]), dt_ms)
    v = np.asarray(v, float)
    if v.ndim == 1:
        return grid, np.interp(grid, t, v)
    return grid, np.vstack([np.interp(grid, t, row) for row in v])


def crossings(v: Array, threshold: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Hay-feature rule: paired up- and down-crossings of ``threshold``: up at ``i`` if ``v[i−1] ≤ θ < v[i]``, down at ``i``
    if ``v[i−1] > θ ≥ v[i]``, downs only after the first up; pairs zipped (an unfinished last crossing is
    dropped from both)."""
    above = v > threshold
    up = np.flatnonzero(~above[:-1] & above[1:]) + 1
    down = np.flatnonzero(above[:-1] & ~above[1:]) + 1
    if up.size:
        down = down[down > up[0]]
    n = min(up.size, down.size)
    return up[:n], down[:n]


def up_crossings(v: Array, threshold: float) -> NDArray[np.int64]:
    """Hay-feature rule: every index ``i`` with ``v[i−1] ≤ threshold < v[i]`` (paired or not)."""
    above = v > threshold
    return np.flatnonzero(~above[:-1] & above[1:]) + 1


def hay_spike_times(t: Array, v: Array, threshold: float = SPIKE_THRESHOLD_MV) -> Array:
    """Hay-feature rule: times (ms) of the :func:`up_crossings` of ``threshold`` (mV, −30 by default),
    no interpolation."""
    return t[up_crossings(v, threshold)]


def voltage_base(t: Array, v: Array, onset_ms: float) -> float:
    """Mean of ``v`` from the first sample with ``t ≥ 0.5·onset`` to the first with ``t ≥ 0.75·onset``
    (inclusive), mV; ``v[0]`` if the window is not available."""
    i0 = np.searchsorted(t, 0.5 * onset_ms, side="left")
    i1 = np.searchsorted(t, 0.75 * onset_ms, side="left")
    if i1 >= t.size or i0 > i1:
        return float(v[0])
    return float(np.mean(v[i0:i1 + 1]))


def ap_heights(v: Array, threshold: float = SPIKE_THRESHOLD_MV) -> Array:
    """Peak (absolute, mV) of every paired crossing: ``max(v[up:down])``."""
    up, down = crossings(v, threshold)
    return np.array([v[a:b].max() for a, b in zip(up, down)])


def ap_widths(t: Array, v: Array, threshold: float = SPIKE_THRESHOLD_MV) -> Array:
    """Time above ``threshold`` of every paired crossing, ms (ISF's ``AP_width``)."""
    up, down = crossings(v, threshold)
    return t[down] - t[up]


def ahp_depths(v: Array, threshold: float = SPIKE_THRESHOLD_MV) -> Array:
    """``min(v[down_k : up_{k+1}])`` over consecutive spike pairs, mV."""
    up, down = crossings(v, threshold)
    return np.array([v[down[k]:up[k + 1]].min() for k in range(up.size - 1)])


def _first_event_after(t: Array, v: Array, threshold: float, after_ms: float) -> tuple[int, int] | None:
    up, down = crossings(v, threshold)
    keep = np.flatnonzero(t[up] >= after_ms)
    return (int(up[keep[0]]), int(down[keep[0]])) if keep.size else None


def bpap_amplitude(t: Array, v: Array, onset_ms: float = 295.0) -> float:
    """Back-propagating AP amplitude: base ``b = voltage_base(onset)``, threshold ``b + 2 mV``; peak of the
    first crossing at ``t ≥ onset`` minus ``b``, mV (NaN if there is none)."""
    base = voltage_base(t, v, onset_ms)
    event = _first_event_after(t, v, base + 2.0, onset_ms)
    return float(v[event[0]:event[1]].max() - base) if event else float("nan")


def bac_isi(t: Array, v: Array) -> float:
    """``((t1 − t0) + (t2 − t1))/2`` of the first three somatic spikes (``t2 − t1 := t1 − t0`` with two),
    ms; NaN with fewer than two."""
    s = hay_spike_times(t, v)
    if s.size < 2:
        return float("nan")
    second = s[2] - s[1] if s.size >= 3 else s[1] - s[0]
    return float(0.5 * ((s[1] - s[0]) + second))


def ca_spike_height(t: Array, v_apical: Array, onset_ms: float = 295.0) -> float:
    """Absolute peak of the first apical crossing of −55 mV at ``t ≥ onset``, mV (NaN if none)."""
    event = _first_event_after(t, v_apical, CA_THRESHOLD_MV, onset_ms)
    return float(v_apical[event[0]:event[1]].max()) if event else float("nan")


def ca_spike_width(t: Array, v_apical: Array) -> float:
    """Time above −55 mV of the first apical crossing, ms (NaN if none)."""
    up, down = crossings(v_apical, CA_THRESHOLD_MV)
    return float(t[down[0]] - t[up[0]]) if up.size else float("nan")


def mean_frequency(t: Array, v: Array, duration_ms: float = 2000.0) -> float:
    """``1000·(spikes in the whole trace)/duration``, Hz."""
    return 1000.0 * up_crossings(v, SPIKE_THRESHOLD_MV).size / duration_ms


def _adaptation_isis(t: Array, v: Array, stim_end_ms: float) -> Array:
    s = hay_spike_times(t, v)[1:]  # the first spike is dropped
    isi = np.diff(s)
    if s.size and stim_end_ms - s[-1] > 0 and (isi.size == 0 or stim_end_ms - s[-1] > isi[-1]):
        isi = np.append(isi, stim_end_ms - s[-1])
    return isi


def adaptation_index(t: Array, v: Array, stim_end_ms: float = 2700.0) -> float:
    """Mean of ``(ISI_{j+1} − ISI_j)/(ISI_{j+1} + ISI_j)`` over the ISIs of spikes 2…n (plus the time from the
    last spike to the stimulus end if longer than the last ISI); NaN with fewer than two ISIs."""
    isi = _adaptation_isis(t, v, stim_end_ms)
    if isi.size < 2:
        return float("nan")
    return float(np.mean(np.diff(isi) / (isi[1:] + isi[:-1])))


def isi_cv(t: Array, v: Array, stim_end_ms: float = 2700.0) -> float:
    """Coefficient of variation (std with ddof 1 / mean) of the ISIs of :func:`adaptation_index`."""
    isi = _adaptation_isis(t, v, stim_end_ms)
    if isi.size < 2:
        return float("nan")
    return float(np.std(isi, ddof=1) / np.mean(isi))


def doublet_isi(t: Array, v: Array) -> float:
    """First ISI, ms (NaN with fewer than two spikes)."""
    s = hay_spike_times(t, v)
    return float(s[1] - s[0]) if s.size >= 2 else float("nan")


def time_to_first_spike(t: Array, v: Array, onset_ms: float = 700.0) -> float:
    """First spike time minus the stimulus onset, ms (NaN without spikes)."""
    s = hay_spike_times(t, v)
    return float(s[0] - onset_ms) if s.size else float("nan")


def _ahp_windows(t: Array, v: Array) -> list[tuple[int, int, int]]:
    """(index of spike k, split index, index of spike k+1) for k ≥ 1; split at spike k+1 if the ISI ≤ 5 ms,
    else at the first sample with ``t ≥ t_k + 5``."""
    idx = up_crossings(v, SPIKE_THRESHOLD_MV)
    out = []
    for k in range(1, idx.size - 1):
        a, b = int(idx[k]), int(idx[k + 1])
        split = b if t[b] - t[a] <= 5.0 else int(np.searchsorted(t, t[a] + 5.0, side="left"))
        out.append((a, split, b))
    return out


def fast_ahp_depths(t: Array, v: Array) -> Array:
    """Per spike pair (k ≥ 1): ``min v`` from spike k to the split point (inclusive), mV."""
    return np.array([v[a:s + 1].min() for a, s, _ in _ahp_windows(t, v)])


def slow_ahp_depths(t: Array, v: Array) -> Array:
    """Per spike pair (k ≥ 1): ``min v`` from the split point to spike k+1 (inclusive), mV."""
    return np.array([v[s:b + 1].min() for _, s, b in _ahp_windows(t, v)])


def slow_ahp_times(t: Array, v: Array) -> Array:
    """Per spike pair (k ≥ 1): (time of the slow-AHP minimum − t_k)/(t_{k+1} − t_k)."""
    out = []
    for a, s, b in _ahp_windows(t, v):
        j = s + int(np.argmin(v[s:b + 1]))
        out.append((t[j] - t[a]) / (t[b] - t[a]))
    return np.array(out)
