"""The study view: lazy frames over many run stores equal the single stores' frames, chunk by chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isf.errors import StoreError
from isf.store import Database, RunStore, StudyView
from isf.store.study_view import read_conditions, write_conditions
from study_data import write_store

LABELS = [{"whisker": "B1"}, {"whisker": "C2"}]


@pytest.fixture
def stores(tmp_path: Path) -> list[Path]:
    return [write_store(tmp_path / "a.h5", 1, 5, [3, 0, 4, 1, 2]), write_store(tmp_path / "b.h5", 2, 4)]


def _single(path: Path, key: str) -> pd.DataFrame:
    with RunStore.open(path) as store:
        if key == "voltage_traces":
            return store.traces("soma")
        return store["spikes" if key == "spike_times" else key]


@pytest.mark.parametrize("key", ["spike_times", "synapse_activations", "presynaptic_spikes", "voltage_traces"])
def test_view_frames_equal_the_single_stores(stores: list[Path], key: str) -> None:
    view = StudyView.of_stores(stores, LABELS, chunk_trials=2)
    frame = getattr(view, key)
    assert frame.npartitions == 5 and frame.known_divisions
    got = frame.compute()
    assert list(got.columns[:3]) == ["whisker", "run", "trial"]
    for path, labels in zip(stores, LABELS):
        part = got[got.whisker == labels["whisker"]]
        assert set(part.run.astype(str)) == {str(path)}
        expected = _single(path, key)
        data = part.drop(columns=["whisker", "run"]).set_index("trial")
        for column in ("population", "label"):
            if column in data:  # the view's categories are the union over runs
                data[column] = data[column].cat.remove_unused_categories()
                expected[column] = expected[column].cat.remove_unused_categories()
        if key == "voltage_traces":
            data.columns = pd.Index(data.columns.astype(np.float64), name="t_ms")
        pd.testing.assert_frame_equal(data, expected, check_exact=True)


def test_a_chunk_reads_only_its_trials(stores: list[Path]) -> None:
    with RunStore.open(stores[0]) as store:
        full = store["synapse_activations"]
        part = store.read("synapse_activations", [1, 3, 99])
        pd.testing.assert_frame_equal(part, full.loc[[1, 3]])
        pd.testing.assert_frame_equal(store.traces("dend", [4]), store.traces("dend").loc[[4]])
        assert store.read("spikes", []).empty


def test_trials_table_and_study_trial_index(stores: list[Path]) -> None:
    view = StudyView.of_stores(stores, LABELS, chunk_trials=3)
    trials = view.trials
    assert view.n_trials == 9 and list(trials.index) == list(range(9))
    assert trials.trial.tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3]
    assert trials.whisker.astype(str).tolist() == ["B1"] * 5 + ["C2"] * 4
    spikes = view.spike_times.compute()
    assert (spikes.groupby(level=0).size() == trials.n_spikes[trials.n_spikes > 0]).all()
    np.testing.assert_array_equal(view.time_ms("dend"), np.arange(201) * 0.25)
    assert view.traces("dend").compute().shape == (9, 3 + 201)


def test_of_database_reads_the_conditions_kept_in_the_stores(tmp_path: Path, stores: list[Path]) -> None:
    db = Database(tmp_path / "db")
    for labels, path in zip(LABELS, stores):
        target = db.run_store_path(("runs", labels["whisker"]))
        target.write_bytes(path.read_bytes())
        with RunStore.open(target, "a") as store:
            write_conditions(store, labels)
            write_conditions(store, labels)  # the same labels again: nothing to do
            with pytest.raises(StoreError, match="conditions"):
                write_conditions(store, {"whisker": "D1"})
    db["runs", "unlabelled"] = stores[0]  # a run store without labels is not part of the study
    db["settings"] = {"n": 1}
    view = StudyView.of_database(db)
    assert [r.name for r in view.runs] == ["runs/B1", "runs/C2"]
    with RunStore.open(view.runs[0].path) as store:
        assert read_conditions(store) == {"whisker": "B1"}
    assert view.trials.groupby("whisker", observed=True).size().tolist() == [5, 4]


def test_bad_views_are_refused(stores: list[Path]) -> None:
    with pytest.raises(StoreError, match="same condition names"):
        StudyView.of_stores(stores, [{"whisker": "B1"}, {"stimulus": "C2"}])
    with pytest.raises(StoreError, match="2 store files"):
        StudyView.of_stores(stores, [{"whisker": "B1"}])
    with pytest.raises(StoreError, match="a label must be"):
        StudyView.of_stores(stores, [{"whisker": None}, {"whisker": "C2"}])
    assert StudyView.of_stores([]).n_trials == 0


def test_columns_are_read_only_when_used(stores: list[Path]) -> None:
    with RunStore.open(stores[0]) as store:
        full = store["synapse_activations"]
        pd.testing.assert_frame_equal(store.read("synapse_activations", [2, 0], ["soma_distance_um", "population"]),
                                      full.loc[[0, 2], ["soma_distance_um", "population"]])
        pd.testing.assert_frame_equal(store.read("presynaptic_spikes", None, ["time_ms"]),
                                      store["presynaptic_spikes"][["time_ms"]])
        with pytest.raises(KeyError, match="no columns"):
            store.read("synapse_activations", None, ["nope"])
    view = StudyView.of_stores(stores, LABELS, chunk_trials=2)
    acts = view.synapse_activations
    projected = acts[["whisker", "soma_distance_um"]].compute()
    pd.testing.assert_frame_equal(projected, acts.compute()[["whisker", "soma_distance_um"]])
