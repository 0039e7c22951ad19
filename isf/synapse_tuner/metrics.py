"""Single-event metrics of a synaptic response (current in voltage clamp, PSP in current clamp).

All functions work on a trace ``y(t)`` with non-uniform time points allowed (CVode). ``y`` is in
the trace's unit: nA for currents (positive outward, so an EPSC is negative), mV for potentials,
nS for conductances. Definitions, for an event at ``t_event`` (ms):

* **baseline** — time average of ``y`` (linearly interpolated, so CVode's sparse steps at rest
  count correctly) over ``[t_event − baseline_ms, t_event]``.
* **sign** — ``+1`` if the largest deviation from the baseline after the event is positive,
  ``−1`` otherwise; ``d(t) = sign · (y(t) − baseline)`` is the response made positive.
* **amplitude** — ``sign · max d`` (signed, in the trace's unit); **time to peak** — from the
  event to that maximum, ms.
* **latency** — from the event to the first time ``d`` reaches ``low · |amplitude|`` (the low
  end of the rise interval, default 10 %), ms (linear interpolation between samples).
* **rise time** — from that crossing to the first crossing of ``high · |amplitude|`` (default
  90 %) before the peak, ms.
* **half width** — from the 50 % crossing on the rise to the 50 % crossing on the decay, ms
  (NaN if the response does not fall below half within the trace).
* **decay tau / rise tau** — time constants of the difference of exponentials
  ``a (e^{−(t−t0)/τ_decay} − e^{−(t−t0)/τ_rise})`` fitted to ``d`` from the event on (least
  squares), ms. For a dual-exponential synaptic conductance or clamped current they are its
  two time constants.
* **charge** — ``∫ (y − baseline) dt`` from the event to the end of the trace (signed; nA·ms = pC
  for currents, mV·ms for potentials).
"""

from __future__ import annotations

import math
import warnings

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeWarning, curve_fit

from isf.errors import ArgumentValueError

Array = NDArray[np.float64]


@attrs.frozen
class EventMetrics:
    """Kinetics of one synaptic event (see the module docstring for each definition).

    Attributes:
        baseline: trace value before the event (trace unit).
        sign: +1 (upward response) or −1 (downward).
        amplitude: peak minus baseline, signed (trace unit).
        latency_ms: event to the low rise crossing, ms.
        time_to_peak_ms: event to the peak, ms.
        rise_time_ms: low-to-high rise time (default 10–90 %), ms.
        half_width_ms: duration above half amplitude, ms.
        rise_tau_ms: rise time constant of the dual-exponential fit, ms.
        decay_tau_ms: decay time constant of the dual-exponential fit, ms.
        charge: integral of the response, signed (trace unit × ms).
    """

    baseline: float
    sign: int
    amplitude: float
    latency_ms: float
    time_to_peak_ms: float
    rise_time_ms: float
    half_width_ms: float
    rise_tau_ms: float
    decay_tau_ms: float
    charge: float

    def as_dict(self) -> dict[str, float]:
        """The metrics by name."""
        return {k: float(v) for k, v in attrs.asdict(self).items()}


def window_mean(t: Array, y: Array, start: float, stop: float) -> float:
    """Time average of the linearly interpolated trace over ``[start, stop]`` (clipped to the
    samples inside it)."""
    # end at the last sample not after ``stop``: interpolating towards a sample beyond the event
    # would mix the response into the baseline
    last = int(np.searchsorted(t, stop, side="right")) - 1
    start = max(start, float(t[0]))
    stop = max(float(t[max(last, 0)]), start)
    if stop == start:
        return float(np.interp(start, t, y))
    # before an event the trace is smooth: 101 interpolated points average it well
    grid = np.linspace(start, stop, 101)
    return float(np.mean(np.interp(grid, t, y)))


def _crossing_up(t: Array, d: Array, level: float, start: int, stop: int) -> float:
    """First time in ``[start, stop]`` where ``d`` rises to ``level`` (interpolated)."""
    seg = d[start : stop + 1]
    above = np.nonzero(seg >= level)[0]
    if above.size == 0:
        return math.nan
    k = start + int(above[0])
    if k == start or d[k] == d[k - 1]:
        return float(t[k])
    return float(t[k - 1] + (level - d[k - 1]) * (t[k] - t[k - 1]) / (d[k] - d[k - 1]))


def _crossing_down(t: Array, d: Array, level: float, start: int) -> float:
    """First time after ``start`` where ``d`` falls below ``level`` (interpolated)."""
    below = np.nonzero(d[start:] < level)[0]
    if below.size == 0:
        return math.nan
    k = start + int(below[0])
    return float(t[k - 1] + (d[k - 1] - level) * (t[k] - t[k - 1]) / (d[k - 1] - d[k]))


