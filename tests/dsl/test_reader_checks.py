"""Morphology checks seen through the readers: a LegacyFormatError naming the file and the line of the
offending statement (issue 14 part 3)."""

from __future__ import annotations

import pytest

from isf.dsl.hoc import parse_hoc
from isf.dsl.swc import parse_swc
from isf.errors import LegacyFormatError

HOC = """{create soma}
{pt3dadd(0,0,0,10)}
{pt3dadd(0,10,0,10)}
{create dend_1}
{connect dend_1(0), soma(0.5)}
{pt3dadd(0,0,0,D0)}
{pt3dadd(0,Y1,0,D1)}
"""


def _hoc(y1: str = "10", d0: str = "1", d1: str = "1") -> str:
    return HOC.replace("Y1", y1).replace("D0", d0).replace("D1", d1)


@pytest.mark.parametrize("y1, d0, d1, line, reason", [
    ("nan", "1", "1", 7, "non-finite coordinate"),
    ("inf", "1", "1", 7, "non-finite coordinate"),
    ("10", "1", "nan", 7, "non-finite coordinate or diameter"),
    ("10", "-1", "1", 6, "negative diameter -1.0"),
    ("10", "0", "0", 4, "every diameter is 0"),
])
def test_hoc_bad_points(y1: str, d0: str, d1: str, line: int, reason: str) -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_hoc(_hoc(y1, d0, d1), "cell.hoc")
    assert info.value.filename == "cell.hoc" and info.value.line == line
    assert reason in info.value.reason


def test_hoc_zero_diameter_tip_reads() -> None:
    morphology = parse_hoc(_hoc(d1="0"), "cell.hoc")
    assert morphology.sections[1].diameters.tolist() == [1.0, 0.0]


def test_hoc_parent_that_is_not_a_section() -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_hoc(_hoc().replace("soma(0.5)", "somewhere(0.5)"), "cell.hoc")
    assert info.value.line == 5 and "'somewhere'" in info.value.reason


def test_hoc_duplicate_section() -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_hoc(_hoc() + "{create dend_1}\n", "cell.hoc")
    assert info.value.line == 8 and "created twice" in info.value.reason


def test_swc_all_zero_radius_section() -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_swc("1 1 0 0 0 5 -1\n2 3 0 10 0 0 1\n3 3 0 20 0 0 2\n", "t.swc")
    assert info.value.line == 2 and "every diameter is 0" in info.value.reason


def test_swc_cycle_and_unknown_parent() -> None:
    with pytest.raises(LegacyFormatError, match="cycle") as info:
        parse_swc("1 1 0 0 0 5 -1\n2 3 0 10 0 1 3\n3 3 0 20 0 1 2\n", "t.swc")
    assert info.value.line == 2
    with pytest.raises(LegacyFormatError, match="unknown parent 9") as info:
        parse_swc("1 1 0 0 0 5 -1\n2 3 0 10 0 1 9\n", "t.swc")
    assert info.value.line == 2


@pytest.mark.parametrize("row", ["1 1 nan 0 0 5 -1", "1 1 0 0 inf 5 -1"])
def test_swc_non_finite(row: str) -> None:
    with pytest.raises(LegacyFormatError, match="non-finite") as info:
        parse_swc(row + "\n", "t.swc")
    assert info.value.line == 1


def test_hoc_cycle_names_the_connect_line() -> None:
    text = _hoc() + ("{create dend_2}\n{connect dend_2(0), dend_3(1)}\n{pt3dadd(0,0,0,1)}\n"
                     "{create dend_3}\n{connect dend_3(0), dend_2(1)}\n{pt3dadd(0,0,0,1)}\n")
    with pytest.raises(LegacyFormatError) as info:
        parse_hoc(text, "cell.hoc")
    assert "cycle through section 2 (dend_2)" in info.value.reason
    assert info.value.line == 9
