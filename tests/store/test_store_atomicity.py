"""A trial is stored whole or not at all: crashes leave invisible orphans, failed appends roll back."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables

from isf.model.network import Network
from isf.model.trial_result import TrialResult, activation_columns
from isf.store import RunStore
from store_data import EXPERIMENT, N_TRIALS, SEED, build_network, fill, frames, make_result


# ------------------------------------------------------------------------------------------ crashes and resume


def _crash_during_append(path: str, trial: int) -> None:  # runs in a child process
    network = build_network()
    result = make_result(network, trial)
    store = RunStore.open(path, "a")
    trials_table = store._h5.root.trials

    def die(*args: object, **kwargs: object) -> None:
        store._h5.flush()  # everything but the trials row reached the file...
        os._exit(3)        # ...then the process dies without closing it

    trials_table.append = die
    store.append(result, network)


def test_crash_leaves_invisible_orphans_and_resume_removes_them(tmp_path: Path, network: Network,
                                                                results: list[TrialResult]) -> None:
    assert build_network() == network
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        clean_sizes = store._index.sizes()
    child = multiprocessing.get_context("spawn").Process(target=_crash_during_append, args=(str(path), 2))
    child.start()
    child.join(120)
    assert child.exitcode == 3
    with tables.open_file(str(path)) as h5:  # what the crashed append wrote is in the file
        assert h5.root.blobs.nrows > clean_sizes["blobs"]
        assert h5.root.traces.nrows > clean_sizes["traces"]
        assert h5.root.trials.nrows == clean_sizes["trials"]
    with RunStore.open(path) as store:  # ...but readers do not see them
        assert store.completed_trials() == {0}
        assert set(store["synapse_activations"].index) == {0}
        assert store["presynaptic_spikes"].index.unique().tolist() == [0]
        assert store["voltage_traces"].index.tolist() == [0]
        assert store["spike_times"].index.tolist() == [0]
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        assert store._index.sizes() == clean_sizes  # resuming truncated the orphans
        assert store.completed_trials() == {0}
        for i in range(1, N_TRIALS):
            store.append(results[i], network)
    fill(tmp_path / "clean.h5", network, results, list(range(N_TRIALS)))
    a, b = frames(path), frames(tmp_path / "clean.h5")
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True)


def test_orphan_rows_at_the_table_ends_are_truncated_when_opened_for_append(
        tmp_path: Path, network: Network, results: list[TrialResult], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        store.append(results[1], network)
        clean = store._index.sizes()
        # what an interrupted append of trial 4 leaves: its blobs, new synapses and trace rows, no trials row
        monkeypatch.setattr(store._h5.root.trials, "append", lambda rows: None)
        store.append(results[4], network)
        monkeypatch.undo()
        assert store._index.sizes() != clean
        assert store._index.sizes()["trials"] == clean["trials"]
    with RunStore.open(path) as store:
        assert store.completed_trials() == {0, 1}
        assert set(store["synapse_activations"].index) == {0, 1}
        assert store["voltage_traces"].index.tolist() == [0, 1]
        assert store._index.sizes() != clean  # read-only: nothing is changed
    with RunStore.open(path, "a") as store:
        assert store._index.sizes() == clean
        store.append(results[4], network)
    with RunStore.open(path) as store:
        assert store.completed_trials() == {0, 1, 4}
        acts = store["synapse_activations"]
        assert len(acts.loc[[4]]) == activation_columns(network, results[4].input)["time_ms"].shape[0]
        assert np.array_equal(store["voltage_traces"].loc[4].to_numpy(), results[4].traces["soma"])


def test_failed_append_is_rolled_back(tmp_path: Path, network: Network, results: list[TrialResult],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        before = store._index.sizes()
        keys = store.trace_keys()

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(store._writer, "_append_traces", boom)
        with pytest.raises(RuntimeError, match="disk full"):
            store.append(results[1], network)
        monkeypatch.undo()
        assert store._index.sizes() == before and store.trace_keys() == keys
        assert store.completed_trials() == {0}
        store.append(results[1], network)
        assert store.completed_trials() == {0, 1}
