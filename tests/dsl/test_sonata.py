"""Tests of the SONATA export and import of a cell-in-network trial's input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isf
import isf.data
from isf.dsl import sonata
from isf.dsl.sonata import read_sonata, write_sonata
from isf.errors import FileFormatError, MissingFileError
from isf.model.activity import Poisson
from isf.model.network import Network, Population
from isf.model.receptor import gaba, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import TrialInput, realize_input, trial_rng

FIELDS = ("presynaptic_times_ms", "presynaptic_counts", "synapse_ids", "release_flat_ms", "release_counts")


def assert_same_input(network: Network, trial: TrialInput, back: sonata.SonataInput) -> None:
    """Same spikes (presynaptic, releases, weights) and same synapses (who, where) per population."""
    assert [p.name for p in back.populations] == [p.name for p in network.populations]
    for pop, drawn, read, spop in zip(network.populations, trial.populations, back.trial_input.populations,
                                      back.populations):
        assert read.name == drawn.name == spop.name
        for field in FIELDS:
            np.testing.assert_array_equal(getattr(read, field), getattr(drawn, field), err_msg=f"{pop.name} {field}")
        assert len(read.weights_nS) == len(drawn.weights_nS)
        for a, b in zip(read.weights_nS, drawn.weights_nS):
            np.testing.assert_array_equal(a, b)
        assert spop.connectivity == pop.connectivity
        np.testing.assert_array_equal(spop.section_id, pop.synapses.section_id[pop.connectivity.synapse_id])
        np.testing.assert_array_equal(spop.x, pop.synapses.x[pop.connectivity.synapse_id])
        assert spop.receptors == pop.receptors
        assert spop.release_probability == pop.release_probability
        assert spop.cell_count == pop.cell_count


@pytest.fixture(scope="module")
def small_network() -> Network:
    morph = isf.read_hoc(isf.data.cell86("86_C2_center.hoc"))
    exc = Population("L5tt_C2", 3, Poisson(20.0), (glutamate(1.0, 1.5),),
                     Synapses.on(morph, [10, 20, 30, 40], [0.1, 0.5, 0.9, 0.3]),
                     Connectivity([0, 1, 1, 2], [0, 1, 2, 3]), 0.6)
    inh = Population("SymLocal1_Alpha", 2, Poisson(15.0), (gaba(0.7),),
                     Synapses.on(morph, [0, 5, 7], [0.5, 0.5, 0.2]), Connectivity([0, 1, 1], [0, 1, 2]))
    silent = Population("L6cc_C3", 4, Poisson(1e9), (gaba(0.5),))  # no synapses, no spikes
    return Network((exc, inh, silent))


@pytest.fixture(scope="module")
def c2_network() -> Network:
    """Cell 86's shipped C2 network (278 populations, 24,780 synapses)."""
    params = isf.read_cell_param(isf.data.cell86("86_C2_center.param"))
    return isf.read_network_param(isf.data.network_c2("network.param"), params.cell.morphology,
                                  search_roots=[isf.data.network_c2()]).network


# ----------------------------------------------------------------------------- the C2 network


def test_round_trip_of_a_c2_trial(c2_network: Network, tmp_path: Path) -> None:
    trial = realize_input(c2_network, 300.0, trial_rng(1, 3))
    folder = write_sonata(tmp_path / "trial3", c2_network, trial, tstop_ms=300.0,
                          provenance={"run_seed": 1, "trial_index": 3})
    back = read_sonata(folder)
    assert_same_input(c2_network, trial, back)
    assert back.tstop_ms == 300.0 and back.cell_name == "cell"
    assert back.provenance["run_seed"] == 1 and back.provenance["trial_index"] == 3
    assert len(back.populations) == 278 and sum(len(p.connectivity) for p in back.populations) == 24780


