"""RunStore: one HDF5 file per run (layout, atomic appends, resume, order independence, provenance)."""

from __future__ import annotations

import datetime
import json
import lzma
import multiprocessing
import os
from pathlib import Path

import attrs
import blosc2
import numpy as np
import pandas as pd
import pytest
import tables

import isf
import isf.backends.store as store_module
import isf.data
from isf.analysis.spikes import spike_times
from isf.backends.store import FORMAT, RunStore
from isf.model.activity import Poisson
from isf.model.network import Network, Population
from isf.model.receptor import gaba, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_input, trial_rng
from isf.model.trial_result import TrialResult, activation_columns, presynaptic_columns

SEED = 7
N_TRIALS = 6
TSTOP = 200.0
EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {"simulation": {"tstop_ms": TSTOP}}})


@pytest.fixture(scope="module")
def network() -> Network:
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
    return TrialResult(trial, seed, t, {"soma": v, "dend": dend}, spike_times(t, v), trial_input)


@pytest.fixture(scope="module")
def results(network: Network) -> list[TrialResult]:
    return [make_result(network, i) for i in range(N_TRIALS)]


def fill(path: Path, network: Network, results: list[TrialResult], order: list[int]) -> None:
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        for i in order:
            store.append(results[i], network, wall_s=0.5 + i)


FRAMES = ("spike_times", "spikes", "synapse_activations", "presynaptic_spikes", "voltage_traces")


def frames(path: Path) -> dict[str, pd.DataFrame]:
    with RunStore.open(path) as store:
        out = {k: store[k] for k in FRAMES}
        out["dend"] = store.traces("dend")
        return out


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
    assert list(pres.columns) == ["population", "cell_id", "time_ms"]
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


def test_reading_blob_by_blob_gives_the_same_frames(tmp_path: Path, network: Network, results: list[TrialResult],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, [2, 0, 1, 5, 4, 3])
    together = frames(path)  # neighbouring blobs are read in one go
    monkeypatch.setattr(store_module, "_READ_GAP", 0)
    monkeypatch.setattr(store_module, "_READ_SPAN", 1)
    for key, frame in frames(path).items():
        pd.testing.assert_frame_equal(frame, together[key], check_exact=True)


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


# ------------------------------------------------------------------------------------------ crashes and resume


def _crash_during_append(path: str, trial: int) -> None:  # runs in a child process
    import isf.backends.store as store_module

    network = _network_for_child()
    result = make_result(network, trial)
    store = store_module.RunStore.open(path, "a")
    trials_table = store._h5.root.trials

    def die(*args: object, **kwargs: object) -> None:
        store._h5.flush()  # everything but the trials row reached the file...
        os._exit(3)        # ...then the process dies without closing it

    trials_table.append = die
    store.append(result, network)


def _network_for_child() -> Network:
    morph = isf.read_hoc(isf.data.cell86("86_C2_center.hoc"))
    exc = Population("L5tt_C2", 3, Poisson(20.0), (glutamate(1.0, 1.0),),
                     Synapses.on(morph, [10, 20, 30, 40], [0.1, 0.5, 0.9, 0.3]),
                     Connectivity([0, 1, 1, 2], [0, 1, 2, 3]), 0.6)
    inh = Population("SymLocal1_Alpha", 2, Poisson(15.0), (gaba(1.0),),
                     Synapses.on(morph, [0, 5], [0.5, 0.5]), Connectivity([0, 1], [0, 1]))
    return Network((exc, inh))


def test_crash_leaves_invisible_orphans_and_resume_removes_them(tmp_path: Path, network: Network,
                                                                results: list[TrialResult]) -> None:
    assert _network_for_child() == network
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        clean_sizes = store._sizes()
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
        assert store._sizes() == clean_sizes  # resuming truncated the orphans
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
        clean = store._sizes()
        # what an interrupted append of trial 4 leaves: its blobs, new synapses and trace rows, no trials row
        monkeypatch.setattr(store._h5.root.trials, "append", lambda rows: None)
        store.append(results[4], network)
        monkeypatch.undo()
        assert store._sizes() != clean
        assert store._sizes()["trials"] == clean["trials"]
    with RunStore.open(path) as store:
        assert store.completed_trials() == {0, 1}
        assert set(store["synapse_activations"].index) == {0, 1}
        assert store["voltage_traces"].index.tolist() == [0, 1]
        assert store._sizes() != clean  # read-only: nothing is changed
    with RunStore.open(path, "a") as store:
        assert store._sizes() == clean
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
        before = store._sizes()
        keys = store.trace_keys()

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(store, "_append_traces", boom)
        with pytest.raises(RuntimeError, match="disk full"):
            store.append(results[1], network)
        monkeypatch.undo()
        assert store._sizes() == before and store.trace_keys() == keys
        assert store.completed_trials() == {0}
        store.append(results[1], network)
        assert store.completed_trials() == {0, 1}


