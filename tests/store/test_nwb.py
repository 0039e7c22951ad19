"""Tests of the NWB export and import of a run's trials (and of plain results)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_data import N_TRIALS, SEED, fill

from isf.errors import MissingFileError, StoreError
from isf.model.network import Network
from isf.model.result import Result
from isf.model.trial_result import TrialResult
from isf.store import RunStore
from isf.store.nwb import read_nwb, validate_nwb, write_nwb


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, network: Network, results: list[TrialResult]) -> Path:
    path = tmp_path_factory.mktemp("nwb") / "run.h5"
    fill(path, network, results, [3, 0, 1, 5, 2, 4])
    return path


def test_a_run_reads_back_equal_and_validates(store_path: Path, results: list[TrialResult], tmp_path: Path) -> None:
    path = write_nwb(store_path, tmp_path / "run.nwb")
    assert validate_nwb(path) == []
    back = read_nwb(path)
    assert [t.trial_index for t in back.trials] == list(range(N_TRIALS))
    for trial, result in zip(back.trials, results):
        assert set(trial.traces) == {"soma", "dend"}
        for key in ("soma", "dend"):
            t_ms, values = trial.traces[key]
            np.testing.assert_array_equal(values, result.traces[key])  # mV, exactly
            np.testing.assert_allclose(t_ms, result.t_ms, rtol=1e-12, atol=1e-12)  # s in the file
        np.testing.assert_allclose(trial.spike_times_ms, result.spike_times_ms, rtol=1e-12)
    assert back.provenance["run_seed"] == SEED and back.provenance["n_trials"] == N_TRIALS
    assert "isf_version" in back.provenance and "neuron_version" in back.provenance
    assert json.loads(back.experiment_json)["type"] == "Experiment"


def test_the_file_says_units_sites_and_trials(store_path: Path, tmp_path: Path) -> None:
    from pynwb import NWBHDF5IO

    path = write_nwb(store_path, tmp_path / "run.nwb", trials=[0, 2])
    with NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        series = f.acquisition["trial_0002_soma"]
        assert series.unit == "volts" and series.conversion == pytest.approx(1e-3)
        assert series.sweep_number == 2
        assert json.loads(series.electrode.description)["isf_key"] == "soma"
        assert list(f.trials.to_dataframe()["trial_index"]) == [0, 2]
        assert list(f.units.to_dataframe()["trial_index"]) == [0, 2]
        assert f.stimulus_notes and f.protocol and json.loads(f.notes)["run_seed"] == SEED
    assert [t.trial_index for t in read_nwb(path).trials] == [0, 2]


def test_results_with_sites_round_trip(results: list[TrialResult], tmp_path: Path) -> None:
    plain = [Result(r.t_ms, r.traces, {"soma": (0, 0.5), "dend": (12, 0.25)}) for r in results[:3]]
    path = write_nwb(plain, tmp_path / "results.nwb")
    assert validate_nwb(path) == []
    back = read_nwb(path)
    assert back.sites == {"soma": (0, 0.5), "dend": (12, 0.25)}
    again = back.trials[1].to_result(back.sites)
    np.testing.assert_array_equal(again["dend"], plain[1]["dend"])
    assert again.sites == plain[1].sites
    np.testing.assert_allclose(back.trials[1].spike_times_ms, plain[1].spike_times("soma"), rtol=1e-12)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(-100, 60, allow_nan=False), min_size=2, max_size=40),
       irregular=st.booleans())
def test_any_trace_round_trips(tmp_path: Path, values: list[float], irregular: bool) -> None:
    n = len(values)
    t = np.cumsum(np.linspace(0.01, 0.5, n)) if irregular else np.arange(n) * 0.025
    path = write_nwb([Result(t, {"soma": np.array(values), "cai": np.array(values) * 1e-6})],
                     tmp_path / "one.nwb", overwrite=True)
    trial = read_nwb(path).trials[0]
    np.testing.assert_array_equal(trial.traces["soma"][1], values)
    np.testing.assert_allclose(trial.traces["soma"][0], t, rtol=1e-9, atol=1e-9)


def test_errors_name_the_problem(store_path: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"trials \[99\] are not stored"):
        write_nwb(store_path, tmp_path / "x.nwb", trials=[0, 99])
    with pytest.raises(StoreError, match="no trials"):
        write_nwb([], tmp_path / "x.nwb")
    with pytest.raises(MissingFileError):
        read_nwb(tmp_path / "none.nwb")
    write_nwb(store_path, tmp_path / "x.nwb", trials=[1])
    with pytest.raises(FileExistsError, match="exists"):
        write_nwb(store_path, tmp_path / "x.nwb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nwb"]


def test_a_failing_write_leaves_nothing_behind(store_path: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pynwb import NWBHDF5IO

    original = NWBHDF5IO.write

    def broken(self: NWBHDF5IO, container: object, **kwargs: object) -> None:
        original(self, container, **kwargs)  # the temporary file is complete, then the disk "fails"
        raise OSError("disk full")

    monkeypatch.setattr(NWBHDF5IO, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        write_nwb(store_path, tmp_path / "run.nwb")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- a whole study

@pytest.fixture
def study_db(tmp_path: Path) -> Path:
    from study_data import write_store

    from isf.store import Database
    from isf.store.run_store import RunStore as Store
    from isf.store.study_view import write_conditions

    db = Database(tmp_path / "study")
    for seed, (whisker, n) in enumerate((("B1", 3), ("C2", 2)), start=1):
        path = write_store(tmp_path / f"{whisker}.h5", seed, n, list(reversed(range(n))))
        target = db.run_store_path(("runs", whisker))
        target.write_bytes(path.read_bytes())
        with Store.open(target, "a") as store:
            write_conditions(store, {"whisker": whisker, "depth_um": 300})
    return db.path


def test_a_study_reads_back_equal_with_its_conditions(study_db: Path, tmp_path: Path) -> None:
    from pynwb import NWBHDF5IO

    from isf.store import Database, StudyView

    path = write_nwb(study_db, tmp_path / "study.nwb")  # a database folder: every labelled run
    assert validate_nwb(path) == []
    view = StudyView.of_database(Database(study_db, create=False))
    back = read_nwb(path)
    assert [t.study_trial for t in back.trials] == list(range(5))
    assert [(t.run, t.trial_index) for t in back.trials] == [("runs/B1", 0), ("runs/B1", 1), ("runs/B1", 2),
                                                            ("runs/C2", 0), ("runs/C2", 1)]
    assert back.trials[4].conditions == {"whisker": "C2", "depth_um": "300"}
    for trial in back.trials:
        with RunStore.open(view.runs[0 if trial.run == "runs/B1" else 1].path) as store:
            for key in ("soma", "dend"):
                t_ms, values = store.trace(key, trial.trial_index)
                np.testing.assert_array_equal(trial.traces[key][1], values)  # mV, exactly
                np.testing.assert_allclose(trial.traces[key][0], t_ms, rtol=1e-12, atol=1e-9)
            spikes = store["spikes"]
            expected = spikes.loc[[trial.trial_index], "time_ms"].to_numpy() if trial.trial_index in spikes.index \
                else np.zeros(0)
            np.testing.assert_allclose(trial.spike_times_ms, expected, rtol=1e-12)
    assert [r["run"] for r in back.provenance["study"]["runs"]] == ["runs/B1", "runs/C2"]
    assert len(json.loads(back.experiment_json)["experiments"]) == 1  # one experiment, kept once
    with NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        trials = f.trials.to_dataframe()
        assert trials.whisker.tolist() == ["B1", "B1", "B1", "C2", "C2"]
        assert trials.depth_um.tolist() == ["300"] * 5 and trials.study_trial.tolist() == list(range(5))
        units = f.units.to_dataframe()
        assert units.run.tolist() == ["runs/B1"] * 3 + ["runs/C2"] * 2
        series = f.acquisition["trial_0003_soma"]
        assert series.unit == "volts" and series.rate == pytest.approx(4000.0)  # dt 0.25 ms
        assert series.data.compression == "gzip" and series.data.chunks is not None
    part = write_nwb(view, tmp_path / "part.nwb", trials=[1, 4])
    assert [(t.run, t.trial_index) for t in read_nwb(part).trials] == [("runs/B1", 1), ("runs/C2", 1)]
    with pytest.raises(StoreError, match=r"study trials \[9\]"):
        write_nwb(view, tmp_path / "bad.nwb", trials=[9])


def test_a_study_export_holds_one_trace_in_memory(study_db: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Traces are decoded only while pynwb writes them: never two at once."""
    import isf.store.nwb as nwb_module

    live = {"now": 0, "most": 0}
    original = nwb_module._values

    def counted(store: RunStore, key: str, trial: int) -> np.ndarray:
        live["now"] += 1
        live["most"] = max(live["most"], live["now"])
        out = original(store, key, trial)
        live["now"] -= 1
        return out

    monkeypatch.setattr(nwb_module, "_values", counted)
    from pynwb import NWBHDF5IO

    written: list[int] = []
    original_write = NWBHDF5IO.write

    def tracked(self: NWBHDF5IO, container: object, **kwargs: object) -> None:
        written.append(live["most"])  # nothing decoded before the writing starts
        original_write(self, container, **kwargs)

    monkeypatch.setattr(NWBHDF5IO, "write", tracked)
    write_nwb(study_db, tmp_path / "study.nwb")
    assert written == [0] and live["most"] == 1
