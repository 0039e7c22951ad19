"""RunStore: what goes in comes out, trial by trial; creating, resuming and opening stores."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables

import isf
import isf.data
from isf.errors import StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult, activation_columns, presynaptic_columns
from isf.store import FORMAT, RunStore
from store_data import EXPERIMENT, N_TRIALS, SEED, TSTOP, fill, frames, make_result, time_vector_blobs


# ------------------------------------------------------------------------------------------ content


def test_round_trip_of_every_table(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    with RunStore.open(path) as store:
        assert store.completed_trials() == set(range(N_TRIALS))
        assert set(store.keys()) == {"spike_times", "spikes", "synapse_activations", "presynaptic_spikes",
                                     "trials", "voltage_traces"}
        assert store.trace_keys() == ["soma", "dend"]
        acts = store["synapse_activations"]
        pres = store["presynaptic_spikes"]
        spikes = store["spikes"]
        wide = store["spike_times"]
        soma = store["voltage_traces"]
        dend = store.traces("dend")
        trials = store["trials"]
    assert isinstance(acts["population"].dtype, pd.CategoricalDtype)
    assert isinstance(acts["label"].dtype, pd.CategoricalDtype)
    assert list(acts["population"].cat.categories) == ["L5tt_C2", "SymLocal1_Alpha"]
    assert list(acts.columns) == ["population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id",
                                  "label", "time_ms"]
    assert list(pres.columns) == ["population", "cell_id", "time_ms", "source"]
    assert set(pres["source"].cat.categories) <= {"poissontrain", "pointcell_PSTH"} and pres["source"].notna().all()
    for r in results:
        expected = activation_columns(network, r.input)
        got = acts.loc[[r.trial_index]] if r.trial_index in acts.index else acts.iloc[:0]
        assert len(got) == expected["time_ms"].shape[0]
        for c, v in expected.items():
            assert np.array_equal(got[c].to_numpy(dtype=v.dtype), v), c
        expected_pre = presynaptic_columns(r.input)
        got_pre = pres.loc[[r.trial_index]]
        for c, v in expected_pre.items():
            assert np.array_equal(got_pre[c].to_numpy(dtype=v.dtype), v), c
        assert len(expected_pre["source"]) == len(got_pre) and expected_pre["source"].all()
        row = wide.loc[r.trial_index].to_numpy()
        k = r.spike_times_ms.shape[0]
        assert np.array_equal(row[:k], r.spike_times_ms) and np.isnan(row[k:]).all()
        assert np.array_equal(spikes.loc[spikes.index == r.trial_index, "time_ms"].to_numpy(), r.spike_times_ms)
        assert np.array_equal(soma.loc[r.trial_index].to_numpy(), r.traces["soma"])
        assert np.array_equal(dend.loc[r.trial_index].to_numpy(), r.traces["dend"])
    assert wide.shape == (N_TRIALS, 3) and wide.index.name == "trial"
    assert np.array_equal(soma.columns.to_numpy(), results[0].t_ms) and soma.columns.name == "t_ms"
    assert trials["n_spikes"].tolist() == [r.spike_times_ms.shape[0] for r in results]
    assert trials["wall_s"].tolist() == [0.5 + i for i in range(N_TRIALS)]
    assert trials["has_input"].all()
    for stamp in trials["finished_at"]:
        assert datetime.datetime.fromisoformat(stamp).tzinfo is not None


def test_results_do_not_depend_on_append_order(tmp_path: Path, network: Network,
                                                results: list[TrialResult]) -> None:
    fill(tmp_path / "a.h5", network, results, [0, 1, 2, 3, 4, 5])
    fill(tmp_path / "b.h5", network, results, [4, 1, 5, 0, 3, 2])
    a, b = frames(tmp_path / "a.h5"), frames(tmp_path / "b.h5")
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True)
        assert a[key].index.is_monotonic_increasing, key
    # categories come out sorted even if the first appended trial introduced names in another order
    assert list(b["presynaptic_spikes"]["population"].cat.categories) == ["L5tt_C2", "SymLocal1_Alpha"]

def test_partial_run_has_rows_only_for_completed_trials(tmp_path: Path, network: Network,
                                                        results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[3], network)
        store.append(results[0], network)
    with RunStore.open(path) as store:
        assert store["spike_times"].index.tolist() == [0, 3]
        assert store["voltage_traces"].index.tolist() == [0, 3]
        assert sorted(set(store["synapse_activations"].index)) == [0, 3]


def test_empty_store_reads_empty_frames(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=3).close()
    with RunStore.open(path) as store:
        assert store.completed_trials() == set()
        assert store["spike_times"].shape == (0, 0)
        assert store["synapse_activations"].empty and store["presynaptic_spikes"].empty
        assert "voltage_traces" not in store.keys()
        with pytest.raises(KeyError, match="voltage_traces|soma"):
            store["voltage_traces"]

def test_append_validates_before_writing(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        sizes = store._index.sizes()
        with pytest.raises(ValueError, match="already stored"):
            store.append(results[0], network)
        with pytest.raises(ValueError, match="run_seed"):
            store.append(make_result(network, 1, seed=SEED + 1), network)
        with pytest.raises(ValueError, match="outside 0..5"):
            store.append_trial(6, t_ms=[0.0], traces={}, spike_times_ms=[])
        with pytest.raises(ValueError, match="populations"):
            store.append(results[1], Network(network.populations[:1]))
        with pytest.raises(ValueError, match="cannot be stored"):
            store.append_trial(1, t_ms=[0.0], traces={}, spike_times_ms=[], presynaptic_spikes={
                "population": np.array(["X_" + "y" * 40], dtype=object), "cell_id": np.array([0]),
                "time_ms": np.array([1.0])})
        with pytest.raises(ValueError, match="equal length"):
            store.append_trial(1, t_ms=[0.0, 1.0], traces={"soma": [1.0]}, spike_times_ms=[])
        assert store._index.sizes() == sizes
    with RunStore.open(path) as store, pytest.raises(ValueError, match="read-only"):
        store.append(results[1], network)


def test_ragged_traces(tmp_path: Path, network: Network) -> None:
    path = tmp_path / "run.h5"
    short, long = make_result(network, 0, n_samples=500), make_result(network, 1, n_samples=800)
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=2) as store:
        store.append(long, network)
        store.append(short, network)
    with RunStore.open(path) as store:
        with pytest.raises(ValueError, match="different time vectors"):
            store["voltage_traces"]
        for r in (short, long):
            t, v = store.trace("soma", r.trial_index)
            assert np.array_equal(t, r.t_ms) and np.array_equal(v, r.traces["soma"])
        assert len(time_vector_blobs(store)) == 2  # both time vectors, each once
        assert store["spike_times"].index.tolist() == [0, 1]

def test_shared_time_vector_is_stored_once(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    with RunStore.open(path) as store:
        assert len(time_vector_blobs(store)) == 1
        assert store._h5.root.traces.nrows == 2 * N_TRIALS


# ------------------------------------------------------------------------------------------ create / open


def test_provenance(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    from isf.model.codec import to_data

    params = isf.read_cell_param(isf.data.cell86("86_C2_center.param"))
    experiment_json = json.dumps(to_data(isf.Experiment(params.cell, params.simulation)))
    path = tmp_path / "run.h5"
    before = datetime.datetime.now(datetime.timezone.utc)
    with RunStore.create(path, experiment_json=experiment_json, run_seed=SEED, n_trials=N_TRIALS,
                         extra={"host": "test", "workers": 4}) as store:
        store.add_provenance_file("a.param", "{'x': 1}\n")
        store.add_provenance_file("empty.txt", "")
        with pytest.raises(ValueError, match="already stored"):
            store.add_provenance_file("a.param", "")
        store.append(results[0], network, wall_s=1.25)
    with RunStore.open(path) as store:
        prov = store.provenance
        assert store.experiment_json == experiment_json
        assert isf.model.codec.from_data(json.loads(store.experiment_json)) == isf.Experiment(
            params.cell, params.simulation)
    assert prov["format"] == FORMAT and prov["format_version"] == 3
    assert prov["isf_version"] == isf.__version__
    assert prov["numpy_version"] == np.__version__ and prov["pandas_version"] == pd.__version__
    assert prov["tables_version"] == tables.__version__
    assert isinstance(prov["neuron_version"], str) and prov["neuron_version"]
    assert prov["run_seed"] == SEED and prov["n_trials"] == N_TRIALS and prov["soma_key"] == "soma"
    assert prov["experiment_json"] == experiment_json
    assert prov["extra"] == {"host": "test", "workers": 4}
    assert prov["files"] == {"a.param": "{'x': 1}\n", "empty.txt": ""}
    created = datetime.datetime.fromisoformat(prov["created_at"])
    assert created.utcoffset() == datetime.timedelta(0) and created >= before - datetime.timedelta(seconds=1)
    with tables.open_file(str(path)) as h5:  # plain HDF5 attributes, readable without isf
        assert h5.root._v_attrs.run_seed == SEED and str(h5.root._v_attrs.isf_version) == isf.__version__


def test_create_resumes_the_same_run_and_refuses_another(tmp_path: Path, network: Network,
                                                         results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
    # same run, JSON formatted differently: resumes
    with RunStore.create(path, experiment_json=json.dumps(json.loads(EXPERIMENT), indent=2), run_seed=SEED,
                         n_trials=N_TRIALS) as store:
        assert store.mode == "a" and store.completed_trials() == {0}
    with pytest.raises(FileExistsError, match=r"run_seed: stored 7, requested 8"):
        RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED + 1, n_trials=N_TRIALS)
    with pytest.raises(FileExistsError, match=r"n_trials: stored 6, requested 7"):
        RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS + 1)
    other = EXPERIMENT.replace(str(TSTOP), "300.0")
    with pytest.raises(FileExistsError, match=r"experiment\.value\.simulation\.tstop_ms: stored 200\.0, requested "
                                              r"300\.0"):
        RunStore.create(path, experiment_json=other, run_seed=SEED, n_trials=N_TRIALS)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(FileExistsError, match="not an isf run store"):
        RunStore.create(text, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)
    assert text.read_text() == "not hdf5"
    with pytest.raises(ValueError, match="not JSON"):
        RunStore.create(tmp_path / "x.h5", experiment_json="{nope", run_seed=SEED, n_trials=1)
    assert not (tmp_path / "x.h5").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.h5", "run.h5"]  # no temporary files left


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RunStore.open(tmp_path / "missing.h5")
    with tables.open_file(str(tmp_path / "other.h5"), "w") as h5:
        h5.create_array("/", "x", np.zeros(3))
    with pytest.raises(ValueError, match="not an isf run store"):
        RunStore.open(tmp_path / "other.h5")
    with pytest.raises(ValueError, match="mode"):
        RunStore.open(tmp_path / "other.h5", "w")  # type: ignore[arg-type]

def test_activations_without_presynaptic_spikes_and_without_synapse_ids(tmp_path: Path) -> None:
    """Legacy imports: old activation files have synapse ID -1 for every synapse, and a trial may lack its
    presynaptic file: release times are then kept as they are."""
    acts = {"population": np.array(["L5tt_C2", "L5tt_C2", "L5tt_C2", "VPM_C2"], dtype=object),
            "synapse_id": np.array([-1, -1, -1, 3]), "soma_distance_um": np.array([10.5, 200.25, 10.5, -0.0]),
            "section_id": np.array([1, 7, 1, 2]), "section_pt_id": np.array([0, 4, 0, 1]),
            "label": np.array(["Dendrite", "ApicalDendrite", "Dendrite", "Soma"], dtype=object),
            "time_ms": np.array([1.0, 2.0, 3.0, np.nan])}
    pres = {"population": np.array(["L5tt_C2", "VPM_C2"], dtype=object), "cell_id": np.array([4, 0]),
            "time_ms": np.array([2.0, 7.5])}
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json="{}", run_seed=-1, n_trials=3) as store:
        store.append_trial(2, t_ms=[0.0], traces={}, spike_times_ms=[], synapse_activations=acts)
        store.append_trial(0, t_ms=[0.0], traces={}, spike_times_ms=[], synapse_activations=acts,
                           presynaptic_spikes=pres)
        assert store._index.synapse_table()["population"].shape[0] == 3  # the three distinct synapses
    with RunStore.open(path) as store:
        frame = store["synapse_activations"]
        presynaptic = store["presynaptic_spikes"]
    assert frame.index.tolist() == [0, 0, 0, 0, 2, 2, 2, 2]
    for trial in (0, 2):
        got = frame.loc[[trial]]
        for c, v in acts.items():
            assert got[c].to_numpy(dtype=v.dtype).tobytes() == v.astype(v.dtype).tobytes() if v.dtype != object \
                else got[c].tolist() == v.tolist(), c
    assert list(frame["label"].cat.categories) == ["ApicalDendrite", "Dendrite", "Soma"]
    assert presynaptic.index.tolist() == [0, 0] and presynaptic["cell_id"].tolist() == [4, 0]


def test_format_1_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.h5"
    with tables.open_file(str(path), "w") as h5:
        h5.root._v_attrs.format = FORMAT
        h5.root._v_attrs.format_version = 1
        h5.root._v_attrs.isf_version = "0.1.0"
    with pytest.raises(ValueError, match="format 1 .*isf 0.1.0.*reads formats 2 to 3"):
        RunStore.open(path)
    with pytest.raises(FileExistsError, match="format 1"):
        RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)


def test_spike_sources_are_stored_with_every_presynaptic_spike(tmp_path: Path, network: Network,
                                                               results: list[TrialResult]) -> None:
    """Tags from plain columns (missing values: not known) and from a realised input in which one
    population's tags are not known (a replayed population) come back spike by spike."""
    import attrs

    from isf.model.trial_input import TrialInput

    pres = {"population": np.array(["A", "A", "B", "B"], dtype=object), "cell_id": np.array([0, 1, 0, 0]),
            "time_ms": np.array([1.0, 2.0, 3.0, 4.0]),
            "source": np.array(["pointcell_PSTH", None, "poissontrain", np.nan], dtype=object)}
    first, second = results[0].input.populations
    replayed = attrs.evolve(results[0], input=TrialInput((first, attrs.evolve(
        second, presynaptic_sources=np.zeros(0, np.int8)))))
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append_trial(3, t_ms=[0.0], traces={}, spike_times_ms=[], presynaptic_spikes=pres)
        store.append(replayed, network)
        with pytest.raises(ValueError, match="differ in length"):
            store.append_trial(4, t_ms=[0.0], traces={}, spike_times_ms=[],
                               presynaptic_spikes={**pres, "source": pres["source"][:2]})
    with RunStore.open(path) as store:
        got = store["presynaptic_spikes"]
        assert store._index.name_list("sources") == ["pointcell_PSTH", "poissontrain"]
    assert got.loc[3, "source"].tolist()[:3] == ["pointcell_PSTH", np.nan, "poissontrain"]
    assert got.loc[3, "source"].isna().tolist() == [False, True, False, True]
    expected = presynaptic_columns(replayed.input)["source"]
    n_first = first.presynaptic_times_ms.shape[0]
    assert n_first and expected[n_first:].tolist() == [None] * (expected.shape[0] - n_first)
    tags = got.loc[[0], "source"]
    assert tags.iloc[:n_first].tolist() == first.presynaptic_source_names.tolist()
    assert tags.iloc[n_first:].isna().all()


