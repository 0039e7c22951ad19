"""Morphology plots: 2D projections (xy, xz, yz) and 3D, coloured by label or by a value per segment.

A cell is drawn as one :class:`~matplotlib.collections.LineCollection` (or
:class:`~mpl_toolkits.mplot3d.art3d.Line3DCollection`) of the pieces between consecutive 3D points;
each piece belongs to the segment that contains its midpoint, so any per-segment array can colour
it: a channel density (:func:`mechanism_density`), the membrane voltage at a time point
(:func:`segment_values_at`), or anything else with one value per segment in the cell's segment order
(section ID, then segment index — the order of ``Cell.nseg``). Line widths follow the diameters.
Synapses are drawn as markers coloured by population (excitatory reds, inhibitory blues, as
:func:`~isf.plot.network.celltype_colors`).

Coordinates are µm. The default view ``xz`` shows cell 86 with its apical dendrite pointing up.
Geometry is that of :attr:`~isf.model.cell.Cell.final_morphology` (diameters after modifiers).

Example::

    from isf.plot import plot_morphology, mechanism_density
    fig = plot_morphology(cell)                                         # by label
    fig = plot_morphology(cell, values=mechanism_density(cell, "Ih", "gIhbar"),
                          value_label="gIhbar (S/cm²)")
    fig = plot_morphology(cell, projection="3d", synapses=network)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

import attrs
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.typing import ColorType
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.model.cell import Cell
from isf.model.cell_types import ei_class
from isf.model.morphology import Morphology, canonical_label
from isf.model.network import Network
from isf.model.result import Result
from isf.model.segment_table import segment_traces
from isf.model.synapse import Synapses
from isf.plot.axes import figure_of
from isf.plot.network import celltype_colors

__all__ = [
    "LABEL_COLORS",
    "MorphologyGeometry",
    "Projection",
    "mechanism_density",
    "morphology_geometry",
    "plot_morphology",
    "segment_values_at",
    "synapse_positions",
]

Projection = Literal["xy", "xz", "yz", "3d"]
_AXES: dict[str, tuple[int, int]] = {"xy": (0, 1), "xz": (0, 2), "yz": (1, 2)}

#: Colour of each canonical label (legacy ISF: Soma k, Dendrite b, ApicalDendrite r, AIS g, Myelin y).
LABEL_COLORS: dict[str, str] = {
    "soma": "#000000",
    "dend": "#1f5fbf",
    "apic": "#c62828",
    "axon": "#6d4c41",
    "ais": "#2e7d32",
    "myelin": "#f9a825",
    "node": "#8e24aa",
}


@attrs.frozen(eq=False)
class MorphologyGeometry:
    """The drawable pieces of a cell: straight pieces between consecutive 3D points.

    Attributes:
        pieces: shape (n, 2, 3): start and end point of each piece, µm.
        diameters: mean diameter of each piece, µm.
        segment: index of the segment (cell's segment order) each piece belongs to.
        section: section ID of each piece.
        labels: canonical label of each piece.
    """

    pieces: NDArray[np.float64]
    diameters: NDArray[np.float64]
    segment: NDArray[np.int64]
    section: NDArray[np.int64]
    labels: NDArray[np.str_]


def _as_cell(cell: Cell | Morphology) -> Cell:
    return cell if isinstance(cell, Cell) else Cell(cell)


def morphology_geometry(
    cell: Cell | Morphology, labels: Collection[str] | None = None
) -> MorphologyGeometry:
    """Pieces of ``cell`` (a bare :class:`Morphology` is discretised with the default rule).

    Args:
        labels: keep only sections with these labels (canonical or ISF spelling); ``None`` = all.
    """
    cell = _as_cell(cell)
    morph = cell.final_morphology
    wanted = None if labels is None else {canonical_label(lab) for lab in labels}
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    pieces, diams, segs, secs, labs = [], [], [], [], []
    for sid, section in enumerate(morph.sections):
        if wanted is not None and section.label not in wanted:
            continue
        pts = section.points
        if pts.shape[0] < 2:
            # a one-point section still needs a visible mark: a zero-length piece draws as a dot
            pts = np.vstack([pts, pts])
            rel = np.array([0.0, 1.0])
            diam = np.repeat(section.diameters[:1], 2)
        else:
            rel = section.relative_points
            diam = section.diameters
        mid = 0.5 * (rel[:-1] + rel[1:])
        nseg = cell.nseg[sid]
        seg = np.minimum((mid * nseg).astype(np.int64), nseg - 1) + offsets[sid]
        pieces.append(np.stack([pts[:-1], pts[1:]], axis=1))
        diams.append(0.5 * (diam[:-1] + diam[1:]))
        segs.append(seg)
        secs.append(np.full(seg.shape[0], sid, dtype=np.int64))
        labs.append(np.full(seg.shape[0], section.label))
    if not pieces:
        raise ArgumentValueError(
            f"no section with labels {sorted(wanted or ())}; the cell has {sorted(set(morph.labels))}"
        )
    return MorphologyGeometry(
        np.concatenate(pieces),
        np.concatenate(diams),
        np.concatenate(segs),
        np.concatenate(secs),
        np.concatenate(labs),
    )


def mechanism_density(
    cell: Cell, mechanism: str, parameter: str | None = None
) -> NDArray[np.float64]:
    """Value of a mechanism parameter at every segment (cell's segment order), NaN where not inserted.

    Computed from the model (no NEURON): each region's distribution evaluated at its segments, as
    the NEURON backend sets them. Units are the parameter's (``gIhbar`` in S/cm²).

    Args:
        mechanism: mechanism name (``"Ih"``).
        parameter: parameter name without the suffix (``"gIhbar"``); default the mechanism's only
            parameter.

    Raises:
        ArgumentValueError (a ValueError): no region has the mechanism or the parameter, or ``parameter`` is ambiguous.
    """
    out = np.full(cell.n_segments, np.nan)
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    found = False
    for label, region in cell.regions.items():
        mech = next((m for m in region.mechanisms if m.name == mechanism), None)
        if mech is None:
            continue
        values = cell.mechanism_values(label, mech)
        if parameter is None:
            if len(values) != 1:
                raise ArgumentValueError(
                    f"mechanism {mechanism!r} has parameters {sorted(values)}: name one"
                )
            name = next(iter(values))
        else:
            name = parameter
        if name not in values:
            raise ArgumentValueError(
                f"mechanism {mechanism!r} in region {label!r} has no parameter {name!r}; it has {sorted(values)}"
            )
        rows = np.concatenate(
            [
                np.arange(offsets[s], offsets[s + 1])
                for s in cell.morphology.ids_with_label(label)
            ]
        )
        out[rows] = values[name]
        found = True
    if not found:
        have = sorted({m.name for r in cell.regions.values() for m in r.mechanisms})
        raise ArgumentValueError(
            f"no region of the cell has mechanism {mechanism!r}; mechanisms: {', '.join(have)}"
        )
    return out


def segment_values_at(
    result: Result, cell: Cell, time_ms: float, variable: str = "v"
) -> NDArray[np.float64]:
    """Per-segment values of ``variable`` at the recorded sample nearest to ``time_ms``.

    ``result`` must hold per-segment recordings
    (:func:`~isf.backends.neuron.segment_recording.simulate_segments`). mV for ``v``.
    """
    t = result.t_ms
    if not t[0] <= time_ms <= t[-1]:
        raise ArgumentValueError(
            f"time_ms = {time_ms} is outside the recorded {t[0]:g} … {t[-1]:g} ms"
        )
    k = int(np.argmin(np.abs(t - time_ms)))
    return segment_traces(result, cell, variable)[:, k]


def synapse_positions(
    morphology: Morphology, synapses: Synapses
) -> NDArray[np.float64]:
    """3D position (µm) of every synapse: its ``x`` interpolated along the section's points."""
    out = np.empty((len(synapses), 3))
    for sid in np.unique(synapses.section_id):
        rows = np.flatnonzero(synapses.section_id == sid)
        section = morphology.sections[int(sid)]
        rel = section.relative_points
        for axis in range(3):
            out[rows, axis] = np.interp(synapses.x[rows], rel, section.points[:, axis])
    return out


def _populations(synapses: Network | Mapping[str, Synapses]) -> dict[str, Synapses]:
    if isinstance(synapses, Network):
        return {p.name: p.synapses for p in synapses.populations}
    return dict(synapses)


def _linewidths(diameters: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    return np.clip(diameters * scale, 0.3, 5.0)


def plot_morphology(
    cell: Cell | Morphology,
    *,
    projection: Projection = "xz",
    values: ArrayLike | None = None,
    value_label: str = "",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    labels: Collection[str] | None = None,
    synapses: Network | Mapping[str, Synapses] | None = None,
    synapse_size: float = 2.0,
    linewidth_scale: float = 0.6,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (5.0, 7.0),
    title: str | None = None,
) -> Figure:
    """Draw a cell in a 2D projection or in 3D.

    Args:
        cell: the cell (or a bare morphology, discretised with the default rule).
        projection: ``"xy"``, ``"xz"``, ``"yz"`` (axes in µm) or ``"3d"``.
        values: one value per segment (cell's segment order, NaN = grey) — e.g.
            :func:`mechanism_density` or :func:`segment_values_at`; ``None`` colours by label.
        value_label: colour-bar label, with units (``"V (mV)"``).
        cmap, vmin, vmax: colour map and its range (default: the finite values' range).
        labels: draw only these labels (e.g. ``("soma", "dend", "apic")``); ``None`` = all.
        synapses: a :class:`~isf.model.network.Network` or population name → Synapses; markers
            coloured by the population's cell type (legend per cell type).
        synapse_size: marker size, points².
        linewidth_scale: line width in points per µm of diameter (clipped to 0.3 … 5 pt).
        ax: axes to draw into (a 3D axes for ``"3d"``); default a new figure.
    Returns:
        The figure.
    """
    cell = _as_cell(cell)
    if projection not in (*_AXES, "3d"):
        raise ArgumentValueError(
            f"projection = {projection!r} is invalid: allowed are 'xy', 'xz', 'yz', '3d'"
        )
    geom = morphology_geometry(cell, labels)
    if ax is None:
        ax = Figure(figsize=figsize, layout="constrained").add_subplot(projection="3d" if projection == "3d" else None)
    fig = figure_of(ax)
    widths = _linewidths(geom.diameters, linewidth_scale)
    if values is None:
        colors = [LABEL_COLORS[lab] for lab in geom.labels]
        mappable = None
    else:
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.shape[0] != cell.n_segments:
            raise ArgumentValueError(
                f"values has {array.shape[0]} entries; the cell has {cell.n_segments} segments "
                "(one value per segment, section order)"
            )
        finite = array[np.isfinite(array)]
        lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
        hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
        norm = Normalize(lo, hi if hi > lo else lo + 1e-12)
        colormap = colormaps[cmap].with_extremes(bad="0.8")
        colors = colormap(norm(array[geom.segment]))
        from matplotlib.cm import ScalarMappable

        mappable = ScalarMappable(norm=norm, cmap=colormap)
    if projection == "3d":
        from mpl_toolkits.mplot3d.art3d import Line3DCollection

        collection: Any = Line3DCollection(
            geom.pieces, colors=colors, linewidths=widths
        )
        ax.add_collection3d(collection)  # type: ignore[attr-defined]
        lo3, hi3 = geom.pieces.reshape(-1, 3).min(0), geom.pieces.reshape(-1, 3).max(0)
        centre, half = 0.5 * (lo3 + hi3), 0.5 * float((hi3 - lo3).max())
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_zlim(centre[2] - half, centre[2] + half)  # type: ignore[attr-defined]
        ax.set_xlabel("x (µm)")
        ax.set_ylabel("y (µm)")
        ax.set_zlabel("z (µm)")  # type: ignore[attr-defined]
    else:
        i, j = _AXES[projection]
        collection = LineCollection(
            # matplotlib's stub wants a Sequence of segments; an (N, M, 2) array is documented input
            geom.pieces[:, :, [i, j]],  # type: ignore[arg-type]
            colors=colors,
            linewidths=widths,
            capstyle="round",
        )
        ax.add_collection(collection)
        ax.autoscale_view()
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(f"{projection[0]} (µm)")
        ax.set_ylabel(f"{projection[1]} (µm)")
    handles: list[Any] = []
    if values is None:
        present = list(dict.fromkeys(geom.labels.tolist()))
        handles += [
            Line2D([], [], color=LABEL_COLORS[lab], lw=2, label=lab) for lab in present
        ]
    if synapses is not None:
        handles += _draw_synapses(
            ax, cell.final_morphology, _populations(synapses), projection, synapse_size
        )
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="best", frameon=False, markerscale=3)
    if mappable is not None:
        fig.colorbar(mappable, ax=ax, label=value_label, shrink=0.7)
    if title:
        ax.set_title(title)
    return fig


def _draw_synapses(
    ax: Axes,
    morphology: Morphology,
    populations: dict[str, Synapses],
    projection: str,
    size: float,
) -> list[Any]:
    by_type: dict[str, list[NDArray[np.float64]]] = {}
    for name, syn in populations.items():
        if len(syn):
            by_type.setdefault(name.split("_", 1)[0], []).append(
                synapse_positions(morphology, syn)
            )
    colors = celltype_colors(list(by_type))
    handles = []
    counts: dict[str, int] = {}
    for cell_type, chunks in by_type.items():
        xyz = np.concatenate(chunks)
        color = colors.get(cell_type, (0.4, 0.4, 0.4, 1.0))
        if projection == "3d":
            from mpl_toolkits.mplot3d.axes3d import Axes3D  # on use, as Line3DCollection above

            assert isinstance(ax, Axes3D)
            ax.scatter(
                xyz[:, 0],
                xyz[:, 1],
                xyz[:, 2],
                s=size,
                color=color,
                linewidths=0,
                depthshade=False,
            )
        else:
            i, j = _AXES[projection]
            ax.scatter(
                xyz[:, i], xyz[:, j], s=size, color=color, linewidths=0, zorder=3
            )
        counts[cell_type] = xyz.shape[0]
    # a legend of dozens of cell types hides the cell: beyond a few, summarise as E / I
    groups: dict[str, tuple[ColorType, int]]  # legend entry → (colour, synapse count)
    if len(counts) <= 6:
        groups = {
            t: (colors.get(t, (0.4, 0.4, 0.4, 1.0)), n) for t, n in counts.items()
        }
    else:
        groups = {}
        for name, (cls, shade) in {
            "EXC": ("EXC", "#c62828"),
            "INH": ("INH", "#1f5fbf"),
        }.items():
            n = sum(c for t, c in counts.items() if ei_class(t) == cls)
            if n:
                groups[f"{name} synapses"] = (shade, n)
    for name, (group_color, n) in groups.items():
        handles.append(
            Line2D([], [], ls="", marker="o", ms=3, color=group_color, label=f"{name} ({n})")
        )
    return handles
