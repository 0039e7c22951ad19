"""Reduced models: which synaptic input makes the cell spike (``docs/reduced_models.md``; the legacy
behaviour is specified in REDUCED_MODELS.md).

Where each concept lives:

* :mod:`isf.reduced.groups` — grouping columns of activations (cell type, column, proximal/distal,
  distance bins) and the explicit, versioned EXC/INH table (:class:`EITable`).
* :mod:`isf.reduced.binning` — per-trial, per-group 1-ms counts (:class:`BinnedInput`) from a frame, a
  run store, a study view or any dask frame (independent of the partitioning).
* :mod:`isf.reduced.runs` — binned input and spike times of run stores or a study database, row-aligned.
* :mod:`isf.reduced.pooled` — the space × time histogram pooled over trials.
* :mod:`isf.reduced.targets` — spike-in-window labels and time since the last spike.
* :mod:`isf.reduced.lda_settings`, :mod:`isf.reduced.lda`, :mod:`isf.reduced.lookup` — the reduced LDA
  model: settings with ISF's defaults, the fit (scikit-learn's LDA, balanced, repeated seeded splits),
  kernels, WNI and the lookup table.
* :mod:`isf.reduced.apply` — static and rolling application with the refractory correction.
* :mod:`isf.reduced.persistence` — a fitted model as JSON, in a study database or a file.
* :mod:`isf.reduced.expected_input` — expected input of a network without simulating (rates per
  population, synapses within a distance, EXC/INH sums, Poisson draws: surrogate binned input).
* :mod:`isf.reduced.raised_cosine`, :mod:`isf.reduced.modular` — the modular model: raised-cosine bases,
  separable space × time filters fitted for ROC-AUC, seeded restarts and splits; :mod:`isf.reduced.isi_terms`
  adds the terms of the cell's own last spike (raised-cosine ISI filter, refractory cutoff).
"""

from __future__ import annotations

from isf.reduced.apply import (
    RollingResult,
    StaticResult,
    apply_rolling,
    apply_static,
    fraction_able_to_spike,
    rolling,
    wni_static,
)
from isf.reduced.binning import (
    BinnedInput,
    bin_activations,
    bin_dask,
    bin_store,
    bin_study,
    concat_binned,
    dense_counts,
    legacy_to_long,
    sparse_counts,
)
from isf.reduced.expected_input import (
    expected_activations,
    expected_activations_by_ei,
    expected_release_rates,
    poisson_realizations,
    synapses_within,
)
from isf.reduced.groups import (
    EI_TABLE_ISF_2025,
    EI_TABLE_PRE_2025,
    GROUP_COLUMNS,
    EITable,
    check_ei_table,
    group_values,
)
from isf.reduced.isi_terms import ISI_BASIS, IsiTerms
from isf.reduced.lda import (
    LdaModel,
    LdaScores,
    block_label,
    blocks_of,
    fisher_direction,
    fit_lda,
    fit_lda_binned,
    normalize_kernel,
)
from isf.reduced.lda_settings import KERNEL_NORM, LdaSettings
from isf.reduced.lookup import Lookup, lookup_from_wni
from isf.reduced.modular import (
    SPATIAL_BASIS,
    TEMPORAL_BASIS,
    ModularFit,
    RaisedCosineBasis,
    SeparableProblem,
    Split,
    auroc,
    fit_modular,
    isi_split,
    normalize,
    random_split,
)
from isf.reduced.persistence import load_model, model_from_data, model_to_data, save_model
from isf.reduced.pooled import pooled_histogram, pooled_histogram_dask
from isf.reduced.runs import binned_runs, binned_study
from isf.reduced.targets import isi_before, spike_in_interval, spike_matrix, spike_table_from_traces

__all__ = [
    "EI_TABLE_ISF_2025",
    "EI_TABLE_PRE_2025",
    "GROUP_COLUMNS",
    "ISI_BASIS",
    "KERNEL_NORM",
    "SPATIAL_BASIS",
    "TEMPORAL_BASIS",
    "BinnedInput",
    "EITable",
    "IsiTerms",
    "LdaModel",
    "LdaScores",
    "LdaSettings",
    "Lookup",
    "ModularFit",
    "RaisedCosineBasis",
    "RollingResult",
    "SeparableProblem",
    "Split",
    "StaticResult",
    "apply_rolling",
    "apply_static",
    "auroc",
    "bin_activations",
    "bin_dask",
    "bin_store",
    "bin_study",
    "binned_runs",
    "binned_study",
    "block_label",
    "blocks_of",
    "check_ei_table",
    "concat_binned",
    "dense_counts",
    "expected_activations",
    "expected_activations_by_ei",
    "expected_release_rates",
    "fisher_direction",
    "fit_lda",
    "fit_lda_binned",
    "fit_modular",
    "fraction_able_to_spike",
    "group_values",
    "isi_before",
    "isi_split",
    "legacy_to_long",
    "load_model",
    "lookup_from_wni",
    "model_from_data",
    "model_to_data",
    "normalize",
    "normalize_kernel",
    "poisson_realizations",
    "pooled_histogram",
    "pooled_histogram_dask",
    "random_split",
    "rolling",
    "save_model",
    "sparse_counts",
    "spike_in_interval",
    "spike_matrix",
    "spike_table_from_traces",
    "synapses_within",
    "wni_static",
]
