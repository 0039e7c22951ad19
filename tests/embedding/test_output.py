"""The written file set loads back with the legacy readers and runs a network trial; runs are reproducible
and do not depend on workers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import isf
from isf.backends.parallel import Parallel
from isf.data import cell86, network_c2
from isf.dsl.con_file import read_con
from isf.dsl.connected_cells import read_connected_cells
from isf.dsl.connectome_tables import read_summary
from isf.dsl.network_param import network_from_param_dict
from isf.dsl.param_format import read_param
from isf.dsl.syn_file import read_syn
from isf.embedding.mapper import embed, embed_many
from isf.embedding.network import network_param_for_embedding
from isf.embedding.output import write_embedding


@pytest.fixture(scope="module")
def result(setup86):
    return embed(setup86, n_samples=6, seed=4, parallel=Parallel(backend="sequential", progress=False))


def test_files_load_back(result, tmp_path) -> None:
    files = write_embedding(result, tmp_path)
    chosen = result.chosen
    assert files["folder"].name == "86_C2_center_synapses_seed4"
    syn = read_syn(files["syn"])
    anatomical_id, con = read_con(files["con"])
    assert anatomical_id == files["syn"].name
    expected = chosen.syn_populations()
    assert list(syn) == list(expected)
    for name, (sections, x) in expected.items():
        np.testing.assert_array_equal(syn[name][0], sections)
        np.testing.assert_array_equal(syn[name][1], x)
        np.testing.assert_array_equal(
            con[name].cell_id, chosen.connectivity()[name].cell_id
        )
    connected = read_connected_cells(files["connected_cells"])
    for pop in chosen.populations:
        if len(pop):
            assert connected[pop.cell_type][pop.area] == pop.n_connected
    tables = read_summary(files["summary"])
    assert len(tables) == 3
    rep = tables["connectivity per cell type representative realization summary"]
    assert (
        rep.loc["L5tt", "Number of synapses"] == chosen.synapses_per_cell_type()["L5tt"]
    )
    provenance = json.loads(files["provenance"].read_text())
    assert (
        provenance["seed"] == 4
        and provenance["representative_sample"] == result.representative
    )
    assert provenance["n_samples"] == 6 and provenance["legacy_compatible"] is True
    with pytest.raises(FileExistsError):
        write_embedding(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        files["folder"].name
    ]  # no temporary left behind


def test_failed_write_leaves_nothing(result, tmp_path, monkeypatch) -> None:
    from isf.embedding import output

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(output, "write_summary", broken)
    with pytest.raises(OSError, match="disk full"):
        write_embedding(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_all_samples_are_written(result, tmp_path) -> None:
    files = write_embedding(result, tmp_path, all_samples=True)
    written = sorted((files["folder"] / "realisations").glob("*.syn"))
    assert len(written) == 6
    assert (
        sum(len(v[0]) for v in read_syn(written[3]).values())
        == result.realisations[3].n_synapses
    )


def test_same_result_with_two_workers(setup86, result) -> None:
    parallel = embed(
        setup86,
        n_samples=6,
        seed=4,
        parallel=Parallel(backend="loky", workers=2, batch_size=2, progress=False),
    )
    assert parallel.representative == result.representative
    for a, b in zip(parallel.realisations, result.realisations):
        for pa, pb in zip(a.populations, b.populations):
            np.testing.assert_array_equal(pa.section_id, pb.section_id)
            np.testing.assert_array_equal(pa.x, pb.x)
            np.testing.assert_array_equal(pa.cell_id, pb.cell_id)


def test_many_cells_draw_independently(setup86) -> None:
    first, second = embed_many(
        [setup86, setup86], n_samples=2, seed=4, parallel=Parallel(backend="sequential", progress=False)
    )
    assert first.cell_index == 0 and second.cell_index == 1
    assert first.realisations[0].n_synapses != second.realisations[0].n_synapses


def test_bad_arguments(setup86) -> None:
    with pytest.raises(ValueError, match="backend"):
        embed(setup86, 2, seed=1, parallel=Parallel(backend="threads"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        embed(setup86, 2, seed=-1)


def test_embedding_runs_a_network_trial(result, tmp_path) -> None:
    from isf.backends.neuron.trials import TrialSimulator

    files = write_embedding(result, tmp_path)
    template = read_param(network_c2("network.param"))
    params = network_param_for_embedding(
        template, result.chosen, files["syn"], files["con"]
    )
    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    network = network_from_param_dict(
        params, cell.morphology, filename=tmp_path / "network.param"
    ).network
    assert network.n_synapses == result.chosen.n_synapses
    assert network.n_connected_synapses == result.chosen.n_synapses
    experiment = isf.Experiment(
        cell, isf.Simulation(30.0, dt_ms=0.025), network=network
    )
    with TrialSimulator(experiment) as sim:
        trial = sim.run(1, 0)
    assert trial.t_ms[-1] == pytest.approx(30.0) and np.all(
        np.isfinite(trial.traces["soma"])
    )
    assert [p.name for p in network.populations] == [
        p.name for p in result.chosen.populations if len(p)
    ]
    assert (
        trial.input.n_active_synapses > 0
    )  # the embedded synapses received presynaptic spikes
