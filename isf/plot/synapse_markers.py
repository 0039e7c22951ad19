"""Synapses that fire, marked in the animations of a trial (:mod:`isf.plot.animation`), coloured by
the cell type of their presynaptic population (excitatory types in reds, inhibitory ones in blues,
as every isf plot: :func:`~isf.plot.network.celltype_colors`).

The input is a trial's synapse activations in long form — ``store["synapse_activations"]`` rows of
one trial, :attr:`StoredTrial.activations <isf.backends.replay.StoredTrial>`, or
:func:`~isf.model.trial_result.activation_columns` — with the columns ``population``, ``section_id``,
``section_pt_id``, ``soma_distance_um`` and ``time_ms``. A release at time ``t`` is drawn in the frame
at time ``T`` when ``T − window < t ≤ T`` (by default the window is the frame step, so every release
is drawn in exactly one frame): on the voltage profile at its soma distance and at the voltage of its
segment, and in 3D at its synapse's point (ISF places a synapse at ``pts[section_pt_id]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.model.cell import Cell
from isf.plot.network import celltype_colors

__all__ = ["ACTIVATION_FIELDS", "SynapseEvents", "SynapseMarkers", "synapse_events", "synapse_legend_handles"]

#: Columns of the activations the markers need.
ACTIVATION_FIELDS = ("population", "section_id", "section_pt_id", "soma_distance_um", "time_ms")


@attrs.frozen(eq=False)
class SynapseEvents:
    """Releases of a trial, ready to be drawn (one entry per release, sorted by time).

    Attributes:
        times_ms: release times, ms.
        cell_types: presynaptic cell type of each release (population name up to the first ``_``).
        rows: segment row (section order, :func:`~isf.model.segment_table.segment_table`) of the synapse.
        section_ids: section of the synapse.
        distance_um: geometric soma distance of the synapse, µm.
        xyz_um: 3D position of the synapse, µm.
        colors: RGBA colour of each release (by cell type).
        type_colors: cell type → RGBA, in legend order.
    """

    times_ms: NDArray[np.float64]
    cell_types: NDArray[np.object_]
    rows: NDArray[np.int64]
    section_ids: NDArray[np.int64]
    distance_um: NDArray[np.float64]
    xyz_um: NDArray[np.float64]
    colors: NDArray[np.float64]
    type_colors: dict[str, tuple[float, float, float, float]]

    def __len__(self) -> int:
        return int(self.times_ms.shape[0])

    def between(self, t_lo_ms: float, t_hi_ms: float) -> NDArray[np.int64]:
        """Indices of the releases with ``t_lo_ms < time ≤ t_hi_ms``."""
        lo = np.searchsorted(self.times_ms, t_lo_ms, side="right")
        hi = np.searchsorted(self.times_ms, t_hi_ms, side="right")
        return np.arange(lo, hi, dtype=np.int64)

    def only_sections(self, keep: NDArray[np.bool_]) -> SynapseEvents:
        """The releases on sections where ``keep[section_id]`` is true (e.g. the sections drawn)."""
        mask = keep[self.section_ids]
        return attrs.evolve(self, times_ms=self.times_ms[mask], cell_types=self.cell_types[mask],
                            rows=self.rows[mask], section_ids=self.section_ids[mask],
                            distance_um=self.distance_um[mask], xyz_um=self.xyz_um[mask], colors=self.colors[mask])


def synapse_events(activations: pd.DataFrame | Mapping[str, ArrayLike], cell: Cell) -> SynapseEvents:
    """The releases of ``activations`` (one trial's, long form) on ``cell``.

    Raises:
        ArgumentValueError: a column is missing, or a synapse sits on a section or 3D point the cell
            does not have.
    """
    missing = [c for c in ACTIVATION_FIELDS if c not in activations]
    if missing:
        raise ArgumentValueError(f"activations lack the columns {missing}; needed are {list(ACTIVATION_FIELDS)} "
                                 "(the long form of store['synapse_activations'] for one trial)")
    times = np.asarray(activations["time_ms"], dtype=float)
    order = np.argsort(times, kind="stable")
    populations = np.asarray(activations["population"], dtype=object).astype(str)[order]
    section = np.asarray(activations["section_id"], dtype=np.int64)[order]
    point = np.asarray(activations["section_pt_id"], dtype=np.int64)[order]
    morph = cell.morphology
    n_sections = len(morph.sections)
    if section.size and (section.min() < 0 or section.max() >= n_sections):
        raise ArgumentValueError(f"activations: a synapse on section {int(section.max())}; the cell has sections "
                                 f"0..{n_sections - 1} (use the cell of the trial)")
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    rows = np.empty(section.shape[0], dtype=np.int64)
    xyz = np.empty((section.shape[0], 3))
    for sid in np.unique(section).tolist():
        at = np.flatnonzero(section == sid)
        sec = morph.sections[sid]
        pts = point[at]
        if pts.max() >= sec.points.shape[0] or pts.min() < 0:
            raise ArgumentValueError(f"activations: a synapse on 3D point {int(pts.max())} of section {sid}, which has "
                                     f"{sec.points.shape[0]} points (use the cell of the trial)")
        x = sec.relative_points[pts]
        nseg = cell.nseg[sid]
        rows[at] = offsets[sid] + np.minimum((x * nseg).astype(np.int64), nseg - 1)
        xyz[at] = sec.points[pts]
    cell_types = np.array([p.split("_", 1)[0] for p in populations.tolist()], dtype=object)
    present = sorted(set(cell_types.tolist()))
    type_colors = celltype_colors(present)
    ordered = {c: type_colors[c] for c in type_colors}  # celltype_colors' order: excitatory first
    colors = np.array([type_colors[c] for c in cell_types.tolist()], dtype=float).reshape(-1, 4)
    return SynapseEvents(times[order], cell_types, rows, section,
                         np.asarray(activations["soma_distance_um"], dtype=float)[order], xyz, colors, ordered)


def synapse_legend_handles(events: SynapseEvents, marker: str = "o", size: float = 5.0) -> list[Any]:
    """One legend entry per presynaptic cell type of ``events``."""
    return [Line2D([], [], linestyle="", marker=marker, markersize=size, color=color, label=cell_type)
            for cell_type, color in events.type_colors.items()]


class SynapseMarkers:
    """The releases of each frame as one scatter on ``ax``: in 2D at (soma distance, value of the
    synapse's segment), in 3D at the synapse's position; a legend of the cell types in the figure.

    Args:
        ax: the axes (3D if ``three_d``).
        events: the releases (:func:`synapse_events`).
        frame_times_ms: time of every frame, ms.
        window_ms: a release at ``t`` is drawn in the frame at ``T`` when ``T − window_ms < t ≤ T``
            (default: the frame step, so each release appears in one frame).
        size: marker area, points².
    """

    def __init__(self, ax: Any, events: SynapseEvents, frame_times_ms: NDArray[np.float64],
                 window_ms: float | None = None, size: float = 18.0, three_d: bool = False) -> None:
        step = float(np.min(np.diff(frame_times_ms))) if frame_times_ms.shape[0] > 1 else 1.0
        self.window_ms = step if window_ms is None else float(window_ms)
        if not self.window_ms > 0:
            raise ArgumentValueError(f"synapse_window_ms = {window_ms} is invalid: allowed is a number > 0",
                                     field="synapse_window_ms", value=window_ms, allowed="a number > 0")
        self.events = events
        self.frame_times_ms = frame_times_ms
        self.three_d = three_d
        style = {"s": size, "edgecolors": "k", "linewidths": 0.3, "zorder": 5}
        if three_d:
            self.scatter = ax.scatter([], [], [], depthshade=False, **style)
        else:
            self.scatter = ax.scatter(np.zeros(0), np.zeros(0), **style)
        # beside a 2D plot; below the (tall) 3D view, whose width the colour bar already shares
        ax.figure.legend(handles=synapse_legend_handles(events), title="synapses firing (presynaptic type)",
                         loc="outside lower center" if three_d else "outside right upper",
                         ncols=4 if three_d else 1, fontsize=7, title_fontsize=7, frameon=False)
        self.shown = np.zeros(0, dtype=np.int64)

    def update(self, k: int, segment_values: NDArray[np.float64] | None = None) -> NDArray[np.int64]:
        """Draw the releases of frame ``k`` (2D: ``segment_values`` = the value of every segment row at
        that frame); returns their indices into the events."""
        t = float(self.frame_times_ms[k])
        shown = self.events.between(t - self.window_ms, t)
        colors = self.events.colors[shown]
        if self.three_d:
            xyz = self.events.xyz_um[shown]
            self.scatter._offsets3d = (xyz[:, 0], xyz[:, 1], xyz[:, 2])
        else:
            assert segment_values is not None
            y = segment_values[self.events.rows[shown]]
            self.scatter.set_offsets(np.column_stack([self.events.distance_um[shown], y]).reshape(-1, 2))
        self.scatter.set_facecolors(colors)
        self.scatter.set_edgecolors("k" if shown.size else colors)
        self.shown = shown
        return shown
