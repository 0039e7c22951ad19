"""Binning of synapse activations (REDUCED_MODELS §6.1 b–f): edges, multiplicity, labels, partition
invariance on a real dask frame and a study view, row alignment with the spike-time table."""

from __future__ import annotations

import sys
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.errors import ArgumentValueError, UnknownNameError
from isf.reduced import (
    EI_TABLE_ISF_2025,
    EI_TABLE_PRE_2025,
    bin_activations,
    bin_dask,
    bin_store,
    bin_study,
    legacy_to_long,
)
from isf.reduced.groups import check_ei_table, distance_bin_label, group_values
from isf.store import RunStore, StudyView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from study_data import write_store  # noqa: E402


def frame(populations: list[str], distances: list[float], times: list[float], trials: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"population": populations, "soma_distance_um": distances, "time_ms": times},
                        index=pd.Index(trials, name="trial"))


def test_edges_follow_numpy_histogram_with_a_closed_last_bin() -> None:
    times = [-0.1, 0.0, 0.999, 1.0, 399.5, 400.0, 400.01]
    b = bin_activations(frame(["L5tt_C2"] * 7, [10.0] * 7, times, [0] * 7), ("EI",), maxtime_ms=400)
    exc = b["EXC"]
    assert exc.shape == (1, 400) and exc.dtype == np.int64
    assert exc[0, 0] == 2 and exc[0, 1] == 1 and exc[0, 399] == 2 and exc.sum() == 5
    assert np.array_equal(exc[0], np.histogram(times, bins=np.arange(401))[0])


def test_every_release_counts() -> None:
    b = bin_activations(frame(["L5tt_C2"] * 3, [10.0] * 3, [10.1, 10.5, 10.9], [4] * 3))
    assert b["EXC"][0, 10] == 3 and b["EXC"].sum() == 3


def test_labels_of_the_grouping_columns() -> None:
    pops = np.array(["L5tt_C2", "INH_C2", "L1_C2"], dtype=object)
    zero = np.zeros(3)
    assert group_values("EI", pops, zero).tolist() == ["EXC", "INH", "INH"]
    assert group_values("EI", pops, zero, EI_TABLE_ISF_2025).tolist() == ["EXC", "INH", "EXC"]
    assert group_values("celltype", pops, zero).tolist() == ["L5tt", "INH", "L1"]
    assert group_values("presynaptic_column", pops, zero).tolist() == ["C2", "C2", "C2"]
    d = np.array([49.999, 50.0, 499.9, 500.0])
    assert group_values("binned_somadist", np.zeros(4, dtype=object), d).tolist() == \
        ["0to50", "50to100", "450to500", "500to550"]
    assert group_values("proximal", np.zeros(4, dtype=object), d).tolist() == ["prox", "prox", "prox", "dist"]
    assert distance_bin_label(3) == "150to200"
    with pytest.raises(ArgumentValueError, match="unknown grouping column"):
        group_values("colour", pops, zero)


def test_ei_table_checked_against_receptors() -> None:
    receptors = {"L1": ["gaba_syn"], "L5tt": ["glutamate_syn"], "SymLocal1": ["gaba_syn"]}
    assert check_ei_table(EI_TABLE_PRE_2025, receptors) == {}
    assert list(check_ei_table(EI_TABLE_ISF_2025, receptors)) == ["L1"]


def test_group_keys_and_zero_rows() -> None:
    f = frame(["L5tt_C2", "INH_C2", "L1_C2", "L1_C2"], [49.999, 50.0, 499.9, 500.0], [1, 2, 3, 4], [0, 0, 1, 2])
    one = bin_activations(f, ("EI",), trials=[0, 1, 2, 5])
    assert one.keys() == ["EXC", "INH"]
    assert one["EXC"].sum(axis=1).tolist() == [1, 0, 0, 0] and one["INH"].sum(axis=1).tolist() == [1, 1, 1, 0]
    two = bin_activations(f, ("EI", "binned_somadist"))
    assert ("EXC", "0to50") in two.keys() and ("INH", "500to550") in two.keys()
    assert ("EXC", "50to100") not in two.keys()  # only occurring combinations, as ISF
    with pytest.raises(UnknownNameError):
        two["EXC"]
    tensors, lower = two.space_time()
    assert tensors["EXC"].shape == (3, 400, 11) and lower[-1] == 500.0
    assert tensors["INH"][:, :, 1].sum() == 1 and tensors["INH"][:, :, 10].sum() == 1


def test_legacy_wide_table_gives_the_same_arrays() -> None:
    wide = pd.DataFrame({"synapse_type": ["L5tt_C2", "INH_D2", "L4ss_C2"], "soma_distance": [10.0, 120.0, 640.0],
                         "synapse_ID": [0, 1, 2], "0": [1.5, 2.5, np.nan], "1": [3.5, np.nan, np.nan]},
                        index=pd.Index(["run/0", "run/0", "run/1"], name="sim_trial_index"))
    long = legacy_to_long(wide)
    assert len(long) == 3 and sorted(long.time_ms.tolist()) == [1.5, 2.5, 3.5]
    a = bin_activations(wide, ("EI", "proximal"))
    b = bin_activations(long, ("EI", "proximal"), trials=["run/0", "run/1"])
    assert a.keys() == b.keys() == [("EXC", "prox"), ("INH", "prox")]
    assert a.trials.tolist() == ["run/0", "run/1"]  # run/1 has no release: a zero row, as ISF
    assert a[("EXC", "prox")][1].sum() == 0
    for k in a.keys():
        assert np.array_equal(a[k], b[k])


