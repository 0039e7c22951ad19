"""Analysis of results: pure functions over arrays and data frames (spike detection itself is the model's:
:func:`isf.model.spikes.spike_times`).

Where each concept lives:

* :mod:`isf.analysis.psth` — PSTHs, spike probability and mean rate over trials.
* :mod:`isf.analysis.synapse_stats` — synapse tables of a network by cell type, column and dendritic
  group; activations per trial and binned over time.
"""

from __future__ import annotations

from isf.analysis.psth import mean_rate_hz, psth, spike_probability
from isf.analysis.synapse_stats import (
    LABEL_GROUPS,
    PROXIMAL_LIMIT_UM,
    activation_summary,
    activations_per_trial,
    binned_activations,
    cell_type_of,
    celltype_synapse_table,
    column_of,
    network_synapses,
    order_cell_types,
    population_synapse_table,
    with_groups,
)

__all__ = [
    "LABEL_GROUPS",
    "PROXIMAL_LIMIT_UM",
    "activation_summary",
    "activations_per_trial",
    "binned_activations",
    "cell_type_of",
    "celltype_synapse_table",
    "column_of",
    "mean_rate_hz",
    "network_synapses",
    "order_cell_types",
    "population_synapse_table",
    "psth",
    "spike_probability",
    "with_groups",
]
