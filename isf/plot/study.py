"""Plots over a study: P(spike) per condition, PSTHs overlaid, mean ± SD of traces, and all traces of
a study in one many-trace plot, streamed block by block (never loaded at once).

The first three take the pandas results of :mod:`isf.analysis.study`; :func:`plot_study_traces` takes
a study view's ``trace_array(key)`` (a dask array) and rasterises it one block of trials at a time
(:func:`isf.plot.traces.rasterise_traces`), so its memory is that of one block and the image.

Example::

    from isf.analysis import study
    from isf.plot.study import plot_psths, plot_study_traces
    plot_psths(study.psth_by_condition(view.spike_times, view.trials, ["whisker"], t_stop_ms=300))
    plot_study_traces(view.trace_array("soma"), view.time_ms("soma"), groups=view.trials.whisker)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike

from isf.errors import ArgumentValueError
from isf.plot.axes import figure_of, new_axes
from isf.plot.traces import axes_pixels, rasterise_traces, show_coverage

__all__ = ["plot_mean_sd", "plot_psths", "plot_spike_probability", "plot_study_traces"]


def _label(key: Any) -> str:
    return ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def plot_spike_probability(p_spike: pd.Series, *, ax: Axes | None = None, color: Any = "C0",
                           title: str | None = None, figsize: tuple[float, float] = (6.0, 3.0)) -> Figure:
    """Bars of P(spike) per condition (the result of :func:`isf.analysis.study.spike_probability`)."""
    ax = new_axes(ax, figsize)
    names = [_label(k) for k in p_spike.index]
    ax.bar(range(len(names)), p_spike.to_numpy(), color=color)
    ax.set_xticks(range(len(names)), names, rotation=45 if len(names) > 6 else 0, ha="right" if len(names) > 6
                  else "center")
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("P(spike)")
    ax.set_xlabel(" / ".join(str(n) for n in p_spike.index.names if n is not None) or "condition")
    if title:
        ax.set_title(title)
    return figure_of(ax)


def plot_psths(psths: pd.DataFrame, *, ax: Axes | None = None, cmap: str = "tab10",
               ylabel: str = "rate (Hz)", figsize: tuple[float, float] = (8.0, 3.0)) -> Figure:
    """PSTHs of every condition overlaid as steps (the result of
    :func:`isf.analysis.study.psth_by_condition`: one row per condition, columns the bins' left edges, ms)."""
    ax = new_axes(ax, figsize)
    edges = np.asarray(psths.columns, dtype=np.float64)
    width = float(edges[1] - edges[0]) if edges.shape[0] > 1 else 1.0
    colors = colormaps[cmap]
    for i, (key, row) in enumerate(psths.iterrows()):
        values = row.to_numpy(np.float64)
        ax.stairs(values, np.append(edges, edges[-1] + width) if edges.size else [0.0], label=_label(key),
                  color=colors(i % colors.N))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if len(psths):
        ax.legend(fontsize=8, frameon=False)
    return figure_of(ax)


def plot_mean_sd(stats: pd.DataFrame, *, ax: Axes | None = None, cmap: str = "tab10", alpha: float = 0.25,
                 ylabel: str = "V (mV)", figsize: tuple[float, float] = (8.0, 3.0)) -> Figure:
    """Mean ± SD bands (the result of :func:`isf.analysis.study.trace_mean_sd`: columns ``mean`` and
    ``sd``, or ``(statistic, group…)`` per group)."""
    ax = new_axes(ax, figsize)
    t = stats.index.to_numpy(np.float64)
    colors = colormaps[cmap]
    if isinstance(stats.columns, pd.MultiIndex):
        groups = list(dict.fromkeys(c[1:] for c in stats.columns))
        series = [(g, stats[("mean", *g)].to_numpy(), stats[("sd", *g)].to_numpy()) for g in groups]
    else:
        series = [((), stats["mean"].to_numpy(), stats["sd"].to_numpy())]
    for i, (group, mean, sd) in enumerate(series):
        color = colors(i % colors.N)
        ax.fill_between(t, mean - sd, mean + sd, color=color, alpha=alpha, linewidth=0)
        ax.plot(t, mean, color=color, lw=1, label=_label(group if len(group) != 1 else group[0]) if group else None)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)
    return figure_of(ax)


