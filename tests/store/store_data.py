"""Shared data of the run-store tests: a small two-population network on cell 86 and synthetic trials."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import isf
import isf.data
from isf.model.spikes import spike_times
from isf.model.activity import Poisson
from isf.model.network import Network, Population
from isf.model.receptor import gaba, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_input, trial_rng
from isf.model.trial_result import TrialResult
from isf.store import RunStore

SEED = 7
N_TRIALS = 6
TSTOP = 200.0
EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {"simulation": {"tstop_ms": TSTOP}}})
FRAMES = ("spike_times", "spikes", "synapse_activations", "presynaptic_spikes", "voltage_traces")


def build_network() -> Network:
    """Two populations (excitatory, inhibitory) with a few synapses on cell 86."""
    morph = isf.read_hoc(isf.data.cell86("86_C2_center.hoc"))
    exc = Population("L5tt_C2", 3, Poisson(20.0), (glutamate(1.0, 1.0),),
                     Synapses.on(morph, [10, 20, 30, 40], [0.1, 0.5, 0.9, 0.3]),
                     Connectivity([0, 1, 1, 2], [0, 1, 2, 3]), 0.6)
    inh = Population("SymLocal1_Alpha", 2, Poisson(15.0), (gaba(1.0),),
                     Synapses.on(morph, [0, 5], [0.5, 0.5]), Connectivity([0, 1], [0, 1]))
    return Network((exc, inh))


def make_result(network: Network, trial: int, n_samples: int | None = None, seed: int = SEED) -> TrialResult:
    """A synthetic trial: real realised input, made-up traces with a few spikes."""
    trial_input = realize_input(network, TSTOP, trial_rng(seed, trial))
    n = n_samples if n_samples is not None else int(TSTOP / 0.025) + 1
    t = np.arange(n) * 0.025
    rng = np.random.default_rng(trial)
    v = -70.0 + 5.0 * np.sin(t / 7.0 + trial)
    for onset in rng.choice(n - 20, size=trial % 4, replace=False):
        v[onset:onset + 20] = 20.0
    dend = v - 3.0 + 0.1 * np.cos(t)
    return TrialResult(trial, seed, t, {"soma": v, "dend": dend}, spike_times(t, v, 0.0), trial_input)


def fill(path: Path, network: Network, results: list[TrialResult], order: list[int]) -> None:
    """A store of the trials ``results[i]`` for ``i`` in ``order``, appended in that order."""
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        for i in order:
            store.append(results[i], network, wall_s=0.5 + i)


def frames(path: Path) -> dict[str, pd.DataFrame]:
    """Every frame of a store, and the traces of ``dend``."""
    with RunStore.open(path) as store:
        out = {k: store[k] for k in FRAMES}
        out["dend"] = store.traces("dend")
        return out


def time_vector_blobs(store: RunStore) -> set[tuple[int, int]]:
    """(offset, nbytes) of the distinct time vectors the traces point to."""
    return {(int(o), int(n)) for o, n in store._h5.root.traces.read()[:, 5:7].tolist()}
