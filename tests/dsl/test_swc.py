"""Tests of the SWC reader/writer."""

from __future__ import annotations

import collections
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from isf.dsl.swc import format_swc, parse_swc, read_swc
from isf.errors import LegacyFormatError
from isf.model.morphology import Morphology, Section


def _tree_signature(m: Morphology) -> list[tuple]:
    """Label, point count and rounded length of every section, in a canonical (sorted) order."""
    return sorted((s.label, s.n_points, round(s.length, 6)) for s in m.sections)


# ----------------------------------------------------------------------------- real data


@pytest.mark.shared
def test_round_trip_morphology_86(morph86: Morphology) -> None:
    back = parse_swc(format_swc(morph86))
    assert len(back.sections) == len(morph86.sections) == 167
    total, total_back = float(np.sum(morph86.lengths)), float(np.sum(back.lengths))
    assert total == pytest.approx(15290.386, abs=1e-3)
    assert total_back == pytest.approx(total, rel=1e-6)
    assert collections.Counter(back.labels) == collections.Counter(morph86.labels) == {"soma": 1, "dend": 87, "apic": 79}
    # every section comes back with the same points (the SWC writer keeps hoc section boundaries,
    # because every one of them is a branch point or a label change)
    assert _tree_signature(back) == _tree_signature(morph86)
    soma = back.sections[back.soma_id]
    np.testing.assert_array_equal(soma.points, morph86.sections[0].points)
    np.testing.assert_allclose(soma.diameters, morph86.sections[0].diameters, rtol=1e-15)
    # children of the soma hang at its middle, all others at their parent's 1-end
    assert all(s.parent_x == (0.5 if s.parent == back.soma_id else 1.0) for s in back.sections if s.parent is not None)
    # writing what was read gives the same text again
    assert format_swc(back) == format_swc(parse_swc(format_swc(back)))


@pytest.mark.shared
def test_shared_swc_file_has_two_roots(morphology_dir: Path) -> None:
    with pytest.raises(LegacyFormatError) as info:
        read_swc(morphology_dir / "86_C2_center.swc")
    err = info.value
    assert err.filename == str(morphology_dir / "86_C2_center.swc")
    assert "root" in err.reason
    assert "2 roots" in err.reason
    assert "11359" in err.reason


def test_read_swc_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_swc(tmp_path / "none.swc")


# ----------------------------------------------------------------------------- hand-made trees

BRANCHING = """# a soma of 3 points, a dendrite that branches once, an apical with a type change
1 1 0 0 0 5 -1
2 1 0 5 0 5 1
3 1 0 10 0 5 2
4 3 0 -5 0 1 1
5 3 0 -10 0 1 4
6 3 5 -15 0 0.5 5
7 3 10 -20 0 0.5 6
8 3 -5 -15 0 0.5 5
9 4 0 15 0 2 3
10 4 0 25 0 1.5 9
11 3 3 25 0 1 10
"""


def test_branching_tree() -> None:
    m = parse_swc(BRANCHING, "tree.swc")
    assert m.source == "tree.swc"
    assert [s.label for s in m.sections] == ["soma", "dend", "dend", "dend", "apic", "dend"]
    assert [s.parent for s in m.sections] == [None, 0, 1, 1, 0, 4]
    assert [s.parent_x for s in m.sections] == [0.0, 0.5, 1.0, 1.0, 0.5, 1.0]
    soma, trunk, b1, b2, apic, tip = m.sections
    np.testing.assert_array_equal(soma.points, [[0, 0, 0], [0, 5, 0], [0, 10, 0]])
    np.testing.assert_array_equal(soma.diameters, [10, 10, 10])
    # a soma child does not start on the soma; other sections start with the parent's last point
    np.testing.assert_array_equal(trunk.points, [[0, -5, 0], [0, -10, 0]])
    np.testing.assert_array_equal(b1.points, [[0, -10, 0], [5, -15, 0], [10, -20, 0]])
    np.testing.assert_array_equal(b1.diameters, [2, 1, 1])
    np.testing.assert_array_equal(b2.points, [[0, -10, 0], [-5, -15, 0]])
    np.testing.assert_array_equal(apic.points, [[0, 15, 0], [0, 25, 0]])
    np.testing.assert_array_equal(apic.diameters, [4, 3])
    np.testing.assert_array_equal(tip.points, [[0, 25, 0], [3, 25, 0]])
    assert [s.name for s in m.sections] == ["soma", "dend_0", "dend_1", "dend_2", "apic_0", "dend_3"]
    assert tip.length == pytest.approx(3.0)
    assert b1.length == pytest.approx(2 * np.sqrt(50))


