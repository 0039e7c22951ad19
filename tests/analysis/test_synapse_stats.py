"""Synapse statistics by cell type: hand-made networks and frames with exact numbers, and the shipped
C2 network (``isf.data.network_c2``) — no NEURON, no ../shared data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import isf
from isf.analysis import synapse_stats as ss
from isf.store import RunStore
from isf.data import cell86, network_c2
from isf.model import cell_types as ct
from isf.model.network import Network, Population
from isf.model.trial_input import realize_input, trial_rng
from isf.model.trial_result import TrialResult

# ------------------------------------------------------------------------------------ hand-made network


def _pop(name: str, cells: int, distances: list[float], labels: list[str], cell_id: list[int],
         synapse_id: list[int], inhibitory: bool = False) -> Population:
    n = len(distances)
    synapses = isf.Synapses(np.arange(n), np.full(n, 0.5), distances, np.zeros(n, np.int64), labels)
    return Population(name, cells, isf.Activity(isf.Poisson(100.0)), (isf.gaba(1.0),) if inhibitory else
                      (isf.glutamate(1.0, 1.0),), synapses, isf.Connectivity(cell_id, synapse_id))


@pytest.fixture(scope="module")
def toy() -> Network:
    return Network((
        _pop("L5tt_C2", 5, [100.0, 200.0, 600.0], ["Dendrite", "ApicalDendrite", "ApicalDendrite"],
             [0, 0, 3], [0, 1, 2]),
        _pop("L1_C2", 4, [1400.0, 1500.0], ["ApicalDendrite", "ApicalDendrite"], [2], [1], inhibitory=True),
        _pop("SymLocal1_C2", 1, [50.0, 150.0], ["Dendrite", "AIS"], [0, 0], [0, 1], inhibitory=True),
        _pop("L5tt_D2", 2, [300.0], ["Soma"], [1], [0]),
    ))


def test_names_and_ei_groups() -> None:
    assert ss.cell_type_of("L45Peak_D1") == "L45Peak" and ss.column_of("L45Peak_D1") == "D1"
    assert ss.cell_type_of("VPM_Alpha") == "VPM" and ss.column_of("a_b_c") == "b_c" and ss.column_of("x") == ""
    assert ct.ei_class("L5tt") == "EXC" and ct.ei_class("L45Peak") == "INH"
    # ISF's quirk: L1 is in its EXCITATORY list; anything unlisted is INH.
    assert ct.ei_class("L1") == "EXC" and ct.ei_class("L1", ct.EXCITATORY_CELL_TYPES) == "INH"
    assert ct.ei_class("Martinotti") == "INH"
    assert set(ct.EXCITATORY_CELL_TYPES).isdisjoint(ct.INHIBITORY_CELL_TYPES)
    assert len(ct.EXCITATORY_CELL_TYPES) == 11 and len(ct.INHIBITORY_CELL_TYPES) == 11
    assert ss.order_cell_types(["SymLocal1", "L1", "VPM", "L5tt", "X"]) == ["VPM", "L5tt", "L1", "SymLocal1", "X"]
    assert ss.order_cell_types(["SymLocal1", "L1", "L5tt"], ct.EXCITATORY_CELL_TYPES) == ["L5tt", "SymLocal1", "L1"]


def test_network_synapses_one_row_per_synapse(toy: Network) -> None:
    rows = ss.network_synapses(toy)
    assert len(rows) == 8
    assert rows["population"].tolist() == ["L5tt_C2"] * 3 + ["L1_C2"] * 2 + ["SymLocal1_C2"] * 2 + ["L5tt_D2"]
    assert rows["synapse_id"].tolist() == [0, 1, 2, 0, 1, 0, 1, 0]
    assert rows["connected"].tolist() == [True, True, True, False, True, True, True, True]
    assert rows["EI"].tolist() == ["EXC"] * 5 + ["INH"] * 2 + ["EXC"]
    assert rows["soma_distance_um"].tolist() == [100, 200, 600, 1400, 1500, 50, 150, 300]


def test_population_table_exact(toy: Network) -> None:
    table = ss.population_synapse_table(toy)
    assert table.index.tolist() == ["L5tt_C2", "L1_C2", "SymLocal1_C2", "L5tt_D2"]
    l5 = table.loc["L5tt_C2"]
    assert (l5.n_cells, l5.n_connected_cells, l5.n_synapses, l5.n_connected_synapses) == (5, 2, 3, 3)
    assert l5.soma_distance_mean_um == pytest.approx(300.0)
    assert l5.soma_distance_sd_um == pytest.approx(np.sqrt((200**2 + 100**2 + 300**2) / 3))
    assert (l5.n_apical, l5.n_basal, l5.n_soma, l5.n_other) == (2, 1, 0, 0)
    l1 = table.loc["L1_C2"]
    assert (l1.n_connected_cells, l1.n_connected_synapses, l1.EI, l1.column) == (1, 1, "EXC", "C2")
    assert table.loc["SymLocal1_C2", "n_other"] == 1  # the AIS synapse
    assert table.loc["L5tt_D2", "n_soma"] == 1 and table.loc["L5tt_D2", "soma_distance_sd_um"] == 0.0
    assert np.isnan(ss.population_synapse_table(toy, ddof=1).loc["L5tt_D2", "soma_distance_sd_um"])
    assert table["n_synapses"].dtype == np.int64


def test_celltype_table_pools_populations(toy: Network) -> None:
    table = ss.celltype_synapse_table(toy)
    assert table.index.tolist() == ["L5tt", "L1", "SymLocal1"]
    l5 = table.loc["L5tt"]
    assert (l5.EI, l5.n_populations, l5.n_cells, l5.n_connected_cells, l5.n_synapses) == ("EXC", 2, 7, 3, 4)
    # pooled over the four synapses 100, 200, 600, 300 µm — not the mean of the population means (300, 300)
    assert l5.soma_distance_mean_um == pytest.approx(300.0)
    assert l5.soma_distance_sd_um == pytest.approx(np.sqrt((200**2 + 100**2 + 300**2 + 0**2) / 4))
    assert (l5.n_apical, l5.n_basal, l5.n_soma, l5.n_other) == (2, 1, 1, 0)
    assert table.loc["L1", "soma_distance_mean_um"] == pytest.approx(1450.0)
    assert table.loc["SymLocal1", "soma_distance_sd_um"] == pytest.approx(50.0)
    sample_sd = ss.celltype_synapse_table(toy, ddof=1).loc["SymLocal1", "soma_distance_sd_um"]
    assert sample_sd == pytest.approx(np.sqrt(5000))
    anatomical = ss.celltype_synapse_table(toy, excitatory=ct.EXCITATORY_CELL_TYPES)
    assert anatomical.index.tolist() == ["L5tt", "SymLocal1", "L1"] and anatomical.loc["L1", "EI"] == "INH"
    assert len(ss.celltype_synapse_table(Network(()))) == 0


# ------------------------------------------------------------------------------------ hand-made activations


@pytest.fixture()
def acts() -> pd.DataFrame:
    """Trials 0, 1 and 3 (trial 2 had no release); synapse 0 of L5tt_C2 releases twice in trial 0."""
    rows = [
        (0, "L5tt_C2", 0, 100.0, 10.0),
        (0, "L5tt_C2", 0, 100.0, 250.0),
        (0, "L1_C2", 1, 1500.0, 20.0),
        (0, "SymLocal1_C2", 0, 50.0, 30.0),
        (1, "L5tt_D2", 0, 300.0, 5.0),
        (1, "SymLocal1_C2", 1, 150.0, 400.0),
        (3, "L5tt_C2", 2, 600.0, 99.0),
    ]
    frame = pd.DataFrame(rows, columns=["trial", "population", "synapse_id", "soma_distance_um", "time_ms"])
    frame["population"] = frame["population"].astype("category")
    frame["label"] = pd.Categorical(["Dendrite", "Dendrite", "ApicalDendrite", "Dendrite", "Soma", "AIS",
                                     "ApicalDendrite"])
    return frame.set_index("trial")


def test_with_groups_adds_isf_grouping_columns(acts: pd.DataFrame) -> None:
    grouped = ss.with_groups(acts)
    assert grouped["cell_type"].tolist() == ["L5tt", "L5tt", "L1", "SymLocal1", "L5tt", "SymLocal1", "L5tt"]
    assert list(grouped["cell_type"].cat.categories) == ["L5tt", "L1", "SymLocal1"]
    assert grouped["EI"].tolist() == ["EXC", "EXC", "EXC", "INH", "EXC", "INH", "EXC"]
    assert grouped["column"].tolist() == ["C2", "C2", "C2", "C2", "D2", "C2", "C2"]
    assert grouped["proximal"].tolist() == ["prox", "prox", "dist", "prox", "prox", "prox", "dist"]
    assert "cell_type" not in acts.columns  # a copy


def test_activations_per_trial_counts_and_missing_trials(acts: pd.DataFrame) -> None:
    table = ss.activations_per_trial(acts, "cell_type", trials=[0, 1, 2, 3])
    expected = pd.DataFrame({"L5tt": [2, 1, 0, 1], "L1": [1, 0, 0, 0], "SymLocal1": [1, 1, 0, 0]},
                            index=pd.Index([0, 1, 2, 3], name="trial"))
    expected.columns.name = "cell_type"
    pd.testing.assert_frame_equal(table, expected)
    assert ss.activations_per_trial(acts, "cell_type").index.tolist() == [0, 1, 3]
    synapses = ss.activations_per_trial(acts, "cell_type", trials=[0, 1, 2, 3], count="synapses")
    assert synapses["L5tt"].tolist() == [1, 1, 0, 1]
    windowed = ss.activations_per_trial(acts, "EI", trials=range(4), t0_ms=0.0, t1_ms=300.0)
    assert windowed["EXC"].tolist() == [3, 1, 0, 1] and windowed["INH"].tolist() == [1, 0, 0, 0]
    anatomical = ss.activations_per_trial(acts, "EI", excitatory=ct.EXCITATORY_CELL_TYPES)
    assert anatomical.loc[0].tolist() == [2, 2]
    assert ss.activations_per_trial(acts, "population").loc[0, "L5tt_C2"] == 2
    assert ss.activations_per_trial(acts, "label").loc[1, "AIS"] == 1
    with pytest.raises(ValueError, match="choose"):
        ss.activations_per_trial(acts, "nonsense")


def test_activation_summary_exact(acts: pd.DataFrame) -> None:
    summary = ss.activation_summary(acts, n_trials=4)
    assert summary.index.tolist() == ["L5tt", "L1", "SymLocal1"]
    l5 = summary.loc["L5tt"]
    assert (l5.EI, l5.n_activations) == ("EXC", 4)
    assert l5.activations_per_trial == pytest.approx(1.0)
    assert l5.active_synapses_per_trial == pytest.approx(3 / 4)  # synapse 0 twice in trial 0 counts once
    # over releases: 100, 100, 300, 600 µm
    assert l5.soma_distance_mean_um == pytest.approx(275.0)
    assert l5.soma_distance_sd_um == pytest.approx(np.std([100, 100, 300, 600]))
    late = ss.activation_summary(acts, n_trials=4, t1_ms=200.0)
    assert late.loc["SymLocal1", "n_activations"] == 1 and late.loc["SymLocal1", "soma_distance_mean_um"] == 50.0
    empty = ss.activation_summary(acts, n_trials=4, t0_ms=1000.0)
    assert empty["n_activations"].tolist() == [0, 0, 0] and empty["soma_distance_mean_um"].isna().all()
    by_ei = ss.activation_summary(acts, "EI")  # n_trials from the frame: 3
    assert by_ei.loc["EXC", "activations_per_trial"] == pytest.approx(5 / 3) and "EI" not in by_ei.columns


def test_binned_activations(acts: pd.DataFrame) -> None:
    edges, table = ss.binned_activations(acts, "EI", bin_ms=100.0, t_stop_ms=300.0, n_trials=4)
    assert edges.tolist() == [0.0, 100.0, 200.0, 300.0]
    assert table.index.tolist() == [0.0, 100.0, 200.0]
    assert table["EXC"].tolist() == [4 / 4, 0.0, 1 / 4]   # 10, 20, 5, 99 | — | 250 (L1 is EXC)
    assert table["INH"].tolist() == [1 / 4, 0.0, 0.0]      # 30 (400 is outside)
    edges, _ = ss.binned_activations(acts, bin_ms=40.0, t_start_ms=10.0, t_stop_ms=100.0)
    assert edges.tolist() == [10.0, 50.0, 90.0, 130.0]     # enough bins to reach t_stop
    with pytest.raises(ValueError):
        ss.binned_activations(acts, bin_ms=0.0, t_stop_ms=10.0)


# ------------------------------------------------------------------------------------ the shipped C2 network


@pytest.fixture(scope="module")
def c2() -> Network:
    params = isf.read_cell_param(cell86("86_C2_center.param"))
    return isf.read_network_param(network_c2("network.param"), params.cell.morphology,
                                  search_roots=[network_c2()]).network


def test_shipped_network_folder_is_complete() -> None:
    folder = network_c2()
    for name in ("network.param", "example_embedding_86_C2_center.syn", "example_embedding_86_C2_center.con",
                 "NumberOfConnectedCells.csv", "NOTICE"):
        assert (folder / name).is_file(), name
    assert "GPL" in (folder / "NOTICE").read_text()


def test_shipped_network_anatomy(c2: Network) -> None:
    assert len(c2.populations) == 278 and c2.n_synapses == 24780
    pops = ss.population_synapse_table(c2)
    types = ss.celltype_synapse_table(c2)
    assert len(types) == 22 and types["n_populations"].sum() == 278
    assert types["n_synapses"].sum() == 24780 == pops["n_synapses"].sum()
    assert types["n_connected_synapses"].sum() == 24780
    assert (types[["n_apical", "n_basal", "n_soma", "n_other"]].sum(axis=1) == types["n_synapses"]).all()
    assert types[["n_apical", "n_basal", "n_soma", "n_other"]].sum().tolist() == [14440, 10242, 98, 0]
    by_pop = pops.groupby("cell_type")["n_synapses"].sum()
    assert (by_pop.reindex(types.index) == types["n_synapses"]).all()
    assert types.loc["L5tt", "n_synapses"] == 807 and types.loc["L34", "n_synapses"] == 6339
    # L5tt synapses mostly basal and proximal apical; L1 axons reach only the apical tuft.
    assert 150.0 < types.loc["L5tt", "soma_distance_mean_um"] < 400.0
    assert types.loc["L1", "soma_distance_mean_um"] > 1200.0 and types.loc["L1", "n_apical"] == 319
    assert types.loc["VPM", "EI"] == "EXC" and types.loc["L1", "EI"] == "EXC" and types.loc["L56Trans", "EI"] == "INH"
    assert (types["n_connected_cells"] <= types["n_cells"]).all()
    assert types.loc[list(ct.EXCITATORY_CELL_TYPES), "n_synapses"].sum() == 22550


def test_shipped_cell_counts_match_number_of_connected_cells_csv(c2: Network) -> None:
    csv = pd.read_csv(network_c2("NumberOfConnectedCells.csv"), sep="\t")
    names = csv["Presynaptic cell type"] + "_" + csv["Presynaptic column"]
    counts = pd.Series(csv["Connected presynaptic cells"].to_numpy(), index=names)
    pops = ss.population_synapse_table(c2)
    assert set(counts[counts > 0].index) == set(pops.index)
    assert (pops["n_cells"] == counts.reindex(pops.index)).all()


def test_store_activations_match_the_realised_input(c2: Network, tmp_path: Path) -> None:
    """Frames as the run store returns them (categoricals, trial index), written without NEURON."""
    inputs = []
    with RunStore.create(tmp_path / "run.h5", experiment_json="{}", run_seed=5, n_trials=3) as store:
        for trial in (0, 2):  # trial 1 is never run: zeros when the run's trials are given
            realised = realize_input(c2, 300.0, trial_rng(5, trial))
            inputs.append(realised)
            t = np.arange(0.0, 300.5, 0.5)
            store.append(TrialResult(trial, 5, t, {"soma": np.full(t.shape, -70.0)}, np.zeros(0), realised), c2)
    with RunStore.open(tmp_path / "run.h5") as store:
        activations = store["synapse_activations"]
    synapses = ss.activations_per_trial(activations, "cell_type", trials=[0, 1, 2], count="synapses")
    assert synapses.sum(axis=1).tolist() == [inputs[0].n_active_synapses, 0, inputs[1].n_active_synapses]
    releases = ss.activations_per_trial(activations, "EI", trials=[0, 1, 2])
    expected = [sum(sum(len(r) for r in p.release_times_ms) for p in i.populations) for i in inputs]
    assert releases.sum(axis=1).tolist() == [expected[0], 0, expected[1]]
    # ISF: ~3,900 active synapses per 300 ms C2 trial; the whisker deflection at 245 ms triples the input.
    assert 3500 < inputs[0].n_active_synapses < 4400
    edges, binned = ss.binned_activations(activations, "EI", bin_ms=30.0, t_start_ms=150.0, t_stop_ms=270.0)
    total = binned.sum(axis=1)
    assert total.loc[240.0] > 2 * total.loc[150.0]
    summary = ss.activation_summary(activations, n_trials=3, t1_ms=300.0)
    assert summary["n_activations"].sum() == releases.sum().sum() - (activations["time_ms"] >= 300).sum()
    assert 150.0 < summary.loc["L5tt", "soma_distance_mean_um"] < 400.0
