"""Spike detection on voltage traces."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def spike_times(t_ms: NDArray[np.float64], v_mV: NDArray[np.float64], threshold_mV: float = 0.0) -> NDArray[np.float64]:
    """Times (ms) of upward crossings of ``threshold_mV``: the first sample at or above the threshold
    after a sample below it (no interpolation, like ISF's spike detection)."""
    v = np.asarray(v_mV)
    above = v >= threshold_mV
    onsets = np.flatnonzero(~above[:-1] & above[1:]) + 1
    return np.asarray(t_ms)[onsets]
