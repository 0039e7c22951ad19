"""Runs of a study: conditions of the C2 network into one database, resumed, read by the study view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import isf
from isf.analysis.study import psth_by_condition, spike_probability, trace_mean_sd
from isf.backends.parallel import Parallel
from isf.backends.study_runs import condition_seed, run_condition, run_study
from isf.dsl.network_param import read_network_param
from isf.errors import StoreError
from isf.store import Database, RunStore, StudyView

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def experiment(shared_data: Path) -> isf.Experiment:
    params = isf.read_cell_param(shared_data / "cell_params" / "86_C2_center.param",
                                 [shared_data / "morphologies", shared_data / "recording_sites"])
    network = read_network_param(shared_data / "network" / "network.param", params.cell.morphology,
                                 [shared_data / "embedding" / "86_C2_center"]).network
    return isf.Experiment(params.cell, isf.Simulation(60.0, dt_ms=0.025), network=network)


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