def test_a_sonata_reader_accepts_the_c2_files(c2_network: Network, tmp_path: Path) -> None:
    libsonata = pytest.importorskip("libsonata")
    trial = realize_input(c2_network, 300.0, trial_rng(1, 0))
    morph = isf.read_hoc(isf.data.cell86("86_C2_center.hoc"))
    folder = write_sonata(tmp_path / "t", c2_network, trial, tstop_ms=300.0, morphology=morph)
    nodes = libsonata.NodeStorage(str(folder / "nodes.h5"))
    assert nodes.population_names == {"cell", *(p.name for p in c2_network.populations)}
    assert nodes.open_population("cell").size == 1
    edges = libsonata.EdgeStorage(str(folder / "edges.h5"))
    spikes = libsonata.SpikeReader(str(folder / "spikes.h5"))
    for pop, drawn in zip(c2_network.populations, trial.populations):
        assert nodes.open_population(pop.name).size == pop.cell_count
        edge = edges.open_population(f"{pop.name}_to_cell")
        assert (edge.source, edge.target, edge.size) == (pop.name, "cell", len(pop.connectivity))
        everything = libsonata.Selection([[0, edge.size]])
        np.testing.assert_array_equal(edge.source_nodes(everything), pop.connectivity.cell_id)
        np.testing.assert_array_equal(edge.get_attribute("afferent_section_id", everything),
                                      pop.synapses.section_id[pop.connectivity.synapse_id])
        np.testing.assert_array_equal(edge.get_attribute("afferent_section_pos", everything),
                                      pop.synapses.x[pop.connectivity.synapse_id])
        read = spikes[pop.name]
        assert read.sorting == "by_id"
        ids, times = read.get_dict()["node_ids"], read.get_dict()["timestamps"]
        np.testing.assert_array_equal(times, drawn.presynaptic_times_ms)
        np.testing.assert_array_equal(np.bincount(ids, minlength=pop.cell_count), drawn.presynaptic_counts)
    config = libsonata.CircuitConfig.from_file(str(folder / "circuit_config.json"))
    assert config.node_populations == nodes.population_names
    assert config.node_population_properties("cell").type == "biophysical"
    assert (folder / "morphologies" / "cell.swc").is_file()
    simulation = libsonata.SimulationConfig.from_file(str(folder / "simulation_config.json"))
    assert simulation.run.tstop == 300.0
    assert Path(simulation.input("presynaptic_spikes").spike_file) == folder / "spikes.h5"
    assert "cell" in libsonata.NodeSets.from_file(str(folder / "node_sets.json")).names


# ----------------------------------------------------------------------------- a small network


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), trial=st.integers(0, 1000), tstop=st.floats(0.0, 500.0))
def test_round_trip_of_any_trial(small_network: Network, tmp_path: Path, seed: int, trial: int, tstop: float) -> None:
    drawn = realize_input(small_network, tstop, trial_rng(seed, trial))
    folder = tmp_path / f"s{seed}_{trial}"
    write_sonata(folder, small_network, drawn, tstop_ms=tstop)
    try:
        assert_same_input(small_network, drawn, read_sonata(folder))
    finally:
        shutil.rmtree(folder)


def test_without_the_releases_file_every_spike_releases(small_network: Network, tmp_path: Path) -> None:
    drawn = realize_input(small_network, 400.0, trial_rng(5, 0))
    folder = write_sonata(tmp_path / "s", small_network, drawn)
    (folder / "releases.h5").unlink()
    back = read_sonata(folder)
    inh, read = drawn.populations[1], back.trial_input.populations[1]  # release probability None, fixed weight
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(read, field), getattr(inh, field))
    np.testing.assert_array_equal(read.weights_nS[0], inh.weights_nS[0])


def test_the_configs_name_the_files(small_network: Network, tmp_path: Path) -> None:
    drawn = realize_input(small_network, 100.0, trial_rng(1, 0))
    folder = write_sonata(tmp_path / "s", small_network, drawn, tstop_ms=100.0, cell_name="L5tt86")
    circuit = json.loads((folder / "circuit_config.json").read_text())
    assert circuit["networks"]["nodes"][0]["nodes_file"].endswith("nodes.h5")
    simulation = json.loads((folder / "simulation_config.json").read_text())
    assert simulation["run"]["tstop"] == 100.0
    assert simulation["inputs"]["presynaptic_spikes"]["spike_file"] == "spikes.h5"
    assert set(json.loads((folder / "node_sets.json").read_text())) == {"L5tt86", "L5tt_C2", "SymLocal1_Alpha",
                                                                        "L6cc_C3"}
    assert (folder / "node_types.csv").read_text().splitlines()[1].split()[:2] == ["1", "biophysical"]
    assert read_sonata(folder).cell_name == "L5tt86"


def test_errors_name_the_problem(small_network: Network, tmp_path: Path) -> None:
    drawn = realize_input(small_network, 100.0, trial_rng(1, 0))
    with pytest.raises(FileFormatError, match="also a presynaptic population"):
        write_sonata(tmp_path / "a", small_network, drawn, cell_name="L5tt_C2")
    with pytest.raises(FileFormatError, match="differ from the network"):
        write_sonata(tmp_path / "b", Network(small_network.populations[:1]), drawn)
    write_sonata(tmp_path / "c", small_network, drawn)
    with pytest.raises(FileExistsError, match="exists"):
        write_sonata(tmp_path / "c", small_network, drawn)
    write_sonata(tmp_path / "c", small_network, drawn, overwrite=True)
    with pytest.raises(MissingFileError, match="nodes.h5"):
        read_sonata(tmp_path / "nothing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_a_failing_write_leaves_nothing_behind(small_network: Network, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = realize_input(small_network, 100.0, trial_rng(1, 0))
    write_sonata(tmp_path / "old", small_network, drawn)

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(sonata, "_write_configs", broken)
    with pytest.raises(OSError, match="disk full"):
        write_sonata(tmp_path / "new", small_network, drawn)
    with pytest.raises(OSError, match="disk full"):
        write_sonata(tmp_path / "old", small_network, drawn, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]  # the old folder is untouched
    assert (tmp_path / "old" / "circuit_config.json").is_file()
