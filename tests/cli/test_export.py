"""``isf export nwb|sonata|neuroml|swc``: reports, round trips, clear errors, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import isf
from isf.data import cell86, network_c2
from isf.dsl.neuroml import read_neuroml
from isf.dsl.sonata import read_sonata
from isf.model.activity import Activity, Poisson
from isf.model.network import Network, Population
from isf.model.receptor import gaba, glutamate
from isf.model.spikes import spike_times
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_input, trial_rng
from isf.model.trial_result import TrialResult
from isf.store import RunStore, experiment_json
from isf.store.nwb import read_nwb

HOC = cell86("86_C2_center.hoc")
TSTOP = 150.0
SEED = 11


def _store(path: Path, *, drawn_with_seed: int = SEED) -> Path:
    """A store of 3 synthetic trials whose experiment (cell 86 + a small network) can be rebuilt."""
    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    morph = cell.morphology
    network = Network((
        Population("L5tt_C2", 3, Activity(Poisson(20.0)), (glutamate(1.0, 1.0),),
                   Synapses.on(morph, [10, 20, 30], [0.1, 0.5, 0.9]), Connectivity([0, 1, 2], [0, 1, 2]), 0.5),
        Population("SymLocal1_Alpha", 2, Activity(Poisson(15.0)), (gaba(1.0),),
                   Synapses.on(morph, [0, 5], [0.5, 0.5]), Connectivity([0, 1], [0, 1])),
    ))
    experiment = isf.Experiment(cell, isf.Simulation(TSTOP), network=network)
    with RunStore.create(path, experiment_json=experiment_json(experiment), run_seed=SEED, n_trials=3) as store:
        for i in range(3):
            t = np.arange(int(TSTOP / 0.025) + 1) * 0.025
            v = -70.0 + 80.0 * (np.sin(t / 5.0 + i) > 0.95)
            trial_input = realize_input(network, TSTOP, trial_rng(drawn_with_seed, i))
            store.append(TrialResult(i, SEED, t, {"soma": v}, spike_times(t, v, 0.0), trial_input), network)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _store(tmp_path_factory.mktemp("export") / "run.h5")


def test_neuroml_and_swc_of_a_hoc_file(isf_cli, tmp_path: Path) -> None:
    code, out, _ = isf_cli("export", "neuroml", HOC, tmp_path / "c.nml", "--cell-id", "cell86")
    assert code == 0 and "167 sections" in out and "an equal morphology" in out
    assert read_neuroml(tmp_path / "c.nml") == isf.read_hoc(HOC)
    code, out, _ = isf_cli("export", "swc", tmp_path / "c.nml", tmp_path / "c.swc")
    assert code == 0 and "wrote" in out


def test_swc_of_a_cell_with_generated_axon_needs_the_option(isf_cli, one_line_error, tmp_path: Path) -> None:
    param = cell86("86_C2_center.param")
    code, _, err = isf_cli("export", "swc", param, tmp_path / "c.swc")
    assert code == 1 and "generated_axon_as_axon" in one_line_error(err)
    assert list(tmp_path.iterdir()) == []
    code, out, _ = isf_cli("export", "swc", param, tmp_path / "c.swc", "--generated-axon-as-axon")
    assert code == 0 and "170 sections" in out


def test_outputs_are_not_overwritten_and_inputs_are_checked(isf_cli, one_line_error, tmp_path: Path) -> None:
    (tmp_path / "c.nml").write_text("keep")
    code, _, err = isf_cli("export", "neuroml", HOC, tmp_path / "c.nml")
    assert code == 1 and "--force" in one_line_error(err)
    assert (tmp_path / "c.nml").read_text() == "keep"
    code, _, _ = isf_cli("export", "neuroml", HOC, tmp_path / "c.nml", "--force")
    assert code == 0 and read_neuroml(tmp_path / "c.nml")
    code, _, err = isf_cli("export", "neuroml", tmp_path / "c.txt", tmp_path / "d.nml")
    assert code == 1 and "allowed are .hoc, .swc" in one_line_error(err)
    code, _, err = isf_cli("export", "neuroml", HOC, tmp_path / "no" / "d.nml")
    assert code == 1 and "output folder not found" in one_line_error(err)


def test_nwb_of_a_run(isf_cli, one_line_error, store: Path, tmp_path: Path) -> None:
    code, out, _ = isf_cli("export", "nwb", store, tmp_path / "run.nwb", "--trials", "0,2")
    assert code == 0 and "no problems" in out
    assert [t.trial_index for t in read_nwb(tmp_path / "run.nwb").trials] == [0, 2]
    code, _, err = isf_cli("export", "nwb", store, tmp_path / "bad.nwb", "--trials", "0-x")
    assert code == 1 and "0-9,12" in one_line_error(err)
    code, _, err = isf_cli("export", "nwb", tmp_path / "none.h5", tmp_path / "bad.nwb")
    assert code == 1 and "no run store" in one_line_error(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nwb"]


def test_sonata_of_a_stored_trial(isf_cli, store: Path, tmp_path: Path) -> None:
    code, out, _ = isf_cli("export", "sonata", tmp_path / "t1", "--store", store, "--trial", "1")
    assert code == 0 and "2 presynaptic populations, 5 edges" in out
    back = read_sonata(tmp_path / "t1")
    with RunStore.open(store) as opened:
        stored = np.sort(opened["presynaptic_spikes"].loc[[1], "time_ms"].to_numpy())
    read = np.sort(np.concatenate([p.presynaptic_times_ms for p in back.trial_input.populations]))
    np.testing.assert_array_equal(read, stored)
    assert back.provenance["run_seed"] == SEED and back.tstop_ms == TSTOP


def test_sonata_refuses_a_store_whose_input_differs(isf_cli, one_line_error, tmp_path: Path) -> None:
    other = _store(tmp_path / "other.h5", drawn_with_seed=SEED + 1)
    code, _, err = isf_cli("export", "sonata", tmp_path / "t0", "--store", other, "--trial", "0")
    assert code == 1 and "differs from the stored presynaptic spikes" in one_line_error(err)
    code, _, err = isf_cli("export", "sonata", tmp_path / "t0", "--store", other, "--trial", "7")
    assert code == 1 and "trials 0..2" in one_line_error(err)
    code, _, err = isf_cli("export", "sonata", tmp_path / "t0", "--trial", "0")
    assert code == 1 and "--store" in one_line_error(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.h5"]


def test_sonata_from_legacy_files(isf_cli, tmp_path: Path) -> None:
    code, out, _ = isf_cli("export", "sonata", tmp_path / "c2", "--cell", cell86("86_C2_center.param"),
                           "--network", network_c2("network.param"), "--search", network_c2(),
                           "--seed", "1", "--trial", "0", "--tstop", "300")
    assert code == 0 and "278 presynaptic populations, 24780 edges" in out
    assert len(read_sonata(tmp_path / "c2").populations) == 278


def test_nwb_of_a_study_database(isf_cli, one_line_error, store: Path, tmp_path: Path) -> None:
    from isf.store import Database
    from isf.store.nwb import validate_nwb
    from isf.store.study_view import write_conditions

    db = Database(tmp_path / "db")
    for whisker in ("B1", "C2"):
        target = db.run_store_path(("runs", whisker))
        target.write_bytes(store.read_bytes())
        with RunStore.open(target, "a") as opened:
            write_conditions(opened, {"whisker": whisker})
    code, out, _ = isf_cli("export", "nwb", db.path, tmp_path / "study.nwb")
    assert code == 0 and "no problems" in out and validate_nwb(tmp_path / "study.nwb") == []
    back = read_nwb(tmp_path / "study.nwb")
    assert [(t.conditions["whisker"], t.trial_index) for t in back.trials] == [
        ("B1", 0), ("B1", 1), ("B1", 2), ("C2", 0), ("C2", 1), ("C2", 2)]
    code, out, _ = isf_cli("export", "nwb", store, store, tmp_path / "two.nwb")
    assert code == 1  # two runs of one name
    code, _, err = isf_cli("export", "nwb", tmp_path / "empty_db_none", tmp_path / "x.nwb")
    assert code == 1 and "no run store" in one_line_error(err)
    Database(tmp_path / "empty")
    code, _, err = isf_cli("export", "nwb", tmp_path / "empty", tmp_path / "x.nwb")
    assert code == 1 and "no labelled runs" in one_line_error(err)
