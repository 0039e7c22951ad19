"""Tests of the ISF-style hoc reader/writer (LEGACY_FORMATS §1.1–1.3)."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from isf.dsl.hoc import format_hoc, parse_hoc, read_hoc
from isf.errors import LegacyFormatError
from isf.model.morphology import Morphology, Section

# ----------------------------------------------------------------------------- an independent scan

_CREATE = re.compile(r"create\s+([^\s{}]+)")
_PT = re.compile(r"pt3dadd\(([^)]*)\)")
_CONNECT = re.compile(r"connect\s+[^,]+,\s*([A-Za-z_]\w*)\(([^)]*)\)")


def _scan(path: Path) -> list[dict]:
    """Recognised create lines of a real file (these files use one statement per line, no quirks)."""
    out: list[dict] = []
    for line in path.read_text().splitlines():
        m = _CREATE.search(line)
        if m:
            name = m.group(1)
            if "soma" in name:
                label = "soma"
            elif "dend" in name or "BasalDendrite" in name:
                label = "dend"
            elif "apical" in name:
                label = "apic"
            elif "axon" in name:
                label = "axon"
            else:
                label = None
            out.append({"name": name, "label": label, "points": [], "connect": None})
            continue
        if not out:
            continue
        m = _PT.search(line)
        if m:
            out[-1]["points"].append([float(v) for v in m.group(1).split(",")])
            continue
        m = _CONNECT.search(line)
        if m:
            out[-1]["connect"] = (m.group(1), float(m.group(2)))
    return [s for s in out if s["label"] is not None]


HOC_FILES = ["86_C2_center.hoc", "86_C2_center_scaled_diameters.hoc", "85.hoc", "89_C2.hoc"]


# ----------------------------------------------------------------------------- real files


@pytest.mark.shared
def test_86_sections_labels_and_ids(morph86: Morphology, hoc86_path: Path) -> None:
    scanned = _scan(hoc86_path)
    assert len(scanned) == 167
    assert len(morph86.sections) == 167
    # section ID = order of recognised create lines
    assert [s.name for s in morph86.sections] == [s["name"] for s in scanned]
    assert [s.label for s in morph86.sections] == [s["label"] for s in scanned]
    labels = morph86.labels
    assert labels.count("soma") == 1 and labels.count("dend") == 87 and labels.count("apic") == 79
    assert morph86.soma_id == 0 and morph86.sections[0].name == "soma"
    assert morph86.sections[0].parent is None
    # in this file: soma, 5 dendrites, the 79 apical sections, then the other 82 dendrites
    assert morph86.ids_with_label("dend") == tuple(range(1, 6)) + tuple(range(85, 167))
    assert morph86.ids_with_label("apic") == tuple(range(6, 85))
    assert morph86.sections[1].name == "dend_1_0"
    assert morph86.sections[6].name == "apical_1_0"
    assert morph86.sections[38].label == "apic"


@pytest.mark.shared
def test_86_parent_x(morph86: Morphology, hoc86_path: Path) -> None:
    scanned = _scan(hoc86_path)
    names = [s["name"] for s in scanned]
    soma_children_in_file = []
    for sid, (section, raw) in enumerate(zip(morph86.sections, scanned)):
        if raw["connect"] is None:
            assert sid == 0
            continue
        parent_name, x = raw["connect"]
        assert section.parent == names.index(parent_name)
        if parent_name == "soma":
            soma_children_in_file.append(x)
            assert section.parent_x == 0.5
        else:
            assert section.parent_x == x
    assert len(soma_children_in_file) == 8
    # the file itself attaches the first dendrite at soma(0.187136): overridden
    assert 0.187136 in soma_children_in_file
    assert any(x != 0.5 for x in soma_children_in_file)


@pytest.mark.shared
@pytest.mark.parametrize("sid", [0, 1, 6, 38, 84, 85, 166])
def test_86_points_equal_pt3dadd(morph86: Morphology, hoc86_path: Path, sid: int) -> None:
    raw = np.array(_scan(hoc86_path)[sid]["points"])
    section = morph86.sections[sid]
    assert section.points.shape == (len(raw), 3)
    np.testing.assert_array_equal(section.points, raw[:, :3])
    np.testing.assert_array_equal(section.diameters, raw[:, 3])


@pytest.mark.shared
def test_86_first_soma_point(morph86: Morphology) -> None:
    soma = morph86.sections[0]
    np.testing.assert_array_equal(soma.points[0], [-122.693855, 394.814056, -379.372986])
    assert soma.diameters[0] == 5.084810
    assert soma.n_points == 44
    np.testing.assert_array_equal(morph86.sections[1].points[0], [-124.130653, 387.859070, -377.123993])
    assert morph86.sections[1].diameters[0] == 1.24


@pytest.mark.shared
@pytest.mark.parametrize("name", HOC_FILES)
def test_real_files_load(morphology_dir: Path, name: str) -> None:
    path = morphology_dir / name
    scanned = _scan(path)
    morph = read_hoc(path)
    assert len(morph.sections) == len(scanned)
    assert [s.name for s in morph.sections] == [s["name"] for s in scanned]
    assert [s.n_points for s in morph.sections] == [len(s["points"]) for s in scanned]
    assert morph.source == str(path)


@pytest.mark.shared
def test_section_counts_of_other_files(morphology_dir: Path) -> None:
    counts = {}
    for name in HOC_FILES:
        m = read_hoc(morphology_dir / name)
        counts[name] = (len(m), m.labels.count("soma"), m.labels.count("dend"), m.labels.count("apic"))
    assert counts == {
        "86_C2_center.hoc": (167, 1, 87, 79),
        "86_C2_center_scaled_diameters.hoc": (167, 1, 87, 79),
        "85.hoc": (148, 1, 70, 77),
        "89_C2.hoc": (126, 1, 51, 74),
    }


@pytest.mark.shared
def test_scaled_diameters_file(morph86: Morphology, morphology_dir: Path) -> None:
    """The scaled file is cell 86 shifted in x/y, with sections 6..38 (the first 33 apicals) ×2.5."""
    scaled = read_hoc(morphology_dir / "86_C2_center_scaled_diameters.hoc")
    assert [s.parent for s in scaled.sections] == [s.parent for s in morph86.sections]
    assert [s.parent_x for s in scaled.sections] == [s.parent_x for s in morph86.sections]
    shift = np.concatenate([b.points - a.points for a, b in zip(morph86.sections, scaled.sections)])
    np.testing.assert_allclose(shift, np.tile([-3.99345, 3.057953, 0.0], (len(shift), 1)), atol=5e-5)
    np.testing.assert_allclose(scaled.lengths, morph86.lengths, rtol=1e-5)
    changed = [i for i, (a, b) in enumerate(zip(scaled.sections, morph86.sections))
               if not np.array_equal(a.diameters, b.diameters)]
    assert changed == list(range(6, 39))
    for i in changed:
        np.testing.assert_allclose(scaled.sections[i].diameters, 2.5 * morph86.sections[i].diameters, rtol=1e-5)


@pytest.mark.shared
def test_basal_dendrite_alias_in_89(morphology_dir: Path) -> None:
    m = read_hoc(morphology_dir / "89_C2.hoc")
    assert m.sections[1].name == "BasalDendrite_1_0"
    assert m.sections[1].label == "dend"


@pytest.mark.shared
def test_round_trip_real(morph86: Morphology) -> None:
    again = parse_hoc(format_hoc(morph86))
    assert again == morph86
    assert again is not morph86


# ----------------------------------------------------------------------------- quirks

SOMA = """{create soma}
{access soma}
{nseg = 1}
{pt3dclear()}
{pt3dadd(0, 0, 0, 10)}
{pt3dadd(0, 10, 0, 10)}
"""


def test_minimal_file() -> None:
    m = parse_hoc(SOMA + "{create dend_1}\n{connect dend_1(0), soma(0.3)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0,1)}\n")
    assert len(m) == 2
    assert m.sections[1].parent == 0 and m.sections[1].parent_x == 0.5
    np.testing.assert_array_equal(m.sections[1].points, [[0, 10, 0], [0, 20, 0]])
    np.testing.assert_array_equal(m.sections[1].diameters, [2, 1])
    assert m.sections[0].length == pytest.approx(10.0)


def test_single_line_comments_skipped() -> None:
    text = (
        "/* create apical_fake */\n"
        + SOMA.replace("{pt3dadd(0, 10, 0, 10)}", "/* {pt3dadd(5, 5, 5, 5)} */\n{pt3dadd(0, 10, 0, 10)}")
        + "{create dend_1}\n/* {connect dend_1(0), apical_fake(1)} */\n{connect dend_1(0), soma(1)}\n"
        "{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0,1)}\n"
    )
    m = parse_hoc(text)
    assert [s.name for s in m.sections] == ["soma", "dend_1"]
    assert m.sections[0].n_points == 2
    np.testing.assert_array_equal(m.sections[0].points, [[0, 0, 0], [0, 10, 0]])
    assert m.sections[1].parent == 0


def test_multi_line_comments_are_not_comments() -> None:
    # only single-line /* */ is recognised; a create inside a multi-line comment still counts
    text = SOMA + "/*\n{create apical_ghost}\n*/\n"
    with pytest.raises(LegacyFormatError, match="apical_ghost"):
        parse_hoc(text)


def test_spine_lines_skipped_inside_point_list() -> None:
    text = SOMA.replace(
        "{pt3dadd(0, 10, 0, 10)}", "{Spine_head pt3dadd(9, 9, 9, 9)}\n{pt3dadd(0, 10, 0, 10)}\nSpine\n{pt3dadd(0, 20, 0, 10)}"
    )
    m = parse_hoc(text)
    np.testing.assert_array_equal(m.sections[0].points, [[0, 0, 0], [0, 10, 0], [0, 20, 0]])


def test_first_non_point_line_closes_section() -> None:
    text = SOMA + "{access soma}\n{pt3dadd(0, 30, 0, 10)}\n"
    m = parse_hoc(text)
    assert m.sections[0].n_points == 2


def test_unrecognised_sections_ignored_with_their_points() -> None:
    text = (
        SOMA
        + "{create circle_C2}\n{access circle_C2}\n{pt3dclear()}\n{pt3dadd(100, 100, 100, 1)}\n{pt3dadd(200, 100, 100, 1)}\n"
        + "{create ApicalDendrite_1}\n{pt3dadd(300, 100, 100, 1)}\n"
        + "{create apical_1}\n{connect apical_1(0), soma(1)}\n{access apical_1}\n{pt3dclear()}\n"
        + "{pt3dadd(0,10,0,2)}\n{pt3dadd(0,50,0,1)}\n"
    )
    m = parse_hoc(text)
    assert [s.name for s in m.sections] == ["soma", "apical_1"]
    assert m.labels == ("soma", "apic")
    assert all(not np.any(s.points == 100.0) and not np.any(s.points == 300.0) for s in m.sections)
    np.testing.assert_array_equal(m.sections[0].points, [[0, 0, 0], [0, 10, 0]])


def test_basal_dendrite_is_dend_and_capitals_are_not_soma() -> None:
    text = (
        "{create Soma_big}\n{pt3dadd(9,9,9,9)}\n"
        + SOMA
        + "{create BasalDendrite_1_0}\n{connect BasalDendrite_1_0(0), soma(0.5)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,-20,0,1)}\n"
    )
    m = parse_hoc(text)
    assert [s.name for s in m.sections] == ["soma", "BasalDendrite_1_0"]
    assert m.labels == ("soma", "dend")


def test_axon_in_hoc_is_axon_and_keeps_id() -> None:
    text = (
        SOMA
        + "{create axon_0}\n{connect axon_0(0), soma(0)}\n{pt3dadd(0,0,0,1)}\n{pt3dadd(0,-30,0,1)}\n"
        + "{create dend_1}\n{connect dend_1(0), soma(1)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0,1)}\n"
    )
    m = parse_hoc(text)
    assert m.labels == ("soma", "axon", "dend")
    assert m.sections[1].parent_x == 0.5


def test_connect_parent_x_kept_for_non_soma_parent() -> None:
    text = (
        SOMA
        + "{create dend_1}\n{connect dend_1(0), soma(1)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0,1)}\n"
        + "{create dend_2}\n{connect dend_2(1), dend_1(0.25)}\n{pt3dadd(0,12.5,0,2)}\n{pt3dadd(5,12.5,0,1)}\n"
    )
    m = parse_hoc(text)
    assert m.sections[2].parent == 1 and m.sections[2].parent_x == 0.25


def test_soma_not_first() -> None:
    text = (
        "{create dend_1}\n{connect dend_1(0), soma(1)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0,1)}\n" + SOMA
    )
    m = parse_hoc(text)
    assert m.soma_id == 1
    assert m.sections[0].parent == 1 and m.sections[0].parent_x == 0.5


# ----------------------------------------------------------------------------- errors


def _error(text: str) -> LegacyFormatError:
    with pytest.raises(LegacyFormatError) as info:
        parse_hoc(text, filename="cell.hoc")
    return info.value


def test_error_ambiguous_create() -> None:
    err = _error(SOMA + "\n{create apical_dend}\n{connect apical_dend(0), soma(1)}\n{pt3dadd(0,1,0,1)}\n")
    assert err.line == 8
    assert err.filename == "cell.hoc"
    assert "apical_dend" in str(err) and "cell.hoc:8" in str(err)


def test_error_connect_to_unknown_parent() -> None:
    err = _error(SOMA + "{create dend_1}\n{connect dend_1(0), somaa(1)}\n{pt3dadd(0,10,0,2)}\n")
    assert err.line == 8
    assert "somaa" in err.reason


def test_error_connect_to_unrecognised_parent() -> None:
    err = _error(SOMA + "{create circle_C2}\n{pt3dadd(1,1,1,1)}\n{create dend_1}\n{connect dend_1(0), circle_C2(1)}\n"
                 "{pt3dadd(0,10,0,2)}\n")
    assert err.line == 10
    assert "circle_C2" in err.reason


def test_error_pt3dadd_with_three_numbers() -> None:
    err = _error(SOMA + "{create dend_1}\n{connect dend_1(0), soma(1)}\n{pt3dadd(0,10,0,2)}\n{pt3dadd(0,20,0)}\n")
    assert err.line == 10
    assert "4" in err.reason and "3" in err.reason


def test_error_pt3dadd_non_number() -> None:
    err = _error(SOMA.replace("{pt3dadd(0, 10, 0, 10)}", "{pt3dadd(0, ten, 0, 10)}"))
    assert err.line == 6


def test_error_section_without_points() -> None:
    err = _error(SOMA + "{create dend_1}\n{connect dend_1(0), soma(1)}\n{access dend_1}\n")
    assert err.line == 7
    assert "dend_1" in err.reason and "no pt3dadd" in err.reason


def test_error_section_never_connected() -> None:
    err = _error(SOMA + "{create dend_1}\n{pt3dadd(0,10,0,2)}\n")
    assert err.line == 7
    assert "never connected" in err.reason


def test_error_created_twice() -> None:
    err = _error(SOMA + "{create soma}\n{pt3dadd(0,10,0,2)}\n")
    assert err.line == 7


def test_error_negative_diameter() -> None:
    text = SOMA.replace("{pt3dadd(0, 10, 0, 10)}", "{pt3dadd(0, 10, 0, -1)}")
    err = _error(text)
    # the line of the offending point, not of the section's create
    assert err.line == text.splitlines().index("{pt3dadd(0, 10, 0, -1)}") + 1
    assert "negative diameter" in err.reason


def test_error_two_somata() -> None:
    err = _error(SOMA + "{create soma_2}\n{pt3dadd(0,10,0,2)}\n")
    assert "root" in str(err)


def test_error_empty() -> None:
    err = _error("// nothing here\n")
    assert err.line is None


def test_error_file_suffix(tmp_path: Path) -> None:
    path = tmp_path / "cell.txt"
    path.write_text(SOMA)
    with pytest.raises(LegacyFormatError, match=r"\.hoc"):
        read_hoc(path)
    good = tmp_path / "cell.HOC"
    good.write_text(SOMA)
    assert len(read_hoc(good)) == 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_hoc(tmp_path / "absent.hoc")


# ----------------------------------------------------------------------------- round trip


def _hand_made() -> Morphology:
    def sec(name: str, label: str, parent: int | None, x: float, pts: list[list[float]], d: list[float]) -> Section:
        return Section(name, label, parent, x, np.array(pts, float), np.array(d, float))

    return Morphology((
        sec("s", "soma", None, 0.0, [[0.1, 0.2, 0.3], [1 / 3, 2.5, 1e-7]], [10.123456789, 11.0]),
        sec("b", "dend", 0, 0.5, [[0, 0, 0], [0, -10, 0], [0, -20, 0.5]], [2, 1.5, 0.7]),
        sec("apical_x", "apic", 0, 0.5, [[0, 10, 0], [0, 110, 1e3]], [3, 2]),
        sec("dend_c", "dend", 1, 0.75, [[0, -15, 0], [5, -15, 0]], [1, 0.5]),
        sec("ax", "axon", 0, 0.5, [[0, 0, -5]], [1]),
    ))


def _renamed(m: Morphology, names: list[str]) -> Morphology:
    return Morphology(tuple(attrs.evolve(s, name=n) for s, n in zip(m.sections, names)))


def test_round_trip_hand_made() -> None:
    m = _renamed(_hand_made(), ["soma", "dend_1", "apical_x", "dend_c", "axon_4"])
    back = parse_hoc(format_hoc(m))
    assert back == m


def test_round_trip_renames_names_hoc_cannot_carry() -> None:
    m = _hand_made()
    back = parse_hoc(format_hoc(m))
    # 's', 'b', 'ax' carry no label substring: written as <label prefix>_<ID>; everything else is equal
    assert [s.name for s in back.sections] == ["soma_0", "dend_1", "apical_x", "dend_c", "axon_4"]
    assert back == _renamed(m, [s.name for s in back.sections])
    assert back != m


def test_round_trip_name_collisions_and_bad_names() -> None:
    base = _hand_made()
    for names, expected in [
        (["soma", "x", "apical_x", "dend_1", "axon(1)"], ["soma", "dend_1", "apical_x", "dend_3", "axon_4"]),
        # (two sections cannot share a name: Morphology refuses it, see test_duplicate_section_names)
        (["soma", "dend_a", "apical x", "dend a", "axon_b"], ["soma", "dend_a", "apical_2", "dend_3", "axon_b"]),
        (["soma", "dend_create", "apical_2", "dend_3", "axon_b"], ["soma", "dend_1", "apical_2", "dend_3", "axon_b"]),
    ]:
        m = _renamed(base, names)
        back = parse_hoc(format_hoc(m))
        assert [s.name for s in back.sections] == expected
        assert back == _renamed(m, expected)


def test_format_refuses_generated_axon_labels() -> None:
    m = _hand_made()
    ais = Section("axon_0", "ais", 0, 0.5, np.array([[0, 0, 0], [0, 0, -20]]), np.array([3.0, 1.75]))
    with pytest.raises(ValueError, match="ais"):
        format_hoc(m.with_sections((ais,)))


# ----------------------------------------------------------------------------- robustness

_FRAGMENTS = st.sampled_from([
    "{create soma}", "{create dend_1}", "{create apical_2}", "{create apical_dend}", "{create circle}",
    "{create axon_0}", "{create BasalDendrite_1}", "create", "{connect dend_1(0), soma(0.5)}",
    "{connect apical_2(0), dend_1(1)}", "{connect apical_2(0), apical_2(1)}", "{connect x, y}",
    "{connect a(0), soma(2)}", "{pt3dadd(0,0,0,1)}", "{pt3dadd(1,2,3,4)}", "{pt3dadd(1,2,3)}",
    "{pt3dadd(nan,0,0,1)}", "{pt3dadd(inf,0,0,1)}", "{pt3dadd(0,0,0,-1)}", "{pt3dadd(0,0,0,1e999)}",
    "pt3dadd", "pt3dadd(", "Spine", "/* x */", "/*", "*/", "{access soma}", "", "{create dend[3]}",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(["{create soma}", "{pt3dadd(0,0,0,1)}", "{create dend_1}", "{connect dend_1(0), soma(0.5)}", "{pt3dadd(0,0,0,1)}"])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=25))
def test_random_text_raises_only_legacy_format_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        m = parse_hoc(text)
    except LegacyFormatError:
        return
    assert isinstance(m, Morphology)
    # whatever was read can be written and read back (names may be normalised)
    back = parse_hoc(format_hoc(m))
    assert back == _renamed(m, [s.name for s in back.sections])
