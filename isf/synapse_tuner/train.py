"""Per-pulse amplitudes of a spike-train response and the short-term plasticity metrics.

Per-pulse amplitude ``A_k`` of spike ``k`` at ``t_k``: the largest value of
``sign · (y − baseline)`` in ``[t_k, t_k + w)``, with the baseline and sign of the whole train
(baseline: time average over ``baseline_ms`` before the first spike; sign: that of the largest
deviation after it, so a failed first release does not flip it) and ``w`` the interval to
the next spike (for the last spike of a block: the train interval). Amplitudes are measured from
the pre-train baseline, as experimentalists read them off a trace, so responses that sum on top of
each other (slow NMDA, slow PSPs) are included.

Metrics, for ``n`` train pulses ``A_1 … A_n`` followed by ``m`` recovery pulses
``A_{n+1} … A_{n+m}`` and the normaliser ``N`` = 90th percentile of all ``n + m`` amplitudes
(robust to a single outlier, and comparable across synapses of different strength):

* **PPR** (paired-pulse ratio, normalised) ``= (A_2 − A_1) / N`` — > 0 facilitating, < 0 depressing.
* **simple PPR** ``= A_2 / A_1``.
* **induction** ``= (mean(A_{n−2}, A_{n−1}, A_n) − A_1) / N`` — the change over the train (the last
  three pulses, fewer if ``n < 3``).
* **recovery** ``= (mean(A_{n+1} … A_{n+m}) − mean(A_1 … A_m)) / N`` — 0 means the synapse has fully
  recovered after the pause (NaN without recovery pulses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.errors import ArgumentValueError
from isf.synapse_tuner.metrics import window_mean

Array = NDArray[np.float64]

#: Names of the train metrics (fields of :class:`TrainMetrics` that are scalars).
TRAIN_METRICS: tuple[str, ...] = ("ppr", "simple_ppr", "induction", "recovery")


@attrs.frozen
class TrainMetrics:
    """Short-term plasticity of one train (definitions in the module docstring).

    Attributes:
        amplitudes: per-pulse amplitudes ``A_k`` (magnitudes, trace unit), train then recovery.
        n_pulses: number of train pulses ``n``.
        normaliser: 90th percentile of the amplitudes (trace unit).
        ppr, simple_ppr, induction, recovery: the metrics (dimensionless).
    """

    amplitudes: tuple[float, ...]
    n_pulses: int
    normaliser: float
    ppr: float
    simple_ppr: float
    induction: float
    recovery: float

    def as_dict(self) -> dict[str, float]:
        """The scalar metrics by name."""
        return {name: float(getattr(self, name)) for name in TRAIN_METRICS}


def train_metrics(amplitudes: Sequence[float] | Array, n_pulses: int) -> TrainMetrics:
    """Metrics of per-pulse amplitudes (magnitudes): ``n_pulses`` train pulses, then recovery ones."""
    amps = np.abs(np.asarray(amplitudes, dtype=float))
    m = amps.size - n_pulses
    if n_pulses < 2 or m < 0 or m > n_pulses:
        raise ArgumentValueError(
            f"need n_pulses >= 2 and 0 <= recovery pulses <= n_pulses; got {amps.size} "
            f"amplitudes with n_pulses = {n_pulses}",
            field="n_pulses",
            value=n_pulses,
        )
    norm = float(np.percentile(amps, 90))
    safe = norm if norm > 0 else math.nan
    a1, a2 = float(amps[0]), float(amps[1])
    last = amps[max(n_pulses - 3, 1) : n_pulses]
    induction = (float(last.mean()) - a1) / safe
    recovery = (float(amps[n_pulses:].mean()) - float(amps[:m].mean())) / safe if m else math.nan
    return TrainMetrics(
        amplitudes=tuple(float(a) for a in amps),
        n_pulses=n_pulses,
        normaliser=norm,
        ppr=(a2 - a1) / safe,
        simple_ppr=a2 / a1 if a1 > 0 else math.nan,
        induction=induction,
        recovery=recovery,
    )


def pulse_amplitudes(
    t: Array,
    y: Array,
    spike_times: Array,
    *,
    baseline_ms: float = 5.0,
    interval_ms: float | None = None,
) -> tuple[Array, Array, float, int]:
    """Per-pulse amplitudes (magnitudes) and peak times of a train response.

    Returns ``(amplitudes, peak_times_ms, baseline, sign)``; see the module docstring for the
    definition. ``interval_ms`` is the window of the last pulse of each block (default: the
    smallest spike interval).
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    spikes = np.asarray(spike_times, dtype=float)
    if spikes.size < 1 or np.any(np.diff(spikes) <= 0):
        raise ArgumentValueError(f"spike_times must be increasing, got {spikes!r}", field="spike_times", value=spikes)
    if interval_ms is None:
        interval_ms = float(np.min(np.diff(spikes))) if spikes.size > 1 else float(t[-1] - spikes[0])
    baseline = window_mean(t, y, spikes[0] - baseline_ms, spikes[0])
    ends = np.minimum(np.append(spikes[1:], np.inf), spikes + interval_ms)
    # the sign of the whole response: with stochastic release the first pulse may fail
    raw = y[t >= spikes[0]] - baseline
    sign = 1 if raw.size == 0 or raw.max() >= -raw.min() else -1
    d = sign * (y - baseline)
    amps = np.zeros(spikes.size)
    peaks = np.full(spikes.size, np.nan)
    for k, (t0, t1) in enumerate(zip(spikes.tolist(), ends.tolist())):
        idx = np.nonzero((t >= t0) & (t < t1))[0]
        if idx.size:
            j = idx[int(np.argmax(d[idx]))]
            amps[k] = max(float(d[j]), 0.0)
            peaks[k] = float(t[j])
    return amps, peaks, baseline, sign
