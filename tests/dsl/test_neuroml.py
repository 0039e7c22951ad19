"""Tests of the NeuroML2 morphology writer/reader (and the SWC export of any morphology)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isf.dsl import neuroml
from isf.dsl.neuroml import format_neuroml, parse_neuroml, read_neuroml, write_neuroml
from isf.dsl.swc import read_swc, write_swc
from isf.errors import FileFormatError, MissingFileError
from isf.model.morphology import Morphology, Section


def _same_tree(a: Morphology, b: Morphology) -> None:
    assert len(a) == len(b)
    for sa, sb in zip(a.sections, b.sections):
        assert (sa.label, sa.parent) == (sb.label, sb.parent)
        assert sb.parent_x == pytest.approx(sa.parent_x, abs=1e-9)
        np.testing.assert_array_equal(sa.points, sb.points)
        np.testing.assert_array_equal(sa.diameters, sb.diameters)


# ----------------------------------------------------------------------------- real data


@pytest.mark.shared
def test_round_trip_cell86_gives_the_same_sections_and_points(morph86: Morphology, tmp_path: Path) -> None:
    path = write_neuroml(morph86, tmp_path / "cell86.nml", cell_id="cell86")
    back = read_neuroml(path)
    assert back == morph86  # names, labels, parents, connection points, points, diameters, nseg
    assert [s.name for s in back.sections] == [s.name for s in morph86.sections]
    assert back.source == str(path)


@pytest.mark.shared
def test_round_trip_with_generated_axon(cell86_param) -> None:  # type: ignore[no-untyped-def]
    morph = cell86_param.cell.morphology
    assert {"ais", "myelin"} <= set(morph.labels)
    back = parse_neuroml(format_neuroml(morph))
    assert back == morph
    assert [s.nseg for s in back.sections] == [s.nseg for s in morph.sections]


@pytest.mark.shared
def test_a_foreign_file_without_isf_properties_reads_to_the_same_tree(morph86: Morphology) -> None:
    text = re.sub(r'\s*<property tag="isf:[^>]*/>', "", format_neuroml(morph86))
    back = parse_neuroml(text)
    _same_tree(morph86, back)  # labels from the standard groups, parent_x from segment and fractionAlong


@pytest.mark.shared
def test_swc_export_of_cell86_and_of_the_generated_axon(  # type: ignore[no-untyped-def]
        morph86: Morphology, cell86_param, tmp_path: Path) -> None:
    back = read_swc(write_swc(morph86, tmp_path / "c.swc"))
    assert len(back) == len(morph86)
    full = cell86_param.cell.morphology
    with pytest.raises(ValueError, match="generated_axon_as_axon"):
        write_swc(full, tmp_path / "full.swc")
    assert not (tmp_path / "full.swc").exists()
    back = read_swc(write_swc(full, tmp_path / "full.swc", generated_axon_as_axon=True))
    # ais → myelin is one unbranched chain of one SWC type: it reads back as one axon section
    axon_um = sum(s.length for s in full.sections if s.label in ("axon", "ais", "myelin", "node"))
    assert back.labels.count("axon") == 1
    assert float(np.sum(back.lengths[list(back.ids_with_label("axon"))])) == pytest.approx(axon_um, rel=1e-6)


# ----------------------------------------------------------------------------- synthetic


LABELS = ("dend", "apic", "axon", "ais", "myelin", "node")
coordinate = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@st.composite
def morphologies(draw: st.DrawFn) -> Morphology:
    """Small random trees, sections in any order (the root anywhere), 1–5 points each."""
    n = draw(st.integers(1, 6))
    order = draw(st.permutations(range(n)))  # order[k] = section ID of the k-th section built
    sections: dict[int, Section] = {}
    for k, sid in enumerate(order):
        n_points = draw(st.integers(1, 5))
        points = np.array(draw(st.lists(st.tuples(coordinate, coordinate, coordinate), min_size=n_points,
                                        max_size=n_points)))
        diameters = np.array(draw(st.lists(st.floats(0.01, 50), min_size=n_points, max_size=n_points)))
        parent = None if k == 0 else order[draw(st.integers(0, k - 1))]
        sections[sid] = Section(
            name=draw(st.sampled_from(["soma", "dend_1", "apical[3]", "a b", "x"])) + f"_{sid}",
            label="soma" if k == 0 else draw(st.sampled_from(LABELS)),
            parent=parent, parent_x=draw(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1)),
            points=points, diameters=diameters, nseg=draw(st.none() | st.integers(1, 9)))
    return Morphology(tuple(sections[i] for i in range(n)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(morphologies())
def test_round_trip_of_any_morphology(morph: Morphology) -> None:
    assert parse_neuroml(format_neuroml(morph)) == morph


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(morphologies())
def test_foreign_reading_keeps_tree_and_points(morph: Morphology) -> None:
    text = re.sub(r'\s*<property tag="isf:[^>]*/>', "", format_neuroml(morph))
    back = parse_neuroml(text)
    assert [s.parent for s in back.sections] == [s.parent for s in morph.sections]
    for a, b in zip(morph.sections, back.sections):
        # a one-point section is a zero-length segment: two equal points for other readers
        twice = a.n_points == 1
        np.testing.assert_array_equal(np.repeat(a.points, 2, axis=0) if twice else a.points, b.points)
        np.testing.assert_array_equal(np.repeat(a.diameters, 2) if twice else a.diameters, b.diameters)


def _two_sections() -> Morphology:
    soma = Section("soma", "soma", None, 0.0, np.array([[0.0, 0, 0], [0, 10, 0]]), np.array([10.0, 10.0]))
    dend = Section("dend", "dend", 0, 1.0, np.array([[0.0, 10, 0], [0, 60, 0], [0, 90, 0]]), np.array([2.0, 1.5, 1.0]))
    return Morphology((soma, dend))


def test_a_file_of_plain_segments_is_split_at_branch_points() -> None:
    text = """<neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="x"><morphology id="m">
      <segment id="0"><proximal x="0" y="0" z="0" diameter="10"/><distal x="0" y="10" z="0" diameter="10"/></segment>
      <segment id="1"><parent segment="0"/><distal x="0" y="20" z="0" diameter="2"/></segment>
      <segment id="2"><parent segment="1"/><distal x="0" y="30" z="0" diameter="2"/></segment>
      <segment id="3"><parent segment="2"/><distal x="5" y="35" z="0" diameter="1"/></segment>
      <segment id="4"><parent segment="2"/><distal x="-5" y="35" z="0" diameter="1"/></segment>
      <segmentGroup id="soma_group"><member segment="0"/></segmentGroup>
      </morphology></neuroml>"""
    m = parse_neuroml(text)
    assert [s.parent for s in m.sections] == [None, 0, 1, 1]
    assert m.labels == ("soma", "dend", "dend", "dend")
    assert m.sections[1].n_points == 3  # segments 1-2 form one unbranched chain
    assert m.sections[1].parent_x == 1.0
    np.testing.assert_array_equal(m.sections[2].points, [[0, 30, 0], [5, 35, 0]])


@pytest.mark.parametrize(("text", "match"), [
    ("<neuroml", "not XML"),
    ("<root/>", "expected <neuroml>"),
    ('<neuroml xmlns="http://www.neuroml.org/schema/neuroml2"/>', "no <morphology>"),
    ('<neuroml xmlns="http://www.neuroml.org/schema/neuroml2"><morphology id="m"/></neuroml>', "no segments"),
    ('<neuroml xmlns="http://www.neuroml.org/schema/neuroml2"><morphology id="m"><segment id="0">'
     '<parent segment="7"/><distal x="0" y="0" z="0" diameter="1"/></segment></morphology></neuroml>',
     "unknown parent segment 7"),
    ('<neuroml xmlns="http://www.neuroml.org/schema/neuroml2"><morphology id="m"><segment id="0">'
     '<distal x="a" y="0" z="0" diameter="1"/></segment></morphology></neuroml>', "numeric x, y, z"),
])
def test_bad_files_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(FileFormatError, match=match):
        parse_neuroml(text, filename="bad.nml")


def test_missing_file_and_bad_cell_id(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError):
        read_neuroml(tmp_path / "none.nml")
    with pytest.raises(FileFormatError, match="not a NeuroML id"):
        format_neuroml(_two_sections(), cell_id="9 bad")


def test_a_failing_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_neuroml(_two_sections(), tmp_path / "m.nml")
    assert list(tmp_path.iterdir()) == []


def test_the_written_file_declares_sections_and_standard_groups() -> None:
    text = format_neuroml(_two_sections(), cell_id="c")
    assert f'neuroLexId="{neuroml.SECTION_NEUROLEX}"' in text
    assert '<segmentGroup id="soma_group">' in text and '<segmentGroup id="dendrite_group">' in text
    assert '<parent segment="0" fractionAlong="1.0" />' in text


@pytest.mark.shared
def test_the_files_pass_the_neuroml2_schema_and_load_in_libneuroml(  # type: ignore[no-untyped-def]
        morph86: Morphology, cell86_param,
        tmp_path: Path) -> None:
    pytest.importorskip("neuroml")
    from neuroml.loaders import read_neuroml2_file
    from neuroml.utils import validate_neuroml2

    for name, morph in (("hoc", morph86), ("param", cell86_param.cell.morphology)):
        path = write_neuroml(morph, tmp_path / f"{name}.nml", cell_id="cell86")
        validate_neuroml2(str(path))  # raises on a schema violation
        cell = read_neuroml2_file(str(path)).cells[0]
        assert cell.id == "cell86"
        assert len(cell.morphology.segments) == sum(max(s.n_points - 1, 1) for s in morph.sections)