def test_evoked_and_ongoing_spikes_keep_their_sources(tmp_path: Path, network: Network) -> None:
    """A population with ongoing (Poisson) and evoked (PSTH) activity: the stored tags say which
    generator drew each spike, the same as the drawn input."""
    import attrs

    from isf.model.activity import Activity
    from isf.model.spike_trains import PSTH, Poisson

    exc, inh = network.populations
    mixed = attrs.evolve(exc, activity=Activity((Poisson(5.0), PSTH(((0.0, 10.0),), (0.9,), offset_ms=100.0))))
    both = Network((mixed, inh))
    result = make_result(both, 0)
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(result, both)
    with RunStore.open(path) as store:
        pre = store["presynaptic_spikes"]
    expected = presynaptic_columns(result.input)
    assert pre["source"].astype(object).tolist() == expected["source"].tolist()
    evoked = pre[pre["source"] == "pointcell_PSTH"]
    assert len(evoked) and evoked["time_ms"].between(100.0, 110.0).all()
    assert set(pre.loc[pre["population"] == "SymLocal1_Alpha", "source"]) == {"poissontrain"}


def test_a_damaged_spike_column_is_refused_not_read(tmp_path: Path, network: Network,
                                                    results: list[TrialResult]) -> None:
    """The soma spike column carries a checksum (set by every compaction): changed bytes are an error
    naming the column, never spike times read as they are."""
    path = tmp_path / "run.h5"
    fill(path, network, results, [0, 1, 2, 3])
    with tables.open_file(str(path), "a") as h5:
        column = h5.root.spike_times
        assert column.nrows == sum(r.spike_times_ms.shape[0] for r in results[:4]) > 0
        column[0] = 0.0
    with RunStore.open(path) as store, pytest.raises(StoreError, match="spike column /spike_times fails its checksum"):
        store["spikes"]