def test_branching_round_trip() -> None:
    m = parse_swc(BRANCHING)
    text = format_swc(m)
    assert parse_swc(text) == m
    rows = [line.split() for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) == 11
    assert [r[1] for r in rows] == ["1", "1", "1", "3", "3", "3", "3", "3", "4", "4", "3"]


def test_one_point_soma_is_a_cylinder() -> None:
    m = parse_swc("1 1 1 2 3 4 -1\n2 3 1 -10 3 1 1\n3 3 1 -20 3 1 2\n")
    soma = m.sections[0]
    np.testing.assert_array_equal(soma.points, [[1, -2, 3], [1, 2, 3], [1, 6, 3]])
    np.testing.assert_array_equal(soma.diameters, [8, 8, 8])
    assert soma.length == pytest.approx(8.0)
    assert len(m) == 2 and m.sections[1].n_points == 2
    np.testing.assert_array_equal(m.soma_center, [1, 2, 3])


def test_unsorted_ids_and_comments() -> None:
    text = "# header\n\n10 1 0 0 0 1 -1  # root\n30 3 0 -2 0 1 20\n20 3 0 -1 0 1 10\n"
    m = parse_swc(text)
    assert len(m) == 2
    np.testing.assert_array_equal(m.sections[1].points, [[0, -1, 0], [0, -2, 0]])


def test_hand_made_round_trip_from_sections() -> None:
    def sec(name: str, label: str, parent: int | None, pts: list[list[float]], d: list[float]) -> Section:
        x = 0.0 if parent is None else (0.5 if parent == 0 else 1.0)
        return Section(name, label, parent, x, np.array(pts, float), np.array(d, float))

    m = Morphology((
        sec("soma", "soma", None, [[0, 0, 0], [0, 1.5, 0]], [3.25, 3.25]),
        sec("axon_0", "axon", 0, [[0, -1, 0], [0, -30, 0.125]], [1, 0.5]),
        sec("dend_0", "dend", 0, [[1, 0, 0], [10, 0, 0]], [1, 1]),
        sec("apic_0", "apic", 0, [[0, 2, 0], [0, 50, 0]], [2, 2]),
        sec("apic_1", "apic", 3, [[0, 50, 0], [10, 60, 0]], [2, 1]),
        sec("apic_2", "apic", 3, [[0, 50, 0], [-10, 60, 0], [-12, 70, 1 / 3]], [2, 1, 0.2]),
    ))
    back = parse_swc(format_swc(m))
    assert back == m
    # SWC has one radius per point: a child's first diameter is its parent's last one
    thin = Morphology(m.sections[:4] + (attrs.evolve(m.sections[4], diameters=np.array([1.0, 1.0])), m.sections[5]))
    back = parse_swc(format_swc(thin))
    np.testing.assert_array_equal(back.sections[4].diameters, [2.0, 1.0])
    # a section boundary that is neither a branch point nor a type change is not kept
    chain = Morphology(m.sections[:5])
    back = parse_swc(format_swc(chain))
    assert len(back) == 4
    np.testing.assert_array_equal(back.sections[3].points, [[0, 2, 0], [0, 50, 0], [10, 60, 0]])
    assert back.sections[3].length == pytest.approx(chain.sections[3].length + chain.sections[4].length)


