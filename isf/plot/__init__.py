"""Plots of isf results (matplotlib; every function takes data and an optional ``ax`` and returns the
Figure, see :mod:`isf.plot.network`)."""

from __future__ import annotations

from isf.plot.network import (
    EI_COLORS,
    celltype_colors,
    psth_plot,
    raster,
    synapse_activation_raster,
    synapses_by_celltype,
    voltage_mean_std,
)

__all__ = [
    "EI_COLORS",
    "celltype_colors",
    "psth_plot",
    "raster",
    "synapse_activation_raster",
    "synapses_by_celltype",
    "voltage_mean_std",
]
