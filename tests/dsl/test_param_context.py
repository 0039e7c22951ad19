"""The one checking context of the legacy cell and network parameter readers."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from isf.dsl.param_format import ParamContext, is_finite_number
from isf.errors import IsfError, LegacyFormatError


@pytest.mark.parametrize("value", [0, -3, 2.5, 1e300, -0.0])
def test_finite_numbers_are_accepted(value: Any) -> None:
    assert ParamContext("f.param").number(value, "sim.dt") == float(value)
    assert is_finite_number(value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400, True, "1.0", None, [1.0]])
def test_other_values_are_refused_naming_file_path_value_and_rule(value: Any) -> None:
    assert not is_finite_number(value)
    with pytest.raises(LegacyFormatError) as info:
        ParamContext("f.param").number(value, "neuron.Soma.properties.Ra")
    exc = info.value
    assert isinstance(exc, IsfError) and isinstance(exc, ValueError)
    assert exc.filename == "f.param" and exc.line is None
    assert exc.reason == (f"neuron.Soma.properties.Ra: expected a number, found {value!r}: "
                          "allowed is a finite number (int or float, not inf or nan)")
    assert str(exc).startswith("f.param: neuron.Soma.properties.Ra: ")
    assert exc.path == "neuron.Soma.properties.Ra" and exc.field == "Ra"
    assert exc.value is value
    assert exc.allowed == "a finite number (int or float, not inf or nan)"


def test_error_survives_pickling() -> None:
    with pytest.raises(LegacyFormatError) as info:
        ParamContext("f.param").count(-1, "network.L5tt_C2.cellNr")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    assert (again.path, again.field, again.value, again.allowed) == ("network.L5tt_C2.cellNr", "cellNr", -1,
                                                                      "an integer >= 0")


def test_structure_checks() -> None:
    ctx = ParamContext("f.param")
    assert ctx.mapping({"a": 1}, "x") == {"a": 1}
    assert ctx.section_ids([1, 2.0], "x") == (1, 2)
    assert ctx.file_name("a.syn", "x") == "a.syn"
    assert ctx.required({"a": 1}, "a", "x") == 1
    with pytest.raises(LegacyFormatError, match=r"x: missing key 'b' \(why\)"):
        ctx.required({"a": 1}, "b", "x", " (why)")
    with pytest.raises(LegacyFormatError, match="x: expected a dict, found list"):
        ctx.mapping([1], "x")
    with pytest.raises(LegacyFormatError, match="integers >= 0"):
        ctx.section_ids([float("inf")], "x")
    with pytest.raises(LegacyFormatError, match="expected a file name"):
        ctx.file_name("", "x")
    with pytest.warns(UserWarning, match=r"f.param: x: keys 'a', 'b' ignored"):
        ctx.warn_ignored("x", ["a", "b"])
