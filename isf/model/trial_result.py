"""What one stochastic network trial produced: traces, spikes, synapse activations, presynaptic spikes."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.network import Network
from isf.model.summary import trial_result_html, trial_result_text
from isf.model.trial_input import TrialInput


@attrs.frozen(eq=False)
class TrialResult:
    """One trial.

    Attributes:
        trial_index: index of the trial within its run.
        run_seed: the run's seed (the trial's generator is ``trial_rng(run_seed, trial_index)``).
        t_ms: sample times, ms.
        traces: recording key → values (mV for voltages).
        spike_times_ms: soma spikes (legacy rule: first sample ≥ 0 mV after one below), ms.
        input: the realised stochastic input.
    """

    trial_index: int
    run_seed: int
    t_ms: NDArray[np.float64]
    traces: dict[str, NDArray[np.float64]]
    spike_times_ms: NDArray[np.float64]
    input: TrialInput

    def __repr__(self) -> str:
        return trial_result_text(self)

    def _repr_html_(self) -> str:
        return trial_result_html(self)


def activation_columns(network: Network, trial_input: TrialInput) -> dict[str, NDArray[np.generic]]:
    """Synapse activations in long form (one row per release), populations in network order,
    synapse IDs ascending: population, synapse_id, soma_distance_um, section_id, section_pt_id,
    label, time_ms."""
    cols: dict[str, list[NDArray[np.generic]]] = {k: [] for k in (
        "population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id", "label", "time_ms")}
    for pop, realised in zip(network.populations, trial_input.populations):
        ids = np.repeat(realised.synapse_ids, realised.release_counts)
        syn = pop.synapses
        cols["population"].append(np.full(ids.shape[0], pop.name, dtype=object))
        cols["synapse_id"].append(ids)
        cols["soma_distance_um"].append(syn.soma_distance_um[ids])
        cols["section_id"].append(syn.section_id[ids])
        cols["section_pt_id"].append(syn.section_pt_id[ids])
        cols["label"].append(np.array(syn.labels, dtype=object)[ids] if len(syn) else np.zeros(0, dtype=object))
        cols["time_ms"].append(realised.release_flat_ms)
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}


def presynaptic_columns(trial_input: TrialInput) -> dict[str, NDArray[np.generic]]:
    """Presynaptic spikes in long form: population, cell_id, time_ms (cells in index order) and source
    (the spike-source tag; ``None`` where not known, e.g. replayed input)."""
    pops, cells, times, sources = [], [], [], []
    for realised in trial_input.populations:
        counts = realised.presynaptic_counts
        n = int(counts.sum())
        pops.append(np.full(n, realised.name, dtype=object))
        cells.append(np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts))
        times.append(realised.presynaptic_times_ms)
        sources.append(realised.presynaptic_source_names if realised.sources_known
                       else np.full(n, None, dtype=object))
    if not times:
        return {"population": np.zeros(0, dtype=object), "cell_id": np.zeros(0, np.int64), "time_ms": np.zeros(0),
                "source": np.zeros(0, dtype=object)}
    return {"population": np.concatenate(pops), "cell_id": np.concatenate(cells), "time_ms": np.concatenate(times),
            "source": np.concatenate(sources)}
