"""Runs of a study: conditions of the C2 network into one database, resumed, read by the study view; whisker
sweeps into a database or a folder of stores, with one progress bar over all trials."""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pytest

import isf
from isf.analysis.study import psth_by_condition, spike_probability, trace_mean_sd
from isf.backends.parallel import Parallel
from isf.backends.study_runs import condition_seed, run_condition, run_study, whisker_sweep
from isf.data import cell86, network_c2
from isf.dsl.evoked_network import evoked_network
from isf.dsl.network_param import read_network_param
from isf.errors import ArgumentValueError, StoreError
from isf.store import Database, RunStore, StudyView

@pytest.fixture(scope="module")
def experiment(shared_data: Path) -> isf.Experiment:
    params = isf.read_cell_param(shared_data / "cell_params" / "86_C2_center.param",
                                 [shared_data / "morphologies", shared_data / "recording_sites"])
    network = read_network_param(shared_data / "network" / "network.param", params.cell.morphology,
                                 [shared_data / "embedding" / "86_C2_center"]).network
    return isf.Experiment(params.cell, isf.Simulation(60.0, dt_ms=0.025), network=network)


@pytest.mark.shared
def test_a_small_simulated_study(tmp_path: Path, experiment: isf.Experiment) -> None:
    db = Database(tmp_path / "study")
    serial = Parallel(backend="sequential", progress=False)
    # the same network under two labels: their seeds differ (condition_seed), so do their trials
    runs = [({"whisker": "C2"}, experiment), ({"whisker": "B1"}, experiment)]
    paths = run_study(db, runs, 2, run_seed=5, parallel=serial)
    assert paths == [db.item_path(("runs", "C2")), db.item_path(("runs", "B1"))]

    def finished() -> list[list[str]]:
        out = []
        for path in paths:
            with RunStore.open(path) as store:
                out.append(store["trials"].finished_at.tolist())
        return out

    stamp = finished()
    assert run_study(db, runs, 2, run_seed=5, parallel=serial) == paths  # finished: nothing to do
    assert finished() == stamp
    with pytest.raises(StoreError, match="conditions"):
        run_condition(db, ("runs", "C2"), experiment, 2, run_seed=condition_seed(5, {"whisker": "C2"}),
                      conditions={"whisker": "D2"}, parallel=serial)

    view = StudyView.of_database(db)
    assert [r.name for r in view.runs] == ["runs/B1", "runs/C2"] and view.n_trials == 4
    p = spike_probability(view.spike_times, view.trials, (0.0, 60.0), ["whisker"])
    rates = psth_by_condition(view.spike_times, view.trials, ["whisker"], bin_ms=10.0, t_stop_ms=50.0)
    activations = view.synapse_activations.compute()
    soma_sd = trace_mean_sd(view.voltage_traces, by=["whisker"])
    for whisker, path in (("C2", paths[0]), ("B1", paths[1])):
        with RunStore.open(path) as store:
            spikes, acts, soma = store["spike_times"], store["synapse_activations"], store["voltage_traces"]
        assert p[whisker] == pytest.approx(np.mean(spikes.notna().any(axis=1)))
        counts, _ = np.histogram(spikes.stack().to_numpy(), bins=np.arange(0.0, 50.1, 10.0))
        np.testing.assert_allclose(rates.loc[whisker].to_numpy(), counts / 2 * 100.0)
        mine = activations[activations.whisker == whisker].drop(columns=["whisker", "run"]).set_index("trial")
        np.testing.assert_array_equal(mine.time_ms.to_numpy(), acts.time_ms.to_numpy())
        np.testing.assert_array_equal(mine.synapse_id.to_numpy(), acts.synapse_id.to_numpy())
        np.testing.assert_allclose(soma_sd["mean", whisker].to_numpy(), soma.mean().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(soma_sd["sd", whisker].to_numpy(), soma.std().to_numpy(), rtol=1e-9, atol=1e-12)
    assert view.runs_table().trials.tolist() == [2, 2]


# ---------------------------------------------------------------------------
# Whisker sweeps on the shipped cell 86 and its embedding


@pytest.fixture(scope="module")
def base() -> isf.Experiment:
    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    return isf.Experiment(cell, isf.Simulation(20.0, dt_ms=0.025), recordings=[isf.Recording(isf.Soma())])


def test_whisker_sweep_builds_one_network_per_whisker(base: isf.Experiment) -> None:
    runs = whisker_sweep(base, ["C2", "E2"], network_c2())
    assert [labels for labels, _ in runs] == [{"whisker": "C2"}, {"whisker": "E2"}]
    assert runs[1][1].network == evoked_network("E2", base.cell.morphology, network_c2())
    assert runs[0][1].cell == base.cell and runs[0][1].network != runs[1][1].network
    for bad in (["C2", "F9"], ["C2", "C2"], []):
        with pytest.raises(ArgumentValueError, match="give distinct whiskers, each one of A1, .*E2"):
            whisker_sweep(base, bad, network_c2())


def _finished(path: Path) -> list[str]:
    with RunStore.open(path) as store:
        return list(store["trials"].finished_at)


def test_sweep_into_a_database_one_bar_resumable(base: isf.Experiment, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    runs = whisker_sweep(base, ["C2", "B1"], network_c2())
    db = Database(tmp_path / "study")
    shown = Parallel(backend="sequential", progress=True)
    first = run_study(db, runs[:1], 2, run_seed=3, parallel=shown)
    capsys.readouterr()
    # a condition added later: the finished one counts at once, only the new one runs
    paths = run_study(db, runs, 2, run_seed=3, parallel=shown)
    err = capsys.readouterr().err
    assert paths[0] == first[0] and paths == [db.item_path(("runs", "C2")), db.item_path(("runs", "B1"))]
    # one bar over the trials of all conditions (none per condition)
    assert "4/4" in err and "sweep whisker=B1" in err and "trials:" not in err and "/2 [" not in err
    stamp = [_finished(p) for p in paths]
    run_study(db, runs, 2, run_seed=3, parallel=Parallel(backend="sequential", progress=False))
    assert [_finished(p) for p in paths] == stamp  # finished: nothing re-run
    view = StudyView.of_database(db)
    assert view.condition_names == ("whisker",) and view.runs_table().trials.tolist() == [2, 2]
    with RunStore.open(paths[1]) as store:
        assert store.run_seed == condition_seed(3, {"whisker": "B1"})


def test_sweep_into_a_folder_of_stores_on_loky(base: isf.Experiment, tmp_path: Path) -> None:
    short = attrs.evolve(base, simulation=isf.Simulation(10.0, dt_ms=0.025))
    runs = [({"whisker": w, "scale": "1"}, e) for (_, e), w in zip(whisker_sweep(short, ["C2", "D2"], network_c2()),
                                                                    ["C2", "D2"])]
    paths = run_study(tmp_path / "stores", runs, 2, run_seed=8, parallel=Parallel(workers=2, progress=False))
    assert paths == [tmp_path / "stores" / "C2_1.h5", tmp_path / "stores" / "D2_1.h5"]
    view = StudyView.of_stores(paths)
    assert set(view.condition_names) == {"whisker", "scale"} and view.runs_table().trials.tolist() == [2, 2]
    # the same trials as one condition run on its own, in this process: results do not depend on the backend
    alone = run_study(tmp_path / "alone", runs[1:], 2, run_seed=8,
                      parallel=Parallel(backend="sequential", progress=False))
    with RunStore.open(paths[1]) as a, RunStore.open(alone[0]) as b:
        np.testing.assert_array_equal(a["voltage_traces"].to_numpy(), b["voltage_traces"].to_numpy())


def test_sweep_label_errors(base: isf.Experiment, tmp_path: Path) -> None:
    serial = Parallel(backend="sequential", progress=False)
    with pytest.raises(ArgumentValueError, match="different ones"):
        run_study(tmp_path / "s", [({"w": "C2"}, base), ({"w": "C2"}, base)], 1, run_seed=1, parallel=serial)
    with pytest.raises(ArgumentValueError, match="same label names"):
        run_study(tmp_path / "s", [({"w": "C2"}, base), ({"v": "B1"}, base)], 1, run_seed=1, parallel=serial)
    assert not (tmp_path / "s").exists()  # nothing written before the labels are checked
    with pytest.raises(ArgumentValueError, match="path separator"):
        run_study(tmp_path / "s", [({"w": "C2"}, base), ({"w": "a/b"}, base)], 1, run_seed=1, parallel=serial)
    assert not (tmp_path / "s").exists()
