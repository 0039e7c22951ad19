"""The experiment JSON is kept exactly, without a second copy of the network's synapses."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import attrs
import numpy as np
import pytest
import tables

import isf
import isf.data
from isf.model.network import Network
from isf.model.synapse import Synapses
from isf.model.trial_input import realize_input, trial_rng
from isf.model.trial_result import TrialResult, activation_columns
from isf.store import RunStore
from store_data import EXPERIMENT, N_TRIALS, SEED


# ------------------------------------------------------------------------------------------ compact layout


@pytest.fixture(scope="module")
def c2() -> tuple[isf.Experiment, str]:
    """The shipped C2 network on cell 86 (280 populations, ~25,000 synapses), as experiment and JSON."""
    from isf.store import experiment_json

    cell = isf.read_cell_param(isf.data.cell86("86_C2_center.param")).cell
    net = isf.read_network_param(isf.data.network_c2("network.param"), cell.morphology, [isf.data.network_c2()])
    experiment = isf.Experiment(cell, isf.Simulation(50.0), network=net.network)
    return experiment, experiment_json(experiment)


def test_experiment_json_round_trips_exactly_without_a_second_copy_of_the_synapses(
        tmp_path: Path, c2: tuple[isf.Experiment, str]) -> None:
    from isf.model.codec import to_data

    experiment, text = c2
    assert experiment.network is not None
    network = experiment.network
    data = to_data(experiment)
    for i, variant in enumerate((text, json.dumps(data), json.dumps(data, indent=1))):
        path = tmp_path / f"run{i}.h5"
        with RunStore.create(path, experiment_json=variant, run_seed=1, n_trials=2) as store:
            synapses = store._index.sizes()["synapses"]
            assert store.experiment_json == variant
            trial_input = realize_input(network, 50.0, trial_rng(1, 0))
            t = np.arange(11) * 5.0
            store.append(TrialResult(0, 1, t, {"soma": np.full(11, -70.0)}, np.zeros(0), trial_input), network)
            assert store._index.sizes()["synapses"] == synapses  # the network's synapses were stored at create
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
        after_first = store._index.sizes()["synapses"]
        twin = Network(tuple(attrs.evolve(p) for p in network.populations))  # an equal network, another object
        store.append(results[1], twin)
        store.append(results[2], network)
        assert store._index.sizes()["synapses"] == after_first == 1
        assert len(store._index.synapse_table()["population"]) == sum(len(p.synapses) for p in network.populations)
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
