"""The spike detector of isf: upward threshold crossings of a voltage trace.

One rule everywhere a spike time is read off a trace (``Result.spike_times``, trial results, legacy
simrun imports, summaries): the time of the first sample at or above the threshold after a sample
below it, without interpolation, as ISF detects somatic spikes. The Hay et al. (2011) features have
their own, slightly different crossing rule (:func:`isf.fitting.features.hay_spike_times`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["spike_times"]


def spike_times(t_ms: ArrayLike, v_mV: ArrayLike, threshold_mV: float) -> NDArray[np.float64]:
    """Times (ms) of the upward crossings of ``threshold_mV`` by ``v_mV`` sampled at ``t_ms``.

    A crossing is the first sample at or above ``threshold_mV`` (mV) after a sample below it; its
    time is that sample's time (no interpolation). A trace that starts above the threshold does not
    count its first sample.
    """
    v = np.asarray(v_mV)
    above = v >= threshold_mV
    onsets = np.flatnonzero(~above[:-1] & above[1:]) + 1
    return np.asarray(t_ms)[onsets]
