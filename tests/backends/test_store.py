"""RunStore: one HDF5 file per run (layout, atomic appends, resume, order independence, provenance)."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables

import isf
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
    with tables.open_file(str(path)) as h5:  # the orphan rows are in the file
        assert h5.root.synapse_activations.nrows > clean_sizes["synapse_activations"]
        assert h5.root.traces.k0.nrows > clean_sizes["traces/k0"]
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
        tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        store.append(results[0], network)
        store.append(results[1], network)
        clean = store._sizes()
        # what an interrupted append of trial 4 leaves: rows in some tables, no trials row
        rows = store._rows(4, results[4].t_ms, results[4].traces, results[4].spike_times_ms,
                           activation_columns(network, results[4].input), presynaptic_columns(results[4].input), None)
        store._h5.root.spikes.append(rows["spikes"])
        store._h5.root.synapse_activations.append(rows["synapse_activations"])
        store._append_traces(4, rows["traces"][:1])
        store._h5.flush()
        assert store._sizes() != clean
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
        assert store._h5.root.traces.t_ms.nrows == 1300  # both time vectors, each once
        assert store["spike_times"].index.tolist() == [0, 1]


def test_shared_time_vector_is_stored_once(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    with RunStore.open(path) as store:
        assert store._h5.root.traces.t_ms.nrows == results[0].t_ms.shape[0]


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
    assert prov["format"] == FORMAT and prov["format_version"] == 1
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


def test_compression_and_chunking(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    raw_traces = sum(r.traces["soma"].nbytes + r.traces["dend"].nbytes for r in results)
    with tables.open_file(str(path)) as h5:
        for node in (h5.root.traces.k0, h5.root.traces.k1, h5.root.traces.t_ms, h5.root.synapse_activations,
                     h5.root.presynaptic_spikes, h5.root.spikes, h5.root.trials):
            assert node.filters.complevel >= 5
            assert node.chunkshape is not None
        n = results[0].t_ms.shape[0]
        assert h5.root.traces.k0.chunkshape == (n,)  # one trial per chunk
        stored = h5.root.traces.k0.size_on_disk + h5.root.traces.k1.size_on_disk
    # float64 samples of a smooth curve have noisy low mantissa bits: lossless compression gains ~1.5x
    assert stored < 0.9 * raw_traces
    assert os.path.getsize(path) < raw_traces
    # a trace at rest (constant) compresses to almost nothing
    flat = tmp_path / "flat.h5"
    t = results[0].t_ms
    with RunStore.create(flat, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=4) as store:
        for i in range(4):
            store.append_trial(i, t_ms=t, traces={"soma": np.full(t.shape, -70.0)}, spike_times_ms=[])
    with tables.open_file(str(flat)) as h5:
        assert h5.root.traces.k0.size_on_disk < 4 * t.nbytes / 50
