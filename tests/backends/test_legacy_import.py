"""Import of legacy simrun result folders into a RunStore (LEGACY_FORMATS §7)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isf.backends.legacy_import import LEGACY_RUN_SEED, import_legacy_simrun
from isf.dsl.simrun_files import (
    read_presynaptic_spike_file,
    read_synapse_activation_file,
    read_trace_file,
    write_presynaptic_spike_file,
    write_synapse_activation_file,
    write_trace_file,
)
from isf.errors import LegacyFormatError
from isf.model.spikes import spike_times
from isf.store import RunStore

FOLDER = Path("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240")
DEND = ("apical_proximal_distal_rec_sites_ID_000_sec_038_seg_032_x_0.929_somaDist_920.7",
        "apical_proximal_distal_rec_sites_ID_001_sec_025_seg_001_x_0.500_somaDist_198.1")


@pytest.fixture(scope="module")
def simrun_dir(shared_data: Path) -> Path:
    return shared_data / FOLDER


@pytest.fixture(scope="module")
def imported(simrun_dir: Path, search_roots: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "20240.h5"
    assert import_legacy_simrun(simrun_dir, path, search_roots) == path
    return path


@pytest.mark.shared
def test_spike_times_equal_detection_on_the_csv_traces(imported: Path, simrun_dir: Path) -> None:
    table = read_trace_file(simrun_dir / "20240_vm_all_traces.csv")
    detected = [spike_times(table.t_ms, v, 0.0) for v in table.values]
    width = max(len(s) for s in detected)
    expected = pd.DataFrame([np.pad(s, (0, width - len(s)), constant_values=np.nan) for s in detected],
                            index=pd.Index(range(6), name="trial"), columns=pd.RangeIndex(width))
    with RunStore.open(imported) as store:
        got = store["spike_times"]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # the traces start at the old tOffset of 100 ms and the spikes are sample times of the file
    assert got.notna().sum(axis=1).tolist() == [1, 4, 1, 2, 2, 1]
    values = got.to_numpy()
    assert np.isin(values[~np.isnan(values)], table.t_ms).all()


@pytest.mark.shared
def test_activations_equal_the_csv_rows(imported: Path, simrun_dir: Path) -> None:
    with RunStore.open(imported) as store:
        acts = store["synapse_activations"]
        pres = store["presynaptic_spikes"]
        trials = store["trials"]
    assert sorted(set(acts.index)) == [0, 1] and sorted(set(pres.index)) == [0, 1]
    for run in (0, 1):
        csv = read_synapse_activation_file(simrun_dir / f"simulation_run{run:04d}_synapses.csv")
        got = acts.loc[[run]]
        assert len(got) == csv["time_ms"].shape[0]
        for column, values in csv.items():
            assert np.array_equal(got[column].to_numpy(dtype=values.dtype), values), column
        csv_pre = read_presynaptic_spike_file(simrun_dir / f"simulation_run{run:04d}_presynaptic_cells.csv")
        got_pre = pres.loc[[run]]
        for column, values in csv_pre.items():
            assert np.array_equal(got_pre[column].to_numpy(dtype=values.dtype), values), column
    assert trials.index.tolist() == list(range(6))
    assert trials["has_input"].tolist() == [True, True, False, False, False, False]


@pytest.mark.shared
def test_traces_and_provenance(imported: Path, simrun_dir: Path) -> None:
    soma = read_trace_file(simrun_dir / "20240_vm_all_traces.csv")
    with RunStore.open(imported) as store:
        assert store.trace_keys() == ["soma", *DEND]
        vt = store["voltage_traces"]
        assert np.array_equal(vt.to_numpy(), soma.values)
        assert np.array_equal(vt.columns.to_numpy(), soma.t_ms) and vt.columns[0] == 100.0
        for label in DEND:
            table = read_trace_file(simrun_dir / f"20240_{label}_vm_dend_traces.csv")
            assert np.array_equal(store.traces(label).to_numpy(), table.values)
        time_vectors = {(int(o), int(n)) for o, n in store._h5.root.traces.read()[:, 5:7].tolist()}
        assert len(time_vectors) == 1  # one shared time vector
        prov = store.provenance
    assert prov["run_seed"] == LEGACY_RUN_SEED and prov["n_trials"] == 6
    for name in ("20240_neuron_model.param", "20240_network_model.param"):
        assert prov["files"][name] == (simrun_dir / name).read_text()
    legacy = prov["extra"]["legacy_simrun"]
    assert legacy["unique_id"] == "20240" and legacy["pid"] == 20240 and legacy["legacy_seed"] is None
    assert legacy["runs"] == list(range(6))
    assert legacy["trials_with_synapse_files"] == [0, 1] and legacy["trials_with_presynaptic_files"] == [0, 1]
    source = json.loads(prov["experiment_json"])
    assert source["source"] == "legacy_simrun"
    assert set(source["parameter_files_md5"]) == {"20240_neuron_model.param", "20240_network_model.param"}
    # with the search roots the neuron parameter file becomes a typed cell
    assert source["cell"]["type"] == "Cell" and source["simulation"]["type"] == "Simulation"


@pytest.mark.shared
def test_import_is_deterministic_and_never_overwrites(imported: Path, simrun_dir: Path, search_roots: list[Path],
                                                      tmp_path: Path) -> None:
    with pytest.raises(FileExistsError, match="overwrite"):
        import_legacy_simrun(simrun_dir, imported, search_roots)
    again = import_legacy_simrun(simrun_dir, tmp_path / "again.h5")  # no search roots: cell not resolved
    with RunStore.open(imported) as a, RunStore.open(again) as b:
        for key in ("spike_times", "synapse_activations", "presynaptic_spikes", "voltage_traces"):
            pd.testing.assert_frame_equal(a[key], b[key], check_exact=True)
        assert "cell_error" in json.loads(b.experiment_json)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.h5"]


def _synthetic_folder(root: Path, unique_id: str, runs: list[int], digits: int) -> Path:
    folder = root / f"20250101-1553_{unique_id}"
    folder.mkdir()
    t = np.round(np.arange(400) * 0.025, 3)
    values = np.full((len(runs), t.shape[0]), -70.0)
    values[:, 100:110] = 30.0
    values[-1, 300:305] = 10.0
    write_trace_file(folder / f"{unique_id}_vm_all_traces.csv", t, values, runs)
    write_trace_file(folder / f"{unique_id}_site_ID_000_sec_001_seg_000_x_0.500_somaDist_10.0_vm_dend_traces.csv",
                     t, values - 1.0, runs)
    acts = {"population": np.array(["SymLocal1_Alpha", "L5tt_C2"], dtype=object), "synapse_id": np.array([3, 1]),
            "soma_distance_um": np.array([10.5, 200.25]), "section_id": np.array([1, 7]),
            "section_pt_id": np.array([0, 4]), "label": np.array(["Dendrite", "ApicalDendrite"], dtype=object),
            "time_ms": np.array([1.0, 2.0])}
    write_synapse_activation_file(folder / f"simulation_run{runs[-1]:0{digits}d}_synapses.csv", acts)
    write_presynaptic_spike_file(folder / f"simulation_run{runs[-1]:0{digits}d}_presynaptic_cells.csv", {
        "population": np.array(["L5tt_C2"], dtype=object), "cell_id": np.array([0]), "time_ms": np.array([2.0])})
    (folder / f"{unique_id}_neuron_model.param").write_text("{'info': {}}\n")
    return folder


def test_synthetic_head_style_folder(tmp_path: Path) -> None:
    folder = _synthetic_folder(tmp_path, "seed123_pid456", [0, 1, 2], 7)
    store_path = import_legacy_simrun(folder, tmp_path / "s.h5")
    with RunStore.open(store_path) as store:
        assert np.array_equal(store["spike_times"].to_numpy(), [[2.5, np.nan], [2.5, np.nan], [2.5, 7.5]],
                              equal_nan=True)
        acts = store["synapse_activations"]
        assert acts.index.tolist() == [2, 2]
        assert acts["population"].tolist() == ["L5tt_C2", "SymLocal1_Alpha"]
        assert store.trace_keys() == ["soma", "site_ID_000_sec_001_seg_000_x_0.500_somaDist_10.0"]
        assert store["trials"]["has_input"].tolist() == [False, False, True]
        legacy = store.provenance["extra"]["legacy_simrun"]
        assert legacy["legacy_seed"] == 123 and legacy["pid"] == 456
        assert list(store.provenance["files"]) == ["seed123_pid456_neuron_model.param"]


@pytest.mark.parametrize("problem", ["no_traces", "two_traces", "foreign_dend", "dend_runs", "extra_run", "bad_row"])
def test_inconsistent_folders_are_refused(tmp_path: Path, problem: str) -> None:
    folder = _synthetic_folder(tmp_path, "99", [0, 1], 4)
    soma = folder / "99_vm_all_traces.csv"
    if problem == "no_traces":
        soma.unlink()
        match = "expected one"
    elif problem == "two_traces":
        shutil.copy(soma, folder / "98_vm_all_traces.csv")
        match = "expected one"
    elif problem == "foreign_dend":
        shutil.copy(soma, folder / "12_x_vm_dend_traces.csv")
        match = "unique ID"
    elif problem == "dend_runs":
        write_trace_file(folder / "99_y_vm_dend_traces.csv", [0.0], [[1.0]], [0])
        match = "differ from the soma"
    elif problem == "extra_run":
        shutil.copy(folder / "simulation_run0001_synapses.csv", folder / "simulation_run0005_synapses.csv")
        match = "run 5 has no traces"
    else:
        with open(folder / "simulation_run0001_synapses.csv", "a") as handle:
            handle.write("L5tt_C2\t1\tfar\t7\t4\tApicalDendrite\t3.0,\n")
        match = r"simulation_run0001_synapses.csv:4: soma distance"
    with pytest.raises(LegacyFormatError, match=match):
        import_legacy_simrun(folder, tmp_path / "s.h5")
    assert not (tmp_path / "s.h5").exists()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary store left behind