def test_append_validates_before_writing(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        sizes = store._sizes()
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
        assert store._sizes() == sizes
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
        assert len(_time_vector_blobs(store)) == 2  # both time vectors, each once
        assert store["spike_times"].index.tolist() == [0, 1]


def _time_vector_blobs(store: RunStore) -> set[tuple[int, int]]:
    """(offset, nbytes) of the distinct time vectors the traces point to."""
    return {(int(o), int(n)) for o, n in store._h5.root.traces.read()[:, 5:7].tolist()}


def test_shared_time_vector_is_stored_once(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    with RunStore.open(path) as store:
        assert len(_time_vector_blobs(store)) == 1
        assert store._h5.root.traces.nrows == 2 * N_TRIALS


# ------------------------------------------------------------------------------------------ create / open


def test_provenance(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    from isf.dsl.serialization import to_data

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
        assert isf.dsl.serialization.from_data(json.loads(store.experiment_json)) == isf.Experiment(
            params.cell, params.simulation)
    assert prov["format"] == FORMAT and prov["format_version"] == 2
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


# ------------------------------------------------------------------------------------------ storage


def test_compression(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    raw_traces = sum(r.traces["soma"].nbytes + r.traces["dend"].nbytes for r in results)
    with tables.open_file(str(path)) as h5:
        index = h5.root.traces.read()
        stored = int(index[:, 4].sum())  # bytes of the trace blobs
        assert index.shape == (2 * N_TRIALS, 7)
        assert h5.root.blobs.filters.complevel == 0  # the blobs are compressed already
    # smooth curves: the third differences of the bit patterns compress well
    assert stored < 0.5 * raw_traces
    assert os.path.getsize(path) < raw_traces
    # a trace at rest (constant) compresses to almost nothing
    flat = tmp_path / "flat.h5"
    t = results[0].t_ms
    with RunStore.create(flat, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=4) as store:
        for i in range(4):
            store.append_trial(i, t_ms=t, traces={"soma": np.full(t.shape, -70.0)}, spike_times_ms=[])
    with tables.open_file(str(flat)) as h5:
        assert h5.root.traces.read()[:, 4].sum() < 4 * t.nbytes / 50


def test_blobs_round_trip_every_bit() -> None:
    """Differences are taken in the column's integer type (wrapping), samples as IEEE bit patterns."""
    rng = np.random.default_rng(3)
    ints = np.array([0, -1, store_module._INT32.max, store_module._INT32.min, 5, -7], dtype=np.int32)
    samples = np.concatenate([[np.nan, -0.0, 0.0, np.inf, -np.inf, 5e-324, -1.7976931348623157e308],
                              rng.normal(size=1000), np.cumsum(rng.normal(size=1000))])
    for column, values in ((store_module._TRIAL_COLUMNS[2], ints), (store_module._TRACE_COLUMN, samples),
                           (store_module._TRIAL_COLUMNS[3], samples), (store_module._TRIAL_COLUMNS[2], ints[:0])):
        blob = store_module._pack(column, values)
        out = np.empty(values.shape[0], dtype=np.int64 if column is store_module._TRACE_COLUMN else column.dtype)
        store_module._unpack(column, memoryview(blob), out)
        got = out.view(np.float64) if column is store_module._TRACE_COLUMN else out
        assert got.tobytes() == np.asarray(values, dtype=got.dtype).tobytes()
    with pytest.raises(ValueError, match="damaged"):
        store_module._unpack(store_module._TRACE_COLUMN, memoryview(blob), np.empty(3, dtype=np.int64))


def test_large_columns_are_split_into_several_blosc2_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "_PIECE_BYTES", 800)
    values = np.arange(1000, dtype=np.float64) * 0.5
    column = store_module._TRIAL_COLUMNS[0]
    blob = store_module._pack(column, values)
    out = np.empty(1000)
    store_module._unpack(column, memoryview(blob), out)
    assert np.array_equal(out, values)
    assert blosc2.get_cbuffer_sizes(blob)[0] == 800  # the first of ten chunks


# ------------------------------------------------------------------------------------------ compact layout


@pytest.fixture(scope="module")
def c2() -> tuple[isf.Experiment, str]:
    """The shipped C2 network on cell 86 (280 populations, ~25,000 synapses), as experiment and JSON."""
    from isf.backends.runner import experiment_json

    cell = isf.read_cell_param(isf.data.cell86("86_C2_center.param")).cell
    net = isf.read_network_param(isf.data.network_c2("network.param"), cell.morphology, [isf.data.network_c2()])
    experiment = isf.Experiment(cell, isf.Simulation(50.0), network=net.network)
    return experiment, experiment_json(experiment)


def test_experiment_json_round_trips_exactly_without_a_second_copy_of_the_synapses(
        tmp_path: Path, c2: tuple[isf.Experiment, str]) -> None:
    from isf.dsl.serialization import to_data

    experiment, text = c2
    assert experiment.network is not None
    network = experiment.network
    data = to_data(experiment)
    for i, variant in enumerate((text, json.dumps(data), json.dumps(data, indent=1))):
        path = tmp_path / f"run{i}.h5"
        with RunStore.create(path, experiment_json=variant, run_seed=1, n_trials=2) as store:
            synapses = store._sizes()["synapses"]
            assert store.experiment_json == variant
            trial_input = realize_input(network, 50.0, trial_rng(1, 0))
            t = np.arange(11) * 5.0
            store.append(TrialResult(0, 1, t, {"soma": np.full(11, -70.0)}, np.zeros(0), trial_input), network)
            assert store._sizes()["synapses"] == synapses  # the network's synapses were stored at create
        with RunStore.open(path) as store:
            assert store.experiment_json == variant
            token = getattr(store._h5.root.provenance.experiment_json._v_attrs, "synapse_token", None)
            assert (token is not None) == (i < 2)  # indented JSON is kept as it is
            acts = store["synapse_activations"]
            expected = activation_columns(network, trial_input)
            for c, v in expected.items():
                assert np.array_equal(acts[c].to_numpy(dtype=v.dtype), v), c
        # resuming compares the runs by their JSON
        with RunStore.create(path, experiment_json=text, run_seed=1, n_trials=2) as store:
            assert store.completed_trials() == {0}
    with tables.open_file(str(tmp_path / "run0.h5")) as h5:
        skeleton_xz = h5.root.provenance.experiment_json.nrows
    assert skeleton_xz < 0.6 * len(lzma.compress(text.encode()))  # the synapse columns are not in the text


def test_network_synapses_are_stored_once_per_run(tmp_path: Path, network: Network,
                                                  results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        after_first = store._sizes()["synapses"]
        twin = Network(tuple(attrs.evolve(p) for p in network.populations))  # an equal network, another object
        store.append(results[1], twin)
        store.append(results[2], network)
        assert store._sizes()["synapses"] == after_first == 1
        assert len(store._synapse_table()["population"]) == sum(len(p.synapses) for p in network.populations)
    # another location for a synapse already stored is a synapse row of its own: nothing is lost
    moved = Network((attrs.evolve(network.populations[0], synapses=Synapses.on(
        isf.read_hoc(isf.data.cell86("86_C2_center.hoc")), [11, 20, 30, 40], [0.1, 0.5, 0.9, 0.3])),
        network.populations[1]))
    with RunStore.open(path, "a") as store:
        store.append(results[3], moved)
    with RunStore.open(path) as store:
        acts = store["synapse_activations"]
    for r, net in ((results[2], network), (results[3], moved)):
        expected = activation_columns(net, r.input)
        got = acts.loc[[r.trial_index]]
        for c, v in expected.items():
            assert np.array_equal(got[c].to_numpy(dtype=v.dtype), v), c


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
        assert store._synapse_table()["population"].shape[0] == 3  # the three distinct synapses
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
    with pytest.raises(ValueError, match="format 1 .*isf 0.1.0.*reads format 2 only"):
        RunStore.open(path)
    with pytest.raises(FileExistsError, match="format 1"):
        RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)