def _dual_exp(t: Array, a: float, t0: float, tau_rise: float, tau_decay: float) -> Array:
    s = np.maximum(t - t0, 0.0)
    return a * (np.exp(-s / tau_decay) - np.exp(-s / tau_rise))


def fit_dual_exponential(t: Array, d: Array, t_event: float) -> tuple[float, float]:
    """(rise τ, decay τ) in ms of a difference of exponentials fitted to a positive response ``d``.

    Starting values come from the trace (decay from the log-slope of the falling phase, rise from
    the time to peak); returns NaNs if the fit does not converge.
    """
    t = np.asarray(t, dtype=float)
    d = np.asarray(d, dtype=float)
    p = int(np.argmax(d))
    peak = float(d[p])
    if peak <= 0 or p + 3 >= d.size:
        return math.nan, math.nan
    tail = np.nonzero((np.arange(d.size) > p) & (d > 0.2 * peak) & (d < 0.8 * peak))[0]
    if tail.size >= 2:
        slope = np.polyfit(t[tail], np.log(d[tail]), 1)[0]
        tau_d0 = -1.0 / slope if slope < 0 else (t[-1] - t[p])
    else:
        tau_d0 = max(t[-1] - t[p], 1e-3) / 3
    tp = max(float(t[p] - t_event), 1e-3)
    tau_r0 = min(tp / 3, tau_d0 / 3)
    scale = peak * 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, _ = curve_fit(
                _dual_exp,
                t,
                d,
                p0=(scale, t_event, tau_r0, tau_d0),
                bounds=(
                    [0.0, t_event - tp, 1e-4, 1e-4],
                    [np.inf, t[p], np.inf, np.inf],
                ),
                maxfev=5000,
            )
    except (RuntimeError, ValueError):
        return math.nan, math.nan
    tau_r, tau_d = sorted((float(popt[2]), float(popt[3])))
    return tau_r, tau_d


def event_metrics(
    t: Array,
    y: Array,
    t_event: float,
    *,
    baseline_ms: float = 5.0,
    rise_interval: tuple[float, float] = (0.1, 0.9),
    fit: bool = True,
) -> EventMetrics:
    """Metrics of the response to one event at ``t_event`` (ms); ``t`` in ms, sorted.

    The trace should extend from at least ``baseline_ms`` before the event to well into the
    decay; ``fit=False`` skips the dual-exponential fit (τs become NaN).
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise ArgumentValueError(f"t and y must be 1-D arrays of equal length, got shapes {t.shape} and {y.shape}")
    baseline = window_mean(t, y, t_event - baseline_ms, t_event)
    after = np.nonzero(t >= t_event)[0]
    if after.size < 3:
        raise ArgumentValueError(
            f"the trace has fewer than 3 samples after the event at {t_event} ms", field="t_event", value=t_event
        )
    start = int(after[0])
    raw = y[start:] - baseline
    sign = 1 if raw.max() >= -raw.min() else -1
    d = sign * (y - baseline)
    p = start + int(np.argmax(d[start:]))
    peak = float(d[p])
    low, high = rise_interval
    if peak <= 0:
        nan = math.nan
        return EventMetrics(baseline, sign, 0.0, nan, nan, nan, nan, nan, nan, 0.0)
    t_low = _crossing_up(t, d, low * peak, start, p)
    t_high = _crossing_up(t, d, high * peak, start, p)
    t_half_up = _crossing_up(t, d, 0.5 * peak, start, p)
    t_half_down = _crossing_down(t, d, 0.5 * peak, p)
    tau_r, tau_d = fit_dual_exponential(t[start:], d[start:], t_event) if fit else (math.nan, math.nan)
    charge = float(np.trapezoid(y[start:] - baseline, t[start:]))
    return EventMetrics(
        baseline=baseline,
        sign=sign,
        amplitude=sign * peak,
        latency_ms=t_low - t_event,
        time_to_peak_ms=float(t[p] - t_event),
        rise_time_ms=t_high - t_low,
        half_width_ms=t_half_down - t_half_up,
        rise_tau_ms=tau_r,
        decay_tau_ms=tau_d,
        charge=charge,
    )


def dual_exponential_rise_time(tau_rise_ms: float, tau_decay_ms: float, low: float = 0.1, high: float = 0.9) -> float:
    """Exact low–high rise time (ms) of ``e^{−t/τd} − e^{−t/τr}`` (for checks and the docs)."""
    from scipy.optimize import brentq

    tp = tau_rise_ms * tau_decay_ms / (tau_decay_ms - tau_rise_ms) * math.log(tau_decay_ms / tau_rise_ms)

    def shape(s: float) -> float:
        return math.exp(-s / tau_decay_ms) - math.exp(-s / tau_rise_ms)

    peak = shape(tp)
    t_low = brentq(lambda s: shape(s) - low * peak, 0.0, tp)
    t_high = brentq(lambda s: shape(s) - high * peak, 0.0, tp)
    return t_high - t_low
