"""The legacy ``synaptic_input`` cell modifier runs (LEGACY_FORMATS §3.8, §4.10): a copy of
86_C2_center.param whose ``cell_modify_functions`` add ``synaptic_input`` with the network parameter
file and the saved activations of legacy trial 0 (../shared) reproduces that trial's soma trace —
the spike at 259.85 ms to one time step, the subthreshold voltage to 0.01 mV (as the replay of the
same trial, tests/backends/test_replay.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from isf.backends.synaptic_input import run_synaptic_input, synaptic_input_experiment
from isf.dsl.cell_param import read_cell_param
from isf.dsl.simrun_files import read_trace_file
from isf.errors import ArgumentValueError, MissingFileError
from isf.model.spikes import spike_times

LEGACY = Path("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240")
DT = 0.025


def _with_synaptic_input(shared_data: Path, folder: Path, activations: str, t_stop: float = 300.0) -> Path:
    text = (shared_data / "cell_params" / "86_C2_center.param").read_text()
    call = ('{"scale_apical_morph_86": {}, "synaptic_input": {"network_param": "20240_network_model.param", '
            f'"synapse_activation_file": "{activations}", "tStop": 345.0}}}}')
    text = text.replace('"cell_modify_functions": {"scale_apical_morph_86": {}}', f'"cell_modify_functions": {call}')
    text = text.replace('"tStop": 250.0', f'"tStop": {t_stop}')
    path = folder / "86_C2_synaptic_input.param"
    path.write_text(text)
    return path


@pytest.mark.shared
def test_synaptic_input_reproduces_the_legacy_trial(shared_data: Path, search_roots: list[Path],
                                                    tmp_path: Path) -> None:
    legacy = shared_data / LEGACY
    path = _with_synaptic_input(shared_data, tmp_path, str(legacy / "simulation_run0000_synapses.csv"))
    (tmp_path / "20240_network_model.param").write_text((legacy / "20240_network_model.param").read_text())
    result = run_synaptic_input(path, search_roots=search_roots)
    reference = read_trace_file(legacy / "20240_vm_all_traces.csv")
    t, v = reference.t_ms, reference.values[reference.runs.index(0)]
    keep = (t >= 100.0) & (t <= 300.0)
    t, v = t[keep], v[keep]
    index = np.searchsorted(result.t_ms, t - 1e-9)
    assert np.allclose(result.t_ms[index], t, atol=1e-9, rtol=0)
    replayed = result["soma"][index]
    legacy_spikes, spikes = spike_times(t, v, 0.0), spike_times(t, replayed, 0.0)
    assert legacy_spikes.tolist() == [259.85] and spikes.shape == (1,)
    assert abs(spikes[0] - legacy_spikes[0]) <= DT + 1e-9
    quiet = ~((t >= 258.0) & (t <= 270.0))
    assert np.sqrt(np.mean((replayed[quiet] - v[quiet]) ** 2)) < 0.01  # mV


@pytest.mark.shared
def test_synaptic_input_errors(shared_data: Path, search_roots: list[Path], tmp_path: Path) -> None:
    params = read_cell_param(shared_data / "cell_params" / "86_C2_center.param", search_roots)
    with pytest.raises(ArgumentValueError, match="no synaptic_input"):
        synaptic_input_experiment(params)
    path = _with_synaptic_input(shared_data, tmp_path, "missing_synapses.csv")
    with pytest.raises(MissingFileError, match="synaptic_input network parameter file"):
        run_synaptic_input(path, search_roots=search_roots)
