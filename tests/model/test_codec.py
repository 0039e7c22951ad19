"""The value ⇄ plain-data codec: envelope, type checks and validation errors."""

from __future__ import annotations

import pytest

import isf
from isf.model.codec import FORMAT_VERSION, envelope, from_data, open_envelope, to_data


def test_data_is_an_envelope_that_round_trips() -> None:
    sim = isf.Simulation(100)
    data = to_data(sim)
    assert data["isf_format"] == FORMAT_VERSION and data["type"] == "Simulation"
    assert open_envelope(data) == ("Simulation", data["value"])
    assert envelope("Simulation", data["value"]) == data
    assert from_data(data) == sim and from_data(data, isf.Simulation) == sim


def test_invalid_data_names_the_problem() -> None:
    data = to_data(isf.Simulation(100))
    data["value"]["dt_ms"] = -1
    with pytest.raises(isf.ModelValueError, match="dt_ms"):
        from_data(data)
    with pytest.raises(ValueError, match="unknown model type"):
        from_data({"isf_format": 1, "type": "Nope", "value": {}})
    with pytest.raises(ValueError, match="unsupported isf_format 2"):
        from_data({"isf_format": 2, "type": "Simulation", "value": {}})
    with pytest.raises(ValueError, match="not an isf model file"):
        from_data([1, 2])
    with pytest.raises(TypeError, match="holds a Simulation"):
        from_data(to_data(isf.Simulation(100)), isf.Cell)
    with pytest.raises(TypeError, match="cannot serialise dict"):
        to_data({})
