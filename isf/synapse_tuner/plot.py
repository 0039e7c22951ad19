"""Figures and tables of the synapse tuner: traces with detected peaks, frequency response, fit."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from isf.synapse_tuner.fit import FitResult
from isf.synapse_tuner.frequency import FrequencyResponse
from isf.synapse_tuner.train import TRAIN_METRICS
from isf.synapse_tuner.tuner import EventResult, TrainResult

_EVENT_UNITS = {
    "latency_ms": "ms",
    "time_to_peak_ms": "ms",
    "rise_time_ms": "ms",
    "half_width_ms": "ms",
    "rise_tau_ms": "ms",
    "decay_tau_ms": "ms",
    "sign": "",
}


def _axes(ax: Any, **kwargs: Any) -> tuple[Figure, Any]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(**kwargs)
    return fig, ax


def _label(unit: str) -> str:
    return "synaptic current (nA)" if unit == "nA" else "soma potential (mV)" if unit == "mV" else unit


def plot_event(result: EventResult, ax: Any = None, window_ms: float = 60.0) -> Figure:
    """The single-event trace around the spike with baseline, peak and rise-interval crossings."""
    fig, ax = _axes(ax, figsize=(6, 4))
    t, y = result.trace.t_ms, result.trace.response
    m = result.metrics
    t0 = result.spike_time_ms + result.connection.delay_ms
    keep = (t >= t0 - 10) & (t <= t0 + window_ms)
    ax.plot(t[keep] - t0, y[keep], color="k", lw=1)
    ax.axhline(m.baseline, color="0.6", ls=":", lw=1, label="baseline")
    ax.plot(
        [m.time_to_peak_ms],
        [m.baseline + m.amplitude],
        "o",
        color="tab:red",
        label="peak",
    )
    ax.axvspan(
        m.latency_ms,
        m.latency_ms + m.rise_time_ms,
        color="tab:blue",
        alpha=0.2,
        label="rise interval",
    )
    ax.set_xlabel("time after presynaptic spike (ms)")
    ax.set_ylabel(_label(result.trace.response_unit))
    ax.set_title(f"{result.connection.mechanism}: single event")
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_train(result: TrainResult, ax: Any = None) -> Figure:
    """The train trace with presynaptic spikes (ticks) and the detected per-pulse peaks (dots)."""
    fig, ax = _axes(ax, figsize=(8, 4))
    tr = result.trace
    y = tr.values(result.measure)
    ax.plot(tr.t_ms, y, color="k", lw=0.8)
    peaks = result.baseline + result.sign * np.asarray(result.metrics.amplitudes)
    ax.plot(result.peak_times_ms, peaks, "o", color="tab:red", ms=4, label="detected peaks")
    lo, hi = float(np.min(y)), float(np.max(y))
    tick = lo - 0.05 * (hi - lo + 1e-12)
    ax.plot(
        result.spike_times_ms,
        np.full(result.spike_times_ms.size, tick),
        "|",
        color="tab:blue",
        ms=10,
        label="presynaptic spikes",
    )
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(_label(tr.response_unit if result.measure == "response" else "conductance (nS)"))
    m = result.metrics
    ax.set_title(
        f"{result.settings.n_pulses} + {len(m.amplitudes) - m.n_pulses} pulses at "
        f"{result.settings.frequency_Hz:g} Hz: PPR {m.ppr:.2f}, induction {m.induction:.2f}, "
        f"recovery {m.recovery:.2f}",
        fontsize=9,
    )
    ax.legend(frameon=False, fontsize=8)
    return fig


def draw_result(result: EventResult | TrainResult, axes: list[Any], window_ms: float = 60.0) -> None:
    """Draw a run on ``axes``: the measured trace (as :func:`plot_event` / :func:`plot_train`) on
    the first, each recorded variable (``ConnectionSettings.record``) on one more."""
    if isinstance(result, EventResult):
        plot_event(result, ax=axes[0], window_ms=window_ms)
        t0 = result.spike_time_ms + result.connection.delay_ms
        t = result.trace.t_ms
        keep = (t >= t0 - 10) & (t <= t0 + window_ms)
        shift = t0
    else:
        plot_train(result, ax=axes[0])
        keep = np.ones(result.trace.t_ms.size, dtype=bool)
        shift = 0.0
    for ax, (name, values) in zip(axes[1:], result.trace.recorded.items()):
        ax.plot(result.trace.t_ms[keep] - shift, values[keep], color="tab:green", lw=1)
        ax.set_ylabel(name)
    if len(axes) > 1:  # the shared time axis is labelled once, at the bottom
        axes[-1].set_xlabel(axes[0].get_xlabel())
        axes[0].set_xlabel("")


def plot_result(result: EventResult | TrainResult, window_ms: float = 60.0) -> Figure:
    """A run with its recorded variables (``other_vars_to_record``) in panels below the trace."""
    n = len(result.trace.recorded)
    fig, axes = plt.subplots(
        1 + n, 1, sharex=True, figsize=(8, 3.5 + 1.5 * n), gridspec_kw={"height_ratios": [3] + [1] * n}
    )
    draw_result(result, list(np.atleast_1d(axes)), window_ms)
    fig.tight_layout()
    return fig


def plot_frequency_response(response: FrequencyResponse, label: str = "", axes: Any = None) -> Figure:
    """The four train metrics against frequency (log axis)."""
    if axes is None:
        fig, axes = plt.subplots(1, len(TRAIN_METRICS), figsize=(12, 3.2))
    else:
        fig = np.ravel(axes)[0].figure
    for ax, name in zip(np.ravel(axes), TRAIN_METRICS):
        ax.plot(response.frequencies_Hz, response.metric(name), "o-", label=label or None)
        ax.set_xscale("log")
        ax.set_xlabel("frequency (Hz)")
        ax.set_title(name.replace("_", " "))
        ax.axhline(1.0 if name == "simple_ppr" else 0.0, color="0.7", lw=0.8, ls=":")
    if label:
        np.ravel(axes)[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def plot_fit(result: FitResult) -> Figure:
    """Target against achieved value of every fitted metric, one panel per target (their units
    differ), titled with the fitted parameters."""
    n = len(result.targets)
    fig, axes = plt.subplots(1, n, figsize=(max(4.0, 1.6 * n + 1), 3.5), squeeze=False)
    for ax, target, achieved in zip(axes[0], result.targets, result.achieved):
        ax.bar([0, 1], [target.value, achieved], 0.6, color=["0.6", "tab:orange"])
        ax.set_xticks([0, 1], ["target", "achieved"], fontsize=8)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title(target.label.replace(" @ ", "\n"), fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    shown = ", ".join(f"{k} = {v:.3g}" for k, v in result.parameters.items())
    fig.suptitle(f"fit ({result.method}, seed {result.seed}): {shown}", fontsize=9)
    fig.tight_layout()
    return fig


def metrics_table(event: EventResult | None = None, train: TrainResult | None = None) -> pd.DataFrame:
    """Event and/or train metrics as a table with columns ``metric``, ``value``, ``unit``."""
    rows = []
    if event is not None:
        unit = event.trace.response_unit
        for name, value in event.metrics.as_dict().items():
            u = _EVENT_UNITS.get(name, f"{unit}·ms" if name == "charge" else unit)
            rows.append({"metric": name, "value": value, "unit": u})
    if train is not None:
        for name, value in train.metrics.as_dict().items():
            rows.append({"metric": name, "value": value, "unit": "1"})
        for k, a in enumerate(train.metrics.amplitudes, start=1):
            unit = train.trace.response_unit if train.measure == "response" else "nS"
            rows.append({"metric": f"amplitude_{k}", "value": a, "unit": unit})
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` atomically (temporary file in the same folder, then rename) and close it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path
