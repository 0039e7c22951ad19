"""Bring your own cell and mechanisms: a user's .mod folder and hoc template from a temporary folder
work end to end; a broken .mod, an unknown template and a misspelt parameter give one clear error."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("neuron")

from isf.backends.neuron.mechanisms import MechanismCompilationError
from isf.errors import ModelValueError, UnknownNameError
from isf.model.site import SectionSite, Soma
from isf.synapse_tuner import ConnectionSettings, GeneralSettings, HocTemplateCell, SynapseTuner, TrainSettings

# a single-exponential synapse, written for this test (weight in uS, current in nA)
USER_MOD = """
NEURON {
    POINT_PROCESS isf_test_expsyn
    RANGE tau, e, i, g
    NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { tau = 3 (ms) e = 0 (mV) }
ASSIGNED { v (mV) i (nA) }
STATE { g (uS) }
INITIAL { g = 0 }
BREAKPOINT {
    SOLVE decay METHOD cnexp
    i = g * (v - e)
}
DERIVATIVE decay { g' = -g / tau }
NET_RECEIVE(weight (uS)) { g = g + weight }
"""

TEMPLATE = """
begintemplate TinyCell
public soma, dend, all
create soma[1], dend[1]
objref all
proc init() {
    all = new SectionList()
    soma[0] { L = 15  diam = 15  all.append() }
    dend[0] { L = 100  diam = 1  nseg = 5  all.append() }
    connect dend[0](0), soma[0](1)
    forsec all { insert pas  g_pas = 1e-4  e_pas = -65  Ra = 100 }
}
endtemplate TinyCell
"""


@pytest.fixture(scope="module")
def user_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("user")
    (root / "mods").mkdir()
    (root / "mods" / "isf_test_expsyn.mod").write_text(USER_MOD)
    (root / "templates").mkdir()
    (root / "templates" / "tiny.hoc").write_text(TEMPLATE)
    return root / "mods", root / "templates"


def _connection(folders: tuple[Path, Path], **kwargs: object) -> ConnectionSettings:
    mods, templates = folders
    values: dict[str, object] = {
        "mechanism": "isf_test_expsyn",
        "weights_nS": 0.001,
        "parameters": {"tau": 4.0},
        "cell": HocTemplateCell("TinyCell", templates),
        "site": Soma(),
        "mechanisms_dir": mods,
        "hold_mV": -60.0,
        **kwargs,
    }
    return ConnectionSettings(**values)  # type: ignore[arg-type]


def test_user_mod_and_hoc_template_end_to_end(user_folders: tuple[Path, Path]) -> None:
    connection = _connection(user_folders, record=("g", "v"))
    general = GeneralSettings(tstart_ms=20.0, tdur_ms=60.0, dt_ms=0.01)
    with SynapseTuner(connection, general) as tuner:
        # the synapse type is read from the compiled mechanism: parameters and defaults
        assert tuner.synapse_type.parameters == {"tau", "e"}
        assert tuner.parameter("e") == 0.0 and tuner.parameter("tau") == 4.0
        event = tuner.single_event()
        trace = event.trace
        m = event.metrics
        # soma clamped at -60 mV (the connection's holding potential): i = g (v - e) peaks at 1 nS * -60 mV
        assert m.sign == -1 and m.amplitude == pytest.approx(-0.06, rel=0.01)
        assert m.decay_tau_ms == pytest.approx(4.0, rel=0.03)
        assert set(trace.recorded) == {"g", "v"}
        assert trace.recorded["g"].max() == pytest.approx(0.001, rel=5e-3)  # uS (sampled one step after the jump)
        assert np.abs(trace.recorded["v"] + 60.0).max() < 0.5  # the clamp holds the soma segment
        assert np.array_equal(trace.conductance_nS, trace.recorded["g"])  # 'g' is its conductance
        tuner.set_parameters(tau=8.0)
        assert tuner.single_event().metrics.decay_tau_ms == pytest.approx(8.0, rel=0.03)
        # no plasticity: every pulse of a slow train is the same
        train = tuner.train(TrainSettings(5.0, n_pulses=3, n_recovery=0))
        assert np.allclose(train.metrics.amplitudes, train.metrics.amplitudes[0], rtol=1e-3)
    # a dendritic site (sec_id 1 = dend[0] of the template's `all` list) escapes the somatic clamp:
    # its local potential depolarises during the event, unlike the clamped soma's
    with SynapseTuner(_connection(user_folders, site=SectionSite(1, 0.9), record=("v",)), general) as tuner:
        far = tuner.single_event().trace
    t = far.t_ms
    v_rest = far.recorded["v"][t < 19.0][-1]
    assert far.recorded["v"][t > 20.0].max() - v_rest > 1.0


def test_clear_errors_for_typos_unknown_templates_and_sites(user_folders: tuple[Path, Path]) -> None:
    general = GeneralSettings(tstart_ms=10.0, tdur_ms=10.0)
    with pytest.raises(ModelValueError) as info:
        SynapseTuner(_connection(user_folders, parameters={"tua": 4.0}), general)
    assert info.value.field == "parameters" and "e, tau" in str(info.value) and "tua" in str(info.value)
    with pytest.raises(UnknownNameError, match="TinyCell"):  # lists the templates the folder defines
        SynapseTuner(_connection(user_folders, cell=HocTemplateCell("TinyCel", user_folders[1])), general)
    with pytest.raises(UnknownNameError, match="isf_test_expsyn"):  # lists the synapses NEURON knows
        SynapseTuner(_connection(user_folders, mechanism="isf_test_expsin"), general)
    with pytest.raises(UnknownNameError, match="cannot record 'gg'"):
        SynapseTuner(_connection(user_folders, record=("gg",)), general)
    with pytest.raises(ModelValueError, match="current_name"):
        SynapseTuner(_connection(user_folders, current_name="ina"), general)
    with pytest.raises(RuntimeError, match="sec_id = 7"):
        SynapseTuner(_connection(user_folders, site=SectionSite(7, 0.5)), general)
    # every failed open released the tuner slot: a good connection opens
    with SynapseTuner(_connection(user_folders), general) as tuner:
        assert math.isfinite(tuner.single_event().metrics.amplitude)


def test_a_broken_user_mod_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISF_CACHE_DIR", str(tmp_path / "cache"))
    mods = tmp_path / "mods"
    mods.mkdir()
    lines = USER_MOD.replace("isf_test_expsyn", "isf_test_broken").splitlines()
    k = next(i for i, ln in enumerate(lines) if "i = g * (v - e)" in ln)
    lines[k] = "    i = g * (v - e) +"
    (mods / "broken.mod").write_text("\n".join(lines) + "\n")
    connection = ConnectionSettings("isf_test_broken", mechanisms_dir=mods)
    with pytest.raises(MechanismCompilationError) as info:
        SynapseTuner(connection, GeneralSettings())
    (name, line, _), = info.value.locations
    assert name == "broken.mod" and k + 1 <= line <= k + 3
    assert f"{mods / 'broken.mod'}:{line}" in str(info.value)
