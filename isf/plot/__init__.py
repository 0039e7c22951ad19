"""Plots of isf models and results (matplotlib). Every function takes data and an optional ``ax`` and
returns the :class:`~matplotlib.figure.Figure`; animations return a
:class:`~isf.plot.animation.CellAnimation` that writes GIF/MP4/PNG frames and shows inline in notebooks.

* :mod:`isf.plot.network` — network trials: rasters, PSTHs, voltage mean ± SD, synapse activations.
* :mod:`isf.plot.morphology` — a cell in 2D projections or 3D, coloured by label, by a channel
  density or by the voltage at a time point; synapse markers by population.
* :mod:`isf.plot.traces` — thousands of traces in one plot (one collection, or a numpy raster).
* :mod:`isf.plot.animation` — voltage vs soma distance over time (a bAP along the dendrites), and
  the 3D morphology coloured by voltage over time.
"""

from __future__ import annotations

from isf.plot.animation import (
    CellAnimation,
    animate_morphology,
    animate_voltage_vs_distance,
)
from isf.plot.morphology import (
    LABEL_COLORS,
    mechanism_density,
    morphology_geometry,
    plot_morphology,
    segment_values_at,
    synapse_positions,
)
from isf.plot.network import (
    EI_COLORS,
    celltype_colors,
    psth_plot,
    raster,
    synapse_activation_raster,
    synapses_by_celltype,
    voltage_mean_std,
)
from isf.plot.traces import plot_traces, rasterise_traces

__all__ = [
    "EI_COLORS",
    "LABEL_COLORS",
    "CellAnimation",
    "animate_morphology",
    "animate_voltage_vs_distance",
    "celltype_colors",
    "mechanism_density",
    "morphology_geometry",
    "plot_morphology",
    "plot_traces",
    "psth_plot",
    "raster",
    "rasterise_traces",
    "segment_values_at",
    "synapse_activation_raster",
    "synapse_positions",
    "synapses_by_celltype",
    "voltage_mean_std",
]
