"""Plots of Hay fitting results: objectives in σ (box plot, like ISF's tutorial), the spread of explored
models across the parameter ranges, and voltage traces of chosen models for each protocol.

Every function returns a :class:`~matplotlib.figure.Figure` (not registered with pyplot; save it with
``fig.savefig``; in a notebook it is shown when it is the cell's value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from isf.errors import ArgumentValueError
from isf.fitting.parameters import ParameterSpace
from isf.fitting.setup import Traces
from isf.plot.axes import figure_of, new_axes

__all__ = ["objectives_boxplot", "parameter_spread", "protocol_traces"]


def objectives_boxplot(evaluations: pd.DataFrame, objectives: Sequence[str], *, ax: Axes | None = None,
                       cutoff_sigma: float | None = 3.2, title: str = "") -> Figure:
    """Box plot of each objective's final score (σ) over the rows of ``evaluations``; one point per model
    on top; a dashed line at ``cutoff_sigma``."""
    names = [n for n in objectives if n in evaluations.columns]
    if not names:
        raise ArgumentValueError(f"none of the objectives {list(objectives)[:5]} … is a column of the evaluations")
    data = [evaluations[n].astype(float).to_numpy() for n in names]
    ax = new_axes(ax, (max(6.0, 0.32 * len(names) + 2), 4.0))
    ax.boxplot(data, tick_labels=names, showfliers=False, widths=0.6)
    rng = np.random.default_rng(0)  # jitter only, fixed for reproducible figures
    for i, values in enumerate(data, start=1):
        ax.scatter(i + rng.uniform(-0.15, 0.15, values.size), values, s=10, color="#1f5fbf", alpha=0.7, zorder=3)
    if cutoff_sigma is not None:
        ax.axhline(cutoff_sigma, color="#c62828", ls="--", lw=1, label=f"{cutoff_sigma:g} σ")
        ax.legend(loc="upper right", frameon=False)
    ax.set_ylabel("distance to experimental mean (σ)")
    ax.tick_params(axis="x", rotation=90)
    ax.set_ylim(bottom=0)
    ax.set_title(title or f"{len(evaluations)} models")
    return figure_of(ax)


def parameter_spread(models: pd.DataFrame, space: ParameterSpace, *, ax: Axes | None = None,
                     highlight: pd.Series | None = None) -> Figure:
    """Each model's parameters normalised to their ranges (0 = min, 1 = max), one row per parameter:
    a box over the models plus the points; ``highlight`` (e.g. the seed point) drawn in red."""
    unit = space.normalize(models[list(space.names)].to_numpy(float))
    ax = new_axes(ax, (7.0, max(4.0, 0.22 * len(space) + 1)))
    positions = np.arange(len(space))
    ax.boxplot(list(unit.T), positions=positions, orientation="horizontal", showfliers=False, widths=0.6)
    rng = np.random.default_rng(0)
    for i in positions:
        ax.scatter(unit[:, i], i + rng.uniform(-0.15, 0.15, unit.shape[0]), s=6, color="#1f5fbf", alpha=0.5)
    if highlight is not None:
        ax.scatter(space.normalize(space.vector(highlight)), positions, marker="|", s=120, color="#c62828",
                   label="seed", zorder=4)
        ax.legend(loc="lower right", frameon=False)
    ax.set_yticks(positions, [n.removeprefix("ephys.") for n in space.names], fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("position within the parameter range")
    ax.set_title(f"parameters of {len(models)} models")
    return figure_of(ax)


def protocol_traces(models: Mapping[str, Mapping[str, Traces]], *, protocols: Sequence[str] | None = None,
                    windows_ms: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """One panel per protocol (columns) and recording site (rows: soma, then apical sites), one line per
    model (``models``: label → protocol → traces)."""
    first = next(iter(models.values()))
    names = list(protocols or first.keys())
    windows = {"bAP": (280.0, 360.0), "BAC": (280.0, 400.0), **{n: (600.0, 2800.0) for n in names if n.startswith("Step")},
               **(windows_ms or {})}
    rows = max(first[n].v_mV.shape[0] for n in names)
    fig = Figure(figsize=(3.2 * len(names), 2.0 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, len(names), squeeze=False, sharey="row")
    colours = colormaps["viridis"](np.linspace(0.0, 0.85, len(models)))
    for c, name in enumerate(names):
        lo, hi = windows.get(name, (0.0, float(first[name].t_ms[-1])))
        for r in range(rows):
            ax = axes[r, c]
            for colour, (label, traces) in zip(colours, models.items()):
                tr = traces[name]
                if r < tr.v_mV.shape[0]:
                    keep = (tr.t_ms >= lo) & (tr.t_ms <= hi)
                    ax.plot(tr.t_ms[keep], tr.v_mV[r][keep], lw=0.8, color=colour, label=label)
            if r == 0:
                ax.set_title(name)
            if c == 0:
                ax.set_ylabel(("soma" if r == 0 else f"apical site {r}") + " (mV)")
            if r == rows - 1 or r >= first[name].v_mV.shape[0] - 1:
                ax.set_xlabel("t (ms)")
            if r >= first[name].v_mV.shape[0]:
                ax.set_visible(False)
    axes[0, -1].legend(loc="upper right", fontsize=7, frameon=False)
    return fig

