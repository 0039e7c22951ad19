"""Plots of network trials: soma spike rasters, PSTHs, voltage mean ± SD, synapse activations by cell type.

Every function takes data (numpy arrays or the frames of a run store) and an optional matplotlib
``ax``, draws into it (or into a new figure) and returns the :class:`~matplotlib.figure.Figure`.
New figures are plain :class:`matplotlib.figure.Figure` objects, not registered with pyplot: they
work under any backend (Agg included), are never shown by ``plt.show()``, and are freed when
dropped (``fig.savefig(...)`` to write them; in Jupyter, a figure is displayed when it is the
cell's value). Many trials are drawn with one collection per plot element (a
:class:`~matplotlib.collections.LineCollection` or one scatter), not one artist per trial.

Colours: excitatory cell types in shades of red, inhibitory ones in shades of blue
(:func:`celltype_colors`; by default ``L1`` counts as excitatory, as in ISF — see
:mod:`isf.analysis.synapse_stats`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import ArrayLike, NDArray

from isf.analysis.synapse_stats import cell_type_of, order_cell_types
from isf.errors import ArgumentValueError, UnknownNameError
from isf.model.cell_types import EXCITATORY_CELL_TYPES, INHIBITORY_CELL_TYPES, ISF_EXCITATORY_CELL_TYPES, ei_class
from isf.plot.axes import figure_of, new_axes

__all__ = [
    "EI_COLORS",
    "celltype_colors",
    "psth_plot",
    "raster",
    "synapse_activation_raster",
    "synapses_by_celltype",
    "voltage_mean_std",
]

RGBA = tuple[float, float, float, float]

#: Colour of each group of :func:`~isf.model.cell_types.ei_class`.
EI_COLORS: dict[str, str] = {"EXC": "#c62828", "INH": "#1f5fbf"}


def celltype_colors(cell_types: Sequence[str], excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES
                    ) -> dict[str, RGBA]:
    """A colour per cell type: excitatory types in reds, inhibitory ones in blues.

    Shades are spread over all known cell types of the barrel-cortex model (plus any other given
    type) in the order of :func:`~isf.analysis.synapse_stats.order_cell_types`, so a cell type gets
    the same colour in every plot, whichever other types are present.
    """
    requested = list(dict.fromkeys(cell_types))
    universe = order_cell_types({*requested, *EXCITATORY_CELL_TYPES, *INHIBITORY_CELL_TYPES}, excitatory)
    out: dict[str, RGBA] = {}
    for group, cmap in (("EXC", "Reds"), ("INH", "Blues")):
        members = [c for c in universe if ei_class(c, excitatory) == group]
        shades = np.linspace(0.9, 0.4, len(members)) if len(members) > 1 else np.array([0.75])
        for name, shade in zip(members, shades):
            if name in requested:
                r, g, b, a = colormaps[cmap](float(shade))
                out[name] = (float(r), float(g), float(b), float(a))
    return out


def _trials(spike_times_by_trial: pd.DataFrame | Mapping[Any, ArrayLike] | Sequence[ArrayLike]
            ) -> tuple[list[Any], list[NDArray[np.float64]]]:
    if isinstance(spike_times_by_trial, pd.DataFrame):
        values = spike_times_by_trial.to_numpy(dtype=float)
        rows = [row[~np.isnan(row)] for row in values]
        return list(spike_times_by_trial.index), rows
    if isinstance(spike_times_by_trial, Mapping):
        keys = list(spike_times_by_trial)
        return keys, [np.asarray(spike_times_by_trial[k], dtype=float).reshape(-1) for k in keys]
    rows = [np.asarray(t, dtype=float).reshape(-1) for t in spike_times_by_trial]
    return list(range(len(rows))), rows


def raster(
    spike_times_by_trial: pd.DataFrame | Mapping[Any, ArrayLike] | Sequence[ArrayLike],
    ax: Axes | None = None,
    *,
    t_range_ms: tuple[float, float] | None = None,
    color: Any = "k",
    linewidth: float = 1.0,
    tick_height: float = 0.8,
) -> Figure:
    """Soma spikes of every trial: one row per trial (first trial at the bottom), a tick per spike.

    Args:
        spike_times_by_trial: spike times in ms — the wide ``store["spike_times"]`` frame (one
            NaN-padded row per trial), a mapping trial → times, or a sequence of arrays.
        ax: axes to draw into (default: a new figure).
        t_range_ms: x limits, ms (default: 0 … latest spike).
        tick_height: height of a tick, in rows.

    All ticks are one :class:`~matplotlib.collections.LineCollection` (one segment per spike).
    """
    labels, rows = _trials(spike_times_by_trial)
    ax = new_axes(ax, (8, 3))
    counts = np.array([r.shape[0] for r in rows], dtype=np.int64)
    t = np.concatenate(rows) if rows else np.zeros(0)
    y = np.repeat(np.arange(len(rows), dtype=float), counts)
    h = tick_height / 2.0
    segments = np.stack([np.column_stack([t, y - h]), np.column_stack([t, y + h])], axis=1)
    # matplotlib's stub wants a Sequence of segments; an (N, M, 2) array is documented input
    ticks = LineCollection(segments, colors=color, linewidths=linewidth)  # type: ignore[arg-type]
    ax.add_collection(ticks, autolim=False)
    if t_range_ms is None:
        t_range_ms = (0.0, float(t.max()) if t.size else 1.0)
    ax.set_xlim(*t_range_ms)
    ax.set_ylim(-0.5, max(len(rows), 1) - 0.5)
    if 0 < len(rows) <= 20:
        ax.set_yticks(np.arange(len(rows)), [str(v) for v in labels])
    ax.set_ylabel("trial")
    ax.set_xlabel("time (ms)")
    return figure_of(ax)


def psth_plot(
    edges: ArrayLike,
    values: ArrayLike,
    ax: Axes | None = None,
    *,
    color: Any = "0.25",
    label: str | None = None,
    ylabel: str = "rate (Hz)",
    fill: bool = True,
) -> Figure:
    """A histogram from bin edges and per-bin values (:func:`isf.analysis.psth.psth`), as a filled
    step outline.

    Args:
        edges: bin edges, ms (one more than ``values``).
        values: value per bin (Hz with ``psth(..., rate=True)``, else events per trial per bin).
        ylabel: y-axis label (say what ``values`` are).
    """
    e = np.asarray(edges, dtype=float)
    v = np.asarray(values, dtype=float)
    if e.shape[0] != v.shape[0] + 1:
        raise ArgumentValueError(f"{e.shape[0]} edges for {v.shape[0]} values: need one edge more than values")
    ax = new_axes(ax, (8, 2.5))
    if fill:
        ax.stairs(v, e, fill=True, color=color, alpha=0.35, linewidth=0)
    ax.stairs(v, e, color=color, linewidth=1.0, label=label)
    ax.set_xlim(float(e[0]), float(e[-1]))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    return figure_of(ax)


def voltage_mean_std(
    t_ms: ArrayLike,
    traces_2d: ArrayLike | pd.DataFrame,
    ax: Axes | None = None,
    *,
    show_traces: bool = True,
    max_traces: int | None = None,
    color: Any = "C0",
    trace_color: Any = "0.55",
    trace_alpha: float = 0.35,
    label: str = "mean ± SD",
) -> Figure:
    """Mean ± standard deviation over trials of voltage traces, optionally over the individual
    traces drawn thin and light.

    Args:
        t_ms: sample times, ms (``store["voltage_traces"].columns``).
        traces_2d: (trials, samples) array or frame of voltages, mV (``store["voltage_traces"]``).
        show_traces: draw each trace (one :class:`~matplotlib.collections.LineCollection`, a segment
            per trace) behind the mean.
        max_traces: draw at most this many traces (the first ones); the mean and SD use all.

    The SD is over trials (``ddof=0``: zero for a single trial).
    """
    t = np.asarray(t_ms, dtype=float).reshape(-1)
    v = np.asarray(traces_2d, dtype=float)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != t.shape[0]:
        raise ArgumentValueError(
            f"traces of shape {v.shape} do not match {t.shape[0]} sample times: need (trials, samples)"
        )
    ax = new_axes(ax, (8, 3))
    if show_traces and v.shape[0]:
        shown = v if max_traces is None else v[:max_traces]
        lines = np.stack([np.broadcast_to(t, shown.shape), shown], axis=-1)
        # matplotlib's stub wants a Sequence of segments; an (N, M, 2) array is documented input
        traces = LineCollection(lines, colors=trace_color, linewidths=0.5, alpha=trace_alpha,  # type: ignore[arg-type]
                                label="trials")
        ax.add_collection(traces, autolim=False)
    if v.shape[0]:
        mean = v.mean(axis=0)
        sd = v.std(axis=0)
        ax.fill_between(t, mean - sd, mean + sd, color=color, alpha=0.25, linewidth=0)
        ax.plot(t, mean, color=color, linewidth=1.0, label=label)
        low = float(np.nanmin(v)) if show_traces else float(np.nanmin(mean - sd))
        high = float(np.nanmax(v)) if show_traces else float(np.nanmax(mean + sd))
        pad = 0.05 * max(high - low, 1.0)
        ax.set_ylim(low - pad, high + pad)
    if t.size:
        ax.set_xlim(float(t[0]), float(t[-1]))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    return figure_of(ax)


def synapse_activation_raster(
    activations_df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    y: Literal["soma_distance_um", "cell_type"] = "soma_distance_um",
    trials: Sequence[int] | None = None,
    t_range_ms: tuple[float, float] | None = None,
    excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
    marker_size: float = 3.0,
    legend: bool = True,
) -> Figure:
    """Synapse activations (releases) as dots coloured by presynaptic cell type (E reds, I blues).

    Args:
        activations_df: long frame indexed by trial with ``population``, ``soma_distance_um`` and
            ``time_ms`` (``store["synapse_activations"]``).
        y: ``soma_distance_um`` (dot height = the synapse's soma distance, µm) or ``cell_type`` (one
            band per cell type, excitatory at the top; inside a band one sub-row per trial).
        trials: only these trials (default: all in the frame).
        t_range_ms: x limits, ms; releases outside are not drawn (the store holds releases
            scheduled after the simulation's end: pass ``(0, tstop)``).
        legend: a legend of the cell types (``soma_distance_um``) — with ``cell_type`` the tick labels
            name the bands.

    All dots are one scatter (one colour per dot), rasterised in vector output.
    """
    frame = activations_df
    trial = np.asarray(frame.index, dtype=np.int64)
    keep = np.ones(trial.shape[0], dtype=bool)
    if trials is not None:
        keep &= np.isin(trial, np.asarray(trials, dtype=np.int64))
    t = np.asarray(frame["time_ms"], dtype=float)
    if t_range_ms is not None:
        keep &= (t >= t_range_ms[0]) & (t <= t_range_ms[1])
    population = frame["population"]
    if not isinstance(population.dtype, pd.CategoricalDtype):
        population = population.astype("category")
    codes = np.asarray(population.cat.codes, dtype=np.intp)[keep]
    types_of_code = [cell_type_of(str(p)) for p in population.cat.categories]
    present = sorted({types_of_code[c] for c in np.unique(codes)})
    colors = celltype_colors(types_of_code, excitatory)
    ordered = order_cell_types(present, excitatory)
    t, trial = t[keep], trial[keep]
    rgba = np.array([colors[c] for c in types_of_code] or [(0.0, 0.0, 0.0, 1.0)])[codes]
    ax = new_axes(ax, (9, 4.5))
    if y == "soma_distance_um":
        height = np.asarray(frame["soma_distance_um"], dtype=float)[keep]
        ax.set_ylabel("soma distance (µm)")
    elif y == "cell_type":
        band_of_type = {c: len(ordered) - 1 - i for i, c in enumerate(ordered)}
        band = np.array([band_of_type.get(c, 0) for c in types_of_code], dtype=float)[codes]
        shown_trials = np.unique(trial)
        sub = (np.searchsorted(shown_trials, trial) + 0.5) / max(1, shown_trials.shape[0])
        height = band - 0.4 + 0.8 * sub
        ax.set_yticks([band_of_type[c] for c in ordered], ordered)
        for tick, name in zip(ax.get_yticklabels(), ordered):
            tick.set_color(colors[name])
        ax.set_ylim(-0.5, max(len(ordered), 1) - 0.5)
        ax.set_ylabel("presynaptic cell type")
    else:
        raise ArgumentValueError(
            f"y={y!r}: choose 'soma_distance_um' or 'cell_type'",
            field="y",
            value=y,
            allowed="'soma_distance_um' or 'cell_type'",
        )
    ax.scatter(t, height, s=marker_size, c=rgba, marker="o", linewidths=0, rasterized=True)
    if t_range_ms is not None:
        ax.set_xlim(*t_range_ms)
    ax.set_xlabel("time (ms)")
    if legend and y == "soma_distance_um" and ordered:
        handles = [Line2D([], [], linestyle="", marker="o", markersize=5, color=colors[c], label=c) for c in ordered]
        ax.legend(handles=handles, fontsize=7, ncol=2 if len(ordered) > 8 else 1, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, title="cell type",
                  title_fontsize=8)
    return figure_of(ax)


def synapses_by_celltype(
    stats_df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value: str = "n_synapses",
    error: str | None = None,
    excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
    ylabel: str | None = None,
) -> Figure:
    """Bar chart of one column of a per-cell-type table, a bar per row, coloured by cell type.

    Args:
        stats_df: indexed by cell type, e.g. :func:`~isf.analysis.synapse_stats.celltype_synapse_table`
            or :func:`~isf.analysis.synapse_stats.activation_summary`; bars in its row order. Its
            ``EI`` column, if any, decides the legend groups; otherwise ``excitatory`` does.
        value: the column to plot (``n_synapses``, ``soma_distance_mean_um``, ``activations_per_trial`` …).
        error: a column of error-bar half-lengths (e.g. ``soma_distance_sd_um``).
        ylabel: y-axis label (default: ``value``).
    """
    if value not in stats_df.columns:
        raise UnknownNameError(
            f"no column {value!r} in the table (columns: {list(stats_df.columns)})",
            field="value",
            value=value,
            allowed=", ".join(map(str, stats_df.columns)),
        )
    names = [str(i) for i in stats_df.index]
    if "EI" in stats_df.columns:
        groups = [str(g) for g in stats_df["EI"]]
        excitatory = [n for n, g in zip(names, groups) if g == "EXC"]
    colors = celltype_colors(names, excitatory)
    heights = stats_df[value].to_numpy(dtype=float)
    yerr = stats_df[error].to_numpy(dtype=float) if error is not None else None
    ax = new_axes(ax, (max(4.0, 0.35 * len(names) + 1.5), 3))
    x = np.arange(len(names))
    ax.bar(x, heights, color=[colors[n] for n in names], edgecolor="0.2", linewidth=0.4, yerr=yerr,
           error_kw={"elinewidth": 0.6, "capsize": 1.5, "ecolor": "0.3"})
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel(ylabel or value)
    present = {ei_class(n, excitatory) for n in names}
    ax.legend(handles=[Patch(color=EI_COLORS[g], label=g) for g in ("EXC", "INH") if g in present], fontsize=8,
              frameon=False)
    return figure_of(ax)
