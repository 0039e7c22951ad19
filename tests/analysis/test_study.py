"""Study analyses with dask equal the same analyses done with pandas on the single run stores."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isf.analysis.study import (
    mean_soma_distance_by_cell_type,
    psth_by_condition,
    spike_probability,
    trace_mean_sd,
)
from isf.analysis.synapse_stats import cell_type_of
from isf.store import RunStore, StudyView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from study_data import write_store  # noqa: E402

WHISKERS = ("B1", "C2")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[StudyView, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("study")
    paths = {"B1": write_store(folder / "b1.h5", 1, 7, [6, 2, 0, 1, 5, 4, 3]),
             "C2": write_store(folder / "c2.h5", 2, 5)}
    view = StudyView.of_stores(list(paths.values()), [{"whisker": w} for w in paths], chunk_trials=3)
    return view, paths


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from dask.distributed import Client, LocalCluster

    # threads, not processes: starting worker processes takes seconds; the work is the same
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


def _read(path: Path, key: str) -> pd.DataFrame:
    with RunStore.open(path) as store:
        return store.traces("soma") if key == "voltage_traces" else store[key]


def _spike_lists(path: Path) -> list[np.ndarray]:
    wide = _read(path, "spike_times")
    return [row[~np.isnan(row)] for row in wide.to_numpy()]


@pytest.mark.parametrize("use_client", [False, True])
def test_p_spike_and_psth(study: tuple[StudyView, dict[str, Path]], client: object, use_client: bool) -> None:
    view, paths = study
    c = client if use_client else None
    p = spike_probability(view.spike_times, view.trials, (10.0, 30.0), ["whisker"], client=c)
    table = psth_by_condition(view.spike_times, view.trials, ["whisker"], bin_ms=5.0, t_stop_ms=50.0, client=c)
    for whisker, path in paths.items():
        trials = _spike_lists(path)
        assert p[whisker] == pytest.approx(np.mean([np.any((t >= 10.0) & (t < 30.0)) for t in trials]))
        counts, _ = np.histogram(np.concatenate(trials), bins=np.arange(0.0, 50.1, 5.0))
        np.testing.assert_allclose(table.loc[whisker].to_numpy(), counts / len(trials) * 200.0)
    overall = spike_probability(view.spike_times, view.trials, (10.0, 30.0), [])
    assert overall.iloc[0] == pytest.approx((p * view.trials.whisker.value_counts()).sum() / view.n_trials)


@pytest.mark.parametrize("use_client", [False, True])
def test_trace_mean_and_sd(study: tuple[StudyView, dict[str, Path]], client: object, use_client: bool) -> None:
    view, paths = study
    c = client if use_client else None
    everything = pd.concat([_read(p, "voltage_traces") for p in paths.values()])
    stats = trace_mean_sd(view.voltage_traces, client=c)
    np.testing.assert_allclose(stats["mean"].to_numpy(), everything.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(stats["sd"].to_numpy(), everything.std().to_numpy(), rtol=1e-9)
    same = trace_mean_sd(view.trace_array("soma"), t_ms=view.time_ms("soma"), client=c)
    pd.testing.assert_frame_equal(same, stats, check_exact=False, rtol=1e-12)
    per_frame = trace_mean_sd(view.traces("dend"), by=["whisker"], client=c)
    per_array = trace_mean_sd(view.trace_array("dend"), by=["whisker"], labels=view.trials,
                              t_ms=view.time_ms("dend"), client=c)
    pd.testing.assert_frame_equal(per_array, per_frame, check_exact=False, rtol=1e-12)
    for whisker, path in paths.items():
        with RunStore.open(path) as store:
            dend = store.traces("dend")
        np.testing.assert_allclose(per_array["mean", whisker].to_numpy(), dend.mean().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(per_array["sd", whisker].to_numpy(), dend.std().to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("use_client", [False, True])
def test_activations(study: tuple[StudyView, dict[str, Path]], client: object, use_client: bool) -> None:
    view, paths = study
    c = client if use_client else None
    by_type = mean_soma_distance_by_cell_type(view.synapse_activations, by=["whisker"], client=c)
    for whisker, path in paths.items():
        act = _read(path, "synapse_activations")
        act["cell_type"] = [cell_type_of(p) for p in act.population.astype(str)]
        expected = act.groupby("cell_type").soma_distance_um.mean()
        np.testing.assert_allclose(by_type.loc[whisker].loc[expected.index].to_numpy(), expected.to_numpy())
    # the binning of activations by distance and time (the reduced models' input) is isf.reduced.bin_study,
    # tested against single stores in tests/reduced/test_binning.py


def test_partitions_with_mixed_labels_give_the_same_results(study: tuple[StudyView, dict[str, Path]]) -> None:
    """The numpy shortcut (one label per partition) and the pandas fallback agree."""
    view, _ = study
    spikes, acts = view.spike_times, view.synapse_activations
    mixed_spikes, mixed_acts = spikes.repartition(npartitions=1), acts.repartition(npartitions=1)
    pd.testing.assert_series_equal(spike_probability(mixed_spikes, view.trials, (10.0, 30.0), ["whisker"]),
                                   spike_probability(spikes, view.trials, (10.0, 30.0), ["whisker"]))
    pd.testing.assert_frame_equal(psth_by_condition(mixed_spikes, view.trials, ["whisker"], bin_ms=5.0,
                                                    t_stop_ms=50.0),
                                  psth_by_condition(spikes, view.trials, ["whisker"], bin_ms=5.0, t_stop_ms=50.0))
    pd.testing.assert_series_equal(mean_soma_distance_by_cell_type(mixed_acts, by=["whisker"]),
                                   mean_soma_distance_by_cell_type(acts, by=["whisker"]))
    overall = psth_by_condition(spikes, view.trials, [], bin_ms=5.0, t_stop_ms=50.0, rate=False)
    per = psth_by_condition(spikes, view.trials, ["whisker"], bin_ms=5.0, t_stop_ms=50.0, rate=False)
    n = view.trials.groupby("whisker", observed=True).size().to_numpy()
    np.testing.assert_allclose(overall.to_numpy()[0] * n.sum(), (per.to_numpy() * n[:, None]).sum(axis=0))