activation_rows = st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["L5tt_C2", "SymLocal1_C2", "L1_D2", "VPM_C2"]),
                                     st.floats(0, 1500), st.floats(-5, 420)), min_size=1, max_size=60)


@settings(max_examples=8, deadline=None)
@given(rows=activation_rows, cuts=st.lists(st.integers(1, 7), max_size=3, unique=True))
def test_any_trial_aligned_partitioning_gives_the_same_arrays(rows: list[tuple[int, str, float, float]],
                                                             cuts: list[int]) -> None:
    trials, pops, dist, times = zip(*rows)
    f = frame(list(pops), list(dist), list(times), list(trials)).sort_index(kind="stable")
    f["population"] = f["population"].astype("category")
    expected = bin_activations(f, ("EI", "binned_somadist"), trials=range(8))
    divisions = sorted({0, *cuts, 8})
    parts = [f[(f.index >= lo) & (f.index < hi)] for lo, hi in zip(divisions[:-1], divisions[1:])]
    ddf = dd.from_delayed([dd.from_pandas(p, npartitions=1).to_delayed()[0] for p in parts], meta=f.iloc[:0],
                          verify_meta=False)
    got = bin_dask(ddf, ("EI", "binned_somadist"), trials=range(8))
    assert got.keys() == expected.keys()
    for k in expected.keys():
        assert np.array_equal(got[k], expected[k]), k


def test_a_trial_split_over_partitions_still_gives_one_row() -> None:
    f = frame(["L5tt_C2"] * 4, [1.0] * 4, [1, 2, 3, 4], [0, 0, 0, 1])
    ddf = dd.from_delayed([dd.from_pandas(f.iloc[:2], npartitions=1).to_delayed()[0],
                           dd.from_pandas(f.iloc[2:], npartitions=1).to_delayed()[0]], meta=f.iloc[:0],
                          verify_meta=False)
    got = bin_dask(ddf)
    assert got.trials.tolist() == [0, 1] and got["EXC"].sum(axis=1).tolist() == [3, 1]


def test_store_and_study_view_rows_line_up_with_the_spike_table(tmp_path: Path) -> None:
    path = write_store(tmp_path / "run.h5", 3, 6, order=[4, 0, 5, 1, 3, 2])
    with RunStore.open(path) as store:
        binned = bin_store(store, ("celltype",), maxtime_ms=50)
        spikes = store["spike_times"]
        activations = store["synapse_activations"]
    assert binned.trials.tolist() == spikes.index.tolist() == list(range(6))
    counts = activations.groupby(level=0).size().reindex(range(6), fill_value=0)
    assert sum(binned[k].sum(axis=1) for k in binned.keys()).tolist() == counts.tolist()
    realigned = binned.reindex([5, 4, 99])
    assert np.array_equal(realigned[binned.keys()[0]][0], binned[binned.keys()[0]][5])
    assert realigned[binned.keys()[0]][2].sum() == 0
    views = [StudyView.of_stores([path], chunk_trials=c) for c in (1, 4)]
    results = [bin_study(v, ("EI", "binned_somadist"), maxtime_ms=50) for v in views]
    assert results[0].keys() == results[1].keys()
    for k in results[0].keys():
        assert np.array_equal(results[0][k], results[1][k])
    direct = bin_store(path, ("EI", "binned_somadist"), maxtime_ms=50)
    for k in direct.keys():
        assert np.array_equal(results[0][k], direct[k])


def test_sparse_route_for_many_combinations_gives_the_same_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    import isf.reduced.binning as binning

    rng = np.random.default_rng(0)
    pops = rng.choice(["L5tt_C2", "L1_D2", "VPM_C1", "SymLocal1_C2"], 500)
    f = frame(list(pops), list(rng.uniform(0, 900, 500)), list(rng.uniform(0, 100, 500)),
              list(rng.integers(0, 9, 500))).sort_index()
    dense = bin_activations(f, ("celltype", "binned_somadist"), maxtime_ms=100, trials=range(10))
    monkeypatch.setattr(binning, "_DENSE_LIMIT", 0)
    sparse = bin_activations(f, ("celltype", "binned_somadist"), maxtime_ms=100, trials=range(10))
    assert dense.keys() == sparse.keys()
    for k in dense.keys():
        assert np.array_equal(dense[k], sparse[k])


def test_study_view_on_a_local_cluster(tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    path = write_store(tmp_path / "run.h5", 5, 5)
    view = StudyView.of_stores([path], chunk_trials=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        on_cluster = bin_study(view, ("EI",), maxtime_ms=50, client=client)
    local = bin_study(view, ("EI",), maxtime_ms=50)
    assert on_cluster.trials.tolist() == local.trials.tolist() == list(range(5))
    for k in local.keys():
        assert np.array_equal(on_cluster[k], local[k])
