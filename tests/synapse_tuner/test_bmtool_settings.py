"""bmtool's general_settings / conn_type_settings dicts and files read into typed settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from isf.data import synapse_tuner_example
from isf.errors import FileFormatError, ModelValueError
from isf.model.site import SectionSite, Soma
from isf.synapse_tuner import HocTemplateCell, TunerSettings, read_tuner_settings

GENERAL: dict[str, Any] = {
    "vclamp": True,
    "rise_interval": (0.2, 0.8),
    "tstart": 300.0,
    "tdur": 500.0,
    "threshold": -15.0,
    "delay": 1.3,
    "weight": 0.002,
    "dt": 0.025,
    "celsius": 20.0,
}
CONNECTIONS: dict[str, Any] = {
    "exc": {
        "spec_settings": {
            "post_cell": "BallAndStick",
            "vclamp_amp": -70.0,
            "sec_x": 0.5,
            "sec_id": 1,
            "level_of_detail": "stp_exp2syn",
        },
        "spec_syn_param": {"Use": 0.1, "Dep": 100.0, "Fac": 300.0},
    },
    "inh": {
        "spec_settings": {"post_cell": "BallAndStick", "vclamp_amp": -50.0, "level_of_detail": "stp_exp2syn"},
        "spec_syn_param": {"Use": 0.6, "Dep": 800.0, "e": -75.0},
    },
}


def test_dicts_become_typed_settings() -> None:
    folder = synapse_tuner_example()
    s = TunerSettings.from_bmtool(
        GENERAL,
        CONNECTIONS,
        mechanisms_dir=folder / "mechanisms",
        templates_dir=folder / "templates",
        current_name="i",
        other_vars_to_record=["u", "R"],
        slider_vars=["Use"],
    )
    g = s.general
    assert (g.vclamp, g.rise_interval, g.tstart_ms, g.tdur_ms, g.dt_ms, g.celsius_degC) == (
        True, (0.2, 0.8), 300.0, 500.0, 0.025, 20.0
    )
    assert list(s.connections) == ["exc", "inh"]
    exc, inh = s.connections["exc"], s.connections["inh"]
    assert exc.mechanism == "stp_exp2syn" and exc.parameters == {"Use": 0.1, "Dep": 100.0, "Fac": 300.0}
    assert exc.site == SectionSite(1, 0.5) and inh.site == Soma()
    assert exc.cell == HocTemplateCell("BallAndStick", folder / "templates")
    # per-connection holding potential; NetCon settings from general_settings
    assert (exc.hold_mV, inh.hold_mV) == (-70.0, -50.0)
    assert (exc.delay_ms, exc.threshold_mV, exc.weights_nS) == (1.3, -15.0, (0.002,))
    assert exc.record == ("u", "R") and exc.current_name == "i" and exc.mechanisms_dir == folder / "mechanisms"
    assert s.slider_names("inh") == ("Use",)
    assert TunerSettings.from_bmtool(GENERAL, CONNECTIONS).slider_names("inh") == ("Use", "Dep", "e")


@pytest.mark.parametrize(
    ("general", "connections", "key", "allowed"),
    [
        ({**GENERAL, "tstop": 1.0}, CONNECTIONS, "tstop", "tstart"),
        (GENERAL, {"exc": {**CONNECTIONS["exc"], "syn_params": {}}}, "syn_params", "spec_syn_param"),
        (
            GENERAL,
            {"exc": {"spec_settings": {**CONNECTIONS["exc"]["spec_settings"], "sec_idx": 0}}},
            "sec_idx",
            "sec_id",
        ),
    ],
)
def test_unknown_keys_name_the_key_and_the_allowed_ones(
    general: dict[str, Any], connections: dict[str, Any], key: str, allowed: str
) -> None:
    with pytest.raises(ModelValueError) as info:
        TunerSettings.from_bmtool(general, connections)
    assert info.value.field == key and allowed in str(info.value)


def test_wrong_values_are_refused_where_they_belong() -> None:
    with pytest.raises(ModelValueError, match="rise_interval"):
        TunerSettings.from_bmtool({"rise_interval": (0.9, 0.1)}, CONNECTIONS)
    no_mechanism = {"exc": {"spec_settings": {"post_cell": "BallAndStick"}}}
    with pytest.raises(ModelValueError, match="level_of_detail"):
        TunerSettings.from_bmtool(GENERAL, no_mechanism)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_settings_file_reads_with_relative_folders(tmp_path: Path, suffix: str) -> None:
    data = {
        "general_settings": {**GENERAL, "rise_interval": [0.2, 0.8]},
        "conn_type_settings": CONNECTIONS,
        "mechanisms_dir": "mods",
        "templates_dir": "templates",
        "other_vars_to_record": ["u"],
        "slider_vars": ["Use", "Dep"],
    }
    path = tmp_path / f"settings{suffix}"
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))
    s = read_tuner_settings(path)
    assert s == TunerSettings.from_bmtool(
        GENERAL,
        CONNECTIONS,
        mechanisms_dir=tmp_path / "mods",
        templates_dir=tmp_path / "templates",
        other_vars_to_record=["u"],
        slider_vars=["Use", "Dep"],
    )
    path.write_text(json.dumps({**data, "template_dir": "x"}))
    with pytest.raises(FileFormatError, match="'template_dir'.*templates_dir"):
        read_tuner_settings(path.with_suffix(".json") if suffix == ".json" else path)