def plot_study_traces(traces: Any, t_ms: ArrayLike, *, groups: Sequence[Any] | None = None,
                      colors: Mapping[Any, Any] | None = None, cmap: str = "tab10", color: Any = "k",
                      alpha: float = 0.05, v_range: tuple[float, float] | None = None,
                      t_range_ms: tuple[float, float] | None = None, client: Any = None, ylabel: str = "V (mV)",
                      ax: Axes | None = None, figsize: tuple[float, float] = (10.0, 3.0)) -> Figure:
    """Every trace of a study in one rasterised plot, read block by block.

    Args:
        traces: a dask array, trials × samples (a study view's ``trace_array(key)``), or a numpy array.
        t_ms: sample times, ms (``view.time_ms(key)``).
        groups: a label per trace (e.g. ``view.trials.whisker``), colouring the traces and giving a legend.
        v_range: y limits; default: the traces' range (one extra pass over the blocks).
        client: a ``dask.distributed.Client`` to read the blocks on (default: this process).

    Returns:
        The figure.
    """
    import dask
    import dask.array as da

    if not 0 < alpha <= 1:
        raise ArgumentValueError(f"alpha = {alpha} is invalid: allowed is 0 < alpha <= 1", field="alpha",
                                 value=alpha, allowed="0 < alpha <= 1")
    array = traces if isinstance(traces, da.Array) else da.from_array(np.asarray(traces, dtype=np.float64),
                                                                      chunks=(500, -1))
    t = np.asarray(t_ms, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != t.shape[0]:
        raise ArgumentValueError(f"traces of shape {array.shape} do not match {t.shape[0]} sample times")
    if groups is not None and len(groups) != array.shape[0]:
        raise ArgumentValueError(f"groups has {len(groups)} labels for {array.shape[0]} traces")

    def compute(*objects: Any) -> Any:
        return tuple(client.compute(list(objects), sync=True)) if client is not None else dask.compute(*objects)

    if v_range is None:
        lo, hi = compute(da.nanmin(array), da.nanmax(array))
        pad = 0.02 * (hi - lo if hi > lo else 1.0)
        v_range = (float(lo) - pad, float(hi) + pad)
    if t_range_ms is None:
        t_range_ms = (float(t[0]), float(t[-1]))
    labels = list(groups) if groups is not None else [None] * array.shape[0]
    names = list(dict.fromkeys(labels))
    codes = np.array([names.index(g) for g in labels], dtype=np.int64)
    if groups is None:
        rgba = np.array([to_rgba(color)])
    else:
        palette = colormaps[cmap]
        rgba = np.array([to_rgba(colors[n]) if colors is not None else palette(i % palette.N)
                         for i, n in enumerate(names)])
    ax = new_axes(ax, figsize)
    fig = figure_of(ax)
    width, height = axes_pixels(ax, fig)
    counts = np.zeros((len(names), height, width))
    offsets = np.cumsum((0, *array.chunks[0]))
    for i, block in enumerate(array.to_delayed().ravel()):
        (values,) = compute(block)  # one block of trials in memory at a time
        counts += rasterise_traces(t, values, width, height, t_range_ms, v_range,
                                   codes[offsets[i]:offsets[i + 1]], len(names))
    show_coverage(ax, counts, rgba, alpha, t_range_ms, v_range)
    ax.set_xlim(*t_range_ms)
    ax.set_ylim(*v_range)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if groups is not None:
        ax.legend(handles=[Line2D([], [], color=c, lw=2, label=str(n)) for n, c in zip(names, rgba)], fontsize=8,
                  frameon=False)
    return fig