def test_format_refuses_generated_axon_labels() -> None:
    m = parse_swc(BRANCHING)
    ais = Section("axon_0", "ais", 0, 0.5, np.array([[0, 0, 0], [0, 0, -20]]), np.array([3.0, 1.75]))
    with pytest.raises(ValueError, match="ais"):
        format_swc(m.with_sections((ais,)))


# ----------------------------------------------------------------------------- errors


def _error(text: str) -> LegacyFormatError:
    with pytest.raises(LegacyFormatError) as info:
        parse_swc(text, "bad.swc")
    assert info.value.filename == "bad.swc"
    return info.value


def test_error_column_count() -> None:
    err = _error("1 1 0 0 0 1 -1\n# fine\n2 3 0 1 0 1\n")
    assert err.line == 3
    assert "7 columns" in err.reason and "found 6" in err.reason
    assert str(err).startswith("bad.swc:3:")


def test_error_unknown_type() -> None:
    err = _error("1 1 0 0 0 1 -1\n2 7 0 1 0 1 1\n")
    assert err.line == 2
    assert "type 7" in err.reason


def test_error_unknown_parent() -> None:
    err = _error("1 1 0 0 0 1 -1\n2 3 0 1 0 1 1\n3 3 0 2 0 1 9\n")
    assert err.line == 3
    assert "unknown parent 9" in err.reason


def test_error_non_numeric() -> None:
    assert _error("1 1 0 zero 0 1 -1\n").line == 1
    assert _error("1 inf 0 0 0 1 -1\n").line == 1


def test_error_non_finite() -> None:
    assert _error("1 1 0 0 0 1 -1\n2 3 nan 0 0 1 1\n").line == 2
    assert _error("1 1 0 0 0 inf -1\n").line == 1


def test_error_duplicate_id_and_negative_radius() -> None:
    assert _error("1 1 0 0 0 1 -1\n1 3 0 1 0 1 1\n").line == 2
    assert _error("1 1 0 0 0 1 -1\n2 3 0 1 0 -1 1\n").line == 2


def test_error_no_soma_and_no_points() -> None:
    assert "soma" in _error("1 3 0 0 0 1 -1\n").reason
    assert "no points" in _error("# empty\n").reason


def test_error_root_not_soma() -> None:
    err = _error("1 3 0 0 0 1 -1\n2 1 0 1 0 1 1\n")
    assert "root" in err.reason


def test_error_cycle() -> None:
    err = _error("1 1 0 0 0 1 -1\n2 3 0 1 0 1 3\n3 3 0 2 0 1 2\n")
    assert err.line == 2
    assert "cycle" in err.reason


def test_error_soma_point_below_dendrite() -> None:
    err = _error("1 1 0 0 0 1 -1\n2 3 0 1 0 1 1\n3 1 0 2 0 1 2\n")
    assert err.line == 3


# ----------------------------------------------------------------------------- robustness

_ROW = st.tuples(
    st.integers(-2, 12),
    st.sampled_from(["1", "2", "3", "4", "5", "7", "1.0", "inf", "nan", "x"]),
    st.sampled_from(["0", "1.5", "-3", "nan", "inf", "1e400", "a"]),
    st.sampled_from(["0", "2", "-1e3"]),
    st.sampled_from(["0", "4"]),
    st.sampled_from(["1", "0.5", "0", "-1", "inf"]),
    st.integers(-2, 12),
).map(lambda r: " ".join(str(v) for v in r))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(["1 1 0 0 0 1 -1", "2 3 0 1 0 1 1", "3 3 0 2 0 1 2", "4 4 1 2 0 1 1"])
@given(st.lists(st.one_of(_ROW, st.text(max_size=40)), max_size=14))
def test_random_text_raises_only_legacy_format_error(lines: list[str]) -> None:
    try:
        m = parse_swc("\n".join(lines))
    except LegacyFormatError:
        return
    assert isinstance(m, Morphology)
    again = parse_swc(format_swc(m))
    assert len(again) == len(m)
    assert float(np.sum(again.lengths)) == pytest.approx(float(np.sum(m.lengths)), rel=1e-9, abs=1e-9)
