"""Reading legacy simrun result folders run by run (LEGACY_FORMATS §7); keeping them in a store is
tested in ``tests/backends/test_legacy_import.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from isf.dsl.legacy_simrun import LegacySimrun, read_legacy_simrun
from isf.dsl.simrun_files import read_synapse_activation_file, read_trace_file
from isf.model.spikes import spike_times

FOLDER = Path("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240")


@pytest.mark.shared
def test_runs_are_the_files_of_the_folder(shared_data: Path) -> None:
    folder = shared_data / FOLDER
    simrun = read_legacy_simrun(folder)  # no search roots: the cell is not resolved
    assert isinstance(simrun, LegacySimrun)
    assert simrun.unique_id == "20240" and simrun.n_trials == 6
    assert "cell_error" in simrun.source and simrun.source["source"] == "legacy_simrun"
    assert sorted(simrun.parameter_files) == ["20240_network_model.param", "20240_neuron_model.param"]
    soma = read_trace_file(folder / "20240_vm_all_traces.csv")
    runs = list(simrun.runs())
    assert [r.trial for r in runs] == list(range(6))
    for column, run in enumerate(runs):
        assert np.array_equal(run.traces["soma"], soma.values[column]) and np.array_equal(run.t_ms, soma.t_ms)
        assert len(run.traces) == 3 and run.traces_t_ms == {}  # soma and two dendritic sites, one time vector
        assert np.array_equal(run.spike_times_ms, spike_times(soma.t_ms, soma.values[column], 0.0))
        assert (run.synapse_activations is not None) == (run.trial < 2)
        assert (run.presynaptic_spikes is not None) == (run.trial < 2)
    csv = read_synapse_activation_file(folder / "simulation_run0001_synapses.csv")
    assert runs[1].synapse_activations is not None
    for column, values in csv.items():
        assert np.array_equal(runs[1].synapse_activations[column], values), column


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no legacy simrun folder"):
        read_legacy_simrun(tmp_path / "nothing")
