"""The three soma distances (LEGACY_FORMATS §3.6) against NEURON's own ``distance``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

neuron = pytest.importorskip("neuron")
from neuron import h  # noqa: E402

from isf.backends.neuron.build import BuiltCell, build_cell  # noqa: E402
from isf.model.cell import Cell  # noqa: E402
from isf.model.discretization import Discretization  # noqa: E402
from isf.model.morphology import Morphology, Section  # noqa: E402
from isf.model.region import Region  # noqa: E402
from isf.model.soma_distance import SomaDistances, geometric_soma_distance, node_x, segment_centres  # noqa: E402


@pytest.fixture(scope="module")
def built86(cell86: Cell) -> Iterator[BuiltCell]:
    built = build_cell(cell86)
    yield built
    built.sections.clear()


def _nodes(nseg: int) -> list[float]:
    return [0.0, *segment_centres(nseg).tolist(), 1.0]


@pytest.mark.shared
def test_section_lengths_equal_neuron(cell86: Cell, built86: BuiltCell) -> None:
    lengths = cell86.morphology.lengths
    neuron_l = np.array([sec.L for sec in built86.sections])
    assert len(neuron_l) == 170
    np.testing.assert_allclose(lengths, neuron_l, rtol=1e-9, atol=0)
    assert lengths[0] == pytest.approx(22.16, abs=0.005)
    np.testing.assert_allclose(lengths[167:], [20.0, 30.0, 1000.0], rtol=1e-6)


@pytest.mark.shared
def test_nseg_in_neuron(cell86: Cell, built86: BuiltCell) -> None:
    assert tuple(sec.nseg for sec in built86.sections) == cell86.nseg


@pytest.mark.shared
def test_soma0_equals_neuron_distance(cell86: Cell, built86: BuiltCell) -> None:
    sections = built86.sections
    dist = cell86.distances
    origin = sections[0](0)
    h.distance(0, origin)  # one-argument form below measures from here
    n = 0
    for sid, sec in enumerate(sections):
        for x in _nodes(sec.nseg):
            expected = h.distance(origin, sec(x))
            assert h.distance(sec(x)) == expected
            assert dist.soma0(sid, x) == pytest.approx(expected, rel=1e-9, abs=1e-9), (sid, x)
            n += 1
    assert n == 1142 + 2 * 170
    # off-node positions snap to the node (segment centre) NEURON uses
    sec38 = sections[38]
    for x in (0.001, 0.3, 0.51, 0.999):
        assert dist.soma0(38, x) == pytest.approx(h.distance(origin, sec38(x)), rel=1e-9)


@pytest.mark.shared
@pytest.mark.parametrize("label", ["soma", "dend", "apic", "ais", "myelin"])
def test_root_equals_neuron_distance(cell86: Cell, built86: BuiltCell, label: str) -> None:
    sections = built86.sections
    dist = cell86.distances
    morph = cell86.morphology
    if label == "myelin":
        # no myelin section hangs on the soma: D_root has no origin
        with pytest.raises(ValueError, match="myelin"):
            dist.label_root(label)
        return
    root = dist.label_root(label)
    expected_root = {"soma": 0, "dend": 1, "apic": 6, "ais": 167}[label]
    assert root == expected_root
    origin = sections[root](0)
    for sid in morph.ids_with_label(label):
        sec = sections[sid]
        for x in _nodes(sec.nseg):
            assert dist.root(label, sid, x) == pytest.approx(h.distance(origin, sec(x)), rel=1e-9, abs=1e-9)


@pytest.mark.shared
def test_root_is_soma0_minus_half_soma(cell86: Cell) -> None:
    dist = cell86.distances
    half = cell86.morphology.lengths[0] / 2
    for sid in (1, 38, 100, 166):
        assert dist.root("apic" if cell86.morphology.labels[sid] == "apic" else "dend", sid, 0.5) == pytest.approx(
            dist.soma0(sid, 0.5) - half, rel=1e-12)


@pytest.mark.shared
def test_verified_synapse_distances(cell86: Cell, built86: BuiltCell) -> None:
    """[Verified] L1_C1 synapse #19 on section 50 at x = 0.96909."""
    morph = cell86.morphology
    assert geometric_soma_distance(morph, 50, 0.96909) == pytest.approx(1539.715, abs=0.01)
    assert cell86.distances.soma0(50, 0.96909) == pytest.approx(1549.48, abs=0.01)
    sec50 = built86.sections[50]
    assert h.distance(built86.sections[0](0), sec50(0.96909)) == pytest.approx(1549.48, abs=0.01)


@pytest.mark.shared
def test_geometric_distance_definition(cell86: Cell) -> None:
    morph = cell86.morphology
    lengths = morph.lengths
    # sum of ancestor lengths (times the child's parent_x), x·L on the section, no soma, no snapping
    for sid in (1, 38, 50, 120, 169):
        x = 0.37
        total = x * lengths[sid]
        child, parent = sid, morph.sections[sid].parent
        while parent != 0:
            total += lengths[parent] * morph.sections[child].parent_x
            child, parent = parent, morph.sections[parent].parent
        assert geometric_soma_distance(morph, sid, x) == pytest.approx(total, rel=1e-12)
    assert geometric_soma_distance(morph, 0, 0.7) == 0.0
    assert geometric_soma_distance(morph, 169, 1.0) == pytest.approx(1050.0, rel=1e-6)


