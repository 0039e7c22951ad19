"""Plots of isf models and results (matplotlib). Every function takes data and an optional ``ax`` and
returns the :class:`~matplotlib.figure.Figure` (not registered with pyplot); animations return a
:class:`~isf.plot.animation.CellAnimation` that writes GIF/MP4/PNG frames and shows inline in notebooks.

Where each concept lives:

* :mod:`isf.plot.network` — network trials: rasters, PSTHs, voltage mean ± SD, synapse activations;
  the colours of cell types and E/I classes.
* :mod:`isf.plot.morphology` — a cell in 2D projections or 3D, coloured by label, by a channel
  density or by the voltage at a time point; synapse markers by population.
* :mod:`isf.plot.traces` — thousands of traces in one plot (one collection, or a numpy raster).
* :mod:`isf.plot.study` — over the runs of a study: P(spike) per condition, PSTHs overlaid, mean ± SD,
  all traces streamed block by block from a study view.
* :mod:`isf.plot.animation` — voltage vs soma distance over time (a bAP along the dendrites), and
  the 3D morphology coloured by voltage over time; with a trial's activations, the synapses that fire
  marked by presynaptic cell type (:mod:`isf.plot.synapse_markers`).
* :mod:`isf.plot.embedding` — an anatomical embedding: synapse locations, synapse counts.
* :mod:`isf.plot.fitting` — Hay fitting results: objectives, parameter spread, protocol traces.
* Helpers of the plot modules, not re-exported: :mod:`isf.plot.axes` (the caller's axes or a new
  figure's), :mod:`isf.plot.output` (atomic writes of image files).
"""

from __future__ import annotations

from isf.plot.animation import (
    CellAnimation,
    animate_morphology,
    animate_voltage_vs_distance,
    distance_profile,
    frame_indices,
)
from isf.plot.embedding import synapse_count_distribution, synapse_locations
from isf.plot.fitting import objectives_boxplot, parameter_spread, protocol_traces
from isf.plot.morphology import (
    LABEL_COLORS,
    MorphologyGeometry,
    Projection,
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
from isf.plot.synapse_markers import SynapseEvents, synapse_events
from isf.plot.study import plot_mean_sd, plot_psths, plot_spike_probability, plot_study_traces
from isf.plot.traces import AUTO_RASTER_ABOVE, plot_traces, rasterise_traces

__all__ = [
    "AUTO_RASTER_ABOVE",
    "EI_COLORS",
    "LABEL_COLORS",
    "CellAnimation",
    "MorphologyGeometry",
    "Projection",
    "SynapseEvents",
    "animate_morphology",
    "animate_voltage_vs_distance",
    "celltype_colors",
    "distance_profile",
    "frame_indices",
    "mechanism_density",
    "morphology_geometry",
    "objectives_boxplot",
    "parameter_spread",
    "plot_mean_sd",
    "plot_morphology",
    "plot_psths",
    "plot_spike_probability",
    "plot_study_traces",
    "plot_traces",
    "protocol_traces",
    "psth_plot",
    "raster",
    "rasterise_traces",
    "segment_values_at",
    "synapse_activation_raster",
    "synapse_count_distribution",
    "synapse_events",
    "synapse_locations",
    "synapse_positions",
    "synapses_by_celltype",
    "voltage_mean_std",
]
