"""Synthetic study of the study-view tests: small run stores written through ``RunStore.append_trial``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from isf.store import RunStore

EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {"simulation": {"tstop_ms": 50.0}}})
POPULATIONS = ("L4ss_C2", "L5tt_C2", "SymLocal1_Alpha")
N_SAMPLES = 201  # 50 ms at dt 0.25 ms


def trial_columns(seed: int, trial: int) -> dict[str, object]:
    """One synthetic trial's columns (append_trial's keyword arguments)."""
    rng = np.random.default_rng([seed, trial])
    t = np.arange(N_SAMPLES) * 0.25
    v = -70.0 + np.cumsum(rng.normal(0.0, 0.5, N_SAMPLES))
    n_pre = int(rng.integers(20, 60))
    pre_pop = rng.integers(0, len(POPULATIONS), n_pre)
    pre_time = np.sort(rng.uniform(0.0, 50.0, n_pre))
    n_act = int(rng.integers(0, 80))
    synapse = rng.integers(0, 40, n_act)
    act = {
        "population": np.array(POPULATIONS, dtype=object)[synapse % len(POPULATIONS)],
        "synapse_id": synapse,
        "soma_distance_um": 10.0 * synapse + 3.0,
        "section_id": synapse // 4,
        "section_pt_id": synapse % 4,
        "label": np.where(synapse % 2 == 0, "ApicalDendrite", "Dendrite").astype(object),
        "time_ms": rng.uniform(0.0, 50.0, n_act),
    }
    pre = {"population": np.array(POPULATIONS, dtype=object)[pre_pop], "cell_id": rng.integers(0, 30, n_pre),
           "time_ms": pre_time}
    spikes = np.sort(rng.uniform(0.0, 50.0, int(rng.integers(0, 4))))
    return {"t_ms": t, "traces": {"soma": v, "dend": v + 1.0}, "spike_times_ms": spikes,
            "synapse_activations": act, "presynaptic_spikes": pre}


def write_store(path: Path, seed: int, n_trials: int, order: list[int] | None = None) -> Path:
    """A run store of ``n_trials`` synthetic trials (appended in ``order``, default ascending)."""
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=seed, n_trials=n_trials) as store:
        for trial in order if order is not None else range(n_trials):
            store.append_trial(trial, **trial_columns(seed, trial))  # type: ignore[arg-type]
    return path
