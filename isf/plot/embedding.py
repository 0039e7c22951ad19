"""Plots of an anatomical embedding: synapse locations on the morphology by presynaptic cell type, and
synapse counts across realisations.

Each function draws into ``ax`` (or a new :class:`~matplotlib.figure.Figure`) and returns the figure.
Colours per cell type come from :func:`isf.plot.network.celltype_colors` (excitatory reds,
inhibitory blues), so they match the network plots.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from isf.embedding.mapper import Embedding
from isf.embedding.realisation import Realisation
from isf.model.morphology import Morphology
from isf.plot.axes import figure_of, new_axes
from isf.plot.network import celltype_colors

__all__ = ["synapse_count_distribution", "synapse_locations"]

_AXES = {"x": 0, "y": 1, "z": 2}


def synapse_locations(
    morphology: Morphology,
    realisation: Realisation,
    ax: Axes | None = None,
    projection: Literal["xz", "yz", "xy"] = "xz",
    marker_size: float = 4.0,
) -> Figure:
    """The morphology (grey) projected on a plane, with every synapse as a dot coloured by presynaptic cell type.

    A synapse is drawn at the 3D point it was placed on (its section and ``x``), in µm.
    """
    ax = new_axes(ax, (6, 8))
    fig = figure_of(ax)
    h, v = (_AXES[c] for c in projection)
    lines = [
        s.points[:, [h, v]]
        for s in morphology.sections
        if s.label in ("soma", "dend", "apic")
    ]
    ax.add_collection(LineCollection(lines, colors="0.6", linewidths=0.6, zorder=1))
    types = list(dict.fromkeys(p.cell_type for p in realisation.populations if len(p)))
    colours = celltype_colors(types)
    for celltype in types:
        pops = [
            p for p in realisation.populations if p.cell_type == celltype and len(p)
        ]
        xy = []
        for pop in pops:
            for sid, x in zip(pop.section_id.tolist(), pop.x.tolist()):
                section = morphology.sections[sid]
                xy.append(section.points[section.point_index(x), [h, v]])
        pts = np.array(xy)
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=marker_size,
            color=colours[celltype],
            label=f"{celltype} ({len(pts)})",
            zorder=2,
            linewidths=0,
        )
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_xlabel(f"{projection[0]} (µm)")
    ax.set_ylabel(f"{projection[1]} (µm)")
    ax.set_title(
        f"{realisation.n_synapses:,} synapses (sample {realisation.sample})",
        fontsize=10,
    )
    ax.legend(
        fontsize=7,
        markerscale=2,
        loc="best",
        title="presynaptic type",
        title_fontsize=7,
    )
    return fig


def synapse_count_distribution(result: Embedding, ax: Axes | None = None) -> Figure:
    """Synapses per presynaptic cell type over all realisations (box plots), the representative sample marked."""
    ax = new_axes(ax, (8, 4))
    fig = figure_of(ax)
    counts = result.synapse_counts()
    types = list(counts.columns)
    colours = celltype_colors(types)
    box = ax.boxplot(
        [counts[t].to_numpy() for t in types], patch_artist=True, widths=0.6
    )
    for patch, celltype in zip(box["boxes"], types):
        patch.set_facecolor(colours[celltype])
        patch.set_alpha(0.6)
    chosen = counts.iloc[result.representative]
    ax.scatter(
        np.arange(1, len(types) + 1),
        chosen.to_numpy(),
        marker="D",
        color="k",
        zorder=3,
        s=18,
        label=f"representative (sample {result.representative})",
    )
    ax.set_xticks(np.arange(1, len(types) + 1), types, rotation=45, ha="right")
    ax.set_ylabel("synapses per realisation")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_title(f"{len(counts)} realisations, seed {result.seed}", fontsize=10)
    ax.legend(fontsize=8)
    return fig