@pytest.mark.shared
def test_max_root_distance(cell86: Cell, built86: BuiltCell) -> None:
    dist = cell86.distances
    morph = cell86.morphology
    sections = built86.sections
    assert dist.max_root_distance("soma") == pytest.approx(sections[0].L, rel=1e-12)
    for label in ("apic", "dend"):
        origin = sections[dist.label_root(label)](0)
        soma_children = [c for c in morph.children[0] if morph.labels[c] == label]
        leaves = [s for c in soma_children for s in morph.subtree(c) if not morph.children[s]]
        expected = max(h.distance(origin, sections[s](1)) for s in leaves)
        assert dist.max_root_distance(label) == pytest.approx(expected, rel=1e-9)
        # the maximum over all sections of the label is the same here (all are below soma children)
        assert expected == pytest.approx(max(dist.root(label, s, 1.0) for s in morph.ids_with_label(label)))
    # the AIS subtree includes the myelin below it: 20 + 30 + 1000 µm
    assert dist.max_root_distance("ais") == pytest.approx(1050.0, rel=1e-6)
    with pytest.raises(ValueError):
        dist.max_root_distance("myelin")
    assert dist.max_root_distance("apic") == pytest.approx(1576.553, abs=1e-3)
    assert dist.max_root_distance("dend") == pytest.approx(335.145, abs=1e-3)
    assert dist.max_root_distance("soma") == pytest.approx(22.1619, abs=1e-4)


# ----------------------------------------------------------------------------- hand-made, against NEURON


def _hand_made() -> Morphology:
    def line(name: str, label: str, parent: int | None, x: float, a: list[float], b: list[float]) -> Section:
        pts = np.linspace(a, b, 4)
        return Section(name, label, parent, x, pts, np.full(4, 2.0))

    return Morphology((
        line("soma", "soma", None, 0.0, [0, -10, 0], [0, 10, 0]),
        line("dend_1", "dend", 0, 0.5, [0, 0, 0], [0, -100, 0]),
        line("dend_2", "dend", 1, 0.3, [0, -30, 0], [40, -30, 0]),
        line("dend_3", "dend", 1, 0.5, [0, -50, 0], [-40, -50, 0]),
        line("dend_4", "dend", 1, 1.0, [0, -100, 0], [0, -180, 0]),
        line("apical_1", "apic", 0, 0.5, [0, 10, 0], [0, 300, 0]),
        line("apical_2", "apic", 5, 0.77, [0, 233, 0], [50, 233, 0]),
        line("apical_3", "apic", 5, 0.0, [0, 10, 0], [10, 10, 0]),
    ))


@pytest.mark.parametrize("max_len", [None, 7.0, 25.0, 50.0])
def test_hand_made_distances_equal_neuron(max_len: float | None) -> None:
    """Even and odd nseg, children attached mid-section (parent_x 0.3, 0.5, 0.77, 0)."""
    morph = _hand_made()
    regions = {lab: Region(ra_ohm_cm=100.0, cm_uF_per_cm2=1.0) for lab in ("soma", "dend", "apic")}
    cell = Cell(morph, regions, Discretization(max_segment_length_um=max_len))
    built = build_cell(cell)
    try:
        sections = built.sections
        assert tuple(s.nseg for s in sections) == cell.nseg
        dist = SomaDistances(morph, cell.nseg)
        origin = sections[0](0)
        for sid, sec in enumerate(sections):
            assert morph.lengths[sid] == pytest.approx(sec.L, rel=1e-12)
            for x in _nodes(sec.nseg) + [0.3, 0.5, 0.77]:
                assert dist.soma0(sid, x) == pytest.approx(h.distance(origin, sec(x)), rel=1e-9, abs=1e-9), (sid, x)
        for label in ("dend", "apic"):
            o = sections[dist.label_root(label)](0)
            for sid in morph.ids_with_label(label):
                for x in _nodes(sections[sid].nseg):
                    assert dist.root(label, sid, x) == pytest.approx(h.distance(o, sections[sid](x)), abs=1e-9)
    finally:
        built.sections.clear()


def test_node_x() -> None:
    assert node_x(0.0, 5) == 0.0 and node_x(1.0, 5) == 1.0
    assert node_x(0.5, 1) == 0.5
    assert node_x(0.5, 2) == 0.75
    assert node_x(0.49, 2) == 0.25
    assert node_x(0.2, 5) == pytest.approx(0.3)
    assert node_x(0.19999, 5) == pytest.approx(0.1)
    np.testing.assert_allclose(segment_centres(4), [0.125, 0.375, 0.625, 0.875])


def test_distances_need_one_nseg_per_section() -> None:
    with pytest.raises(ValueError, match="nseg"):
        SomaDistances(_hand_made(), (1, 1))
