"""Cell modifiers (``cell_modify_functions``, LEGACY_FORMATS §3.8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import numpy as np
import pytest

from isf.dsl.hoc import read_hoc
from isf.errors import ModelValueError
from isf.model.cell import Cell
from isf.model.modifier import MODIFIERS, ScaleApical, ScaleApicalMorph86
from isf.model.morphology import Morphology
from isf.model.trunk import detailed_labels

pytestmark = pytest.mark.shared


def _changed(a: Morphology, b: Morphology) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a.sections, b.sections)) if not np.array_equal(x.diameters, y.diameters)]


def test_scale_apical_morph_86(cell86: Cell) -> None:
    assert cell86.modifiers == (ScaleApicalMorph86(),)
    dist = cell86.distances
    morph = cell86.morphology
    # in section order, apical sections whose far end is within 1000 µm of soma(0); the first 33
    near = [s for s in morph.ids_with_label("apic") if dist.soma0(s, 1.0) <= 1000.0]
    assert len(near) > 33
    expected = near[:33]
    assert expected == list(range(6, 39))
    final = cell86.final_morphology
    assert _changed(morph, final) == expected
    for sid in expected:
        np.testing.assert_array_equal(final.sections[sid].diameters, 2.5 * morph.sections[sid].diameters)
    # the 34th near section (39) is left alone, as is everything ending beyond 1000 µm
    assert near[33] == 39
    np.testing.assert_array_equal(final.sections[39].diameters, morph.sections[39].diameters)
    # only diameters change
    for a, b in zip(morph.sections, final.sections):
        np.testing.assert_array_equal(a.points, b.points)
        assert (a.name, a.label, a.parent, a.parent_x) == (b.name, b.label, b.parent, b.parent_x)


def test_scale_apical_morph_86_matches_scaled_file(cell86: Cell, morphology_dir: Path) -> None:
    """The shipped ``86_C2_center_scaled_diameters.hoc`` has exactly these diameters."""
    scaled = read_hoc(morphology_dir / "86_C2_center_scaled_diameters.hoc")
    final = cell86.final_morphology
    for sid in range(167):
        np.testing.assert_allclose(scaled.sections[sid].diameters, final.sections[sid].diameters, rtol=2e-6)


def test_scale_apical_morph_86_parameters(cell86: Cell) -> None:
    morph = cell86.morphology
    cell = attrs.evolve(cell86, modifiers=(ScaleApicalMorph86(scale=2.0, n_sections=34),))
    assert _changed(morph, cell.final_morphology) == list(range(6, 40))
    np.testing.assert_array_equal(cell.final_morphology.sections[39].diameters, 2.0 * morph.sections[39].diameters)


def test_scale_apical_all(cell86: Cell) -> None:
    cell = attrs.evolve(cell86, modifiers=(ScaleApical(1.7),))
    morph = cell.morphology
    final = cell.final_morphology
    apic = list(morph.ids_with_label("apic"))
    assert len(apic) == 79
    assert _changed(morph, final) == apic
    for sid in apic:
        np.testing.assert_allclose(final.sections[sid].diameters, 1.7 * morph.sections[sid].diameters, rtol=1e-15)


def test_scale_apical_trunk(cell86: Cell) -> None:
    cell = attrs.evolve(cell86, modifiers=(ScaleApical(3.0, "trunk"),))
    labels = detailed_labels(cell.distances)
    trunk = [i for i, lab in enumerate(labels) if lab == "trunk"]
    assert trunk == [6, 12, 13, 15, 19, 21, 25, 26, 32, 36, 38]
    assert _changed(cell.morphology, cell.final_morphology) == trunk


def test_modifiers_compose_in_order(cell86: Cell) -> None:
    cell = attrs.evolve(cell86, modifiers=(ScaleApicalMorph86(), ScaleApical(2.0)))
    morph, final = cell.morphology, cell.final_morphology
    np.testing.assert_allclose(final.sections[6].diameters, 5.0 * morph.sections[6].diameters)
    np.testing.assert_allclose(final.sections[39].diameters, 2.0 * morph.sections[39].diameters)
    np.testing.assert_array_equal(final.sections[1].diameters, morph.sections[1].diameters)


def test_nseg_and_distances_unaffected(cell86: Cell) -> None:
    plain = attrs.evolve(cell86, modifiers=())
    for mods in [(ScaleApical(0.2),), (ScaleApical(4.0), ScaleApicalMorph86()), (ScaleApical(3.0, "trunk"),)]:
        cell = attrs.evolve(cell86, modifiers=mods)
        assert cell.nseg == plain.nseg == cell86.nseg
        np.testing.assert_array_equal(cell.distances.starts, plain.distances.starts)
        assert cell.final_morphology != plain.final_morphology
    # nseg computed from the thick diameters would differ
    thick = Cell(cell86.final_morphology, cell86.regions)
    assert thick.nseg != cell86.nseg


def test_modifier_validation() -> None:
    with pytest.raises(ModelValueError, match=r"ScaleApical.scale = -1.0"):
        ScaleApical(-1.0)
    with pytest.raises(ModelValueError, match=r"ScaleApical.compartment = 'tuft'.*'apic', 'trunk'"):
        ScaleApical(2.0, "tuft")
    with pytest.raises(ModelValueError, match=r"ScaleApicalMorph86.n_sections = 0"):
        ScaleApicalMorph86(n_sections=0)
    assert set(MODIFIERS) == {"scale_apical", "scale_apical_morph_86"}


# ----------------------------------------------------------------------------- NEURON sees the scaled geometry


@pytest.fixture(scope="module")
def built86(cell86: Cell) -> Iterator[object]:
    pytest.importorskip("neuron")
    from isf.backends.neuron.build import build_cell

    built = build_cell(cell86)
    yield built
    built.sections.clear()


def test_neuron_diameters_scaled_nseg_not(cell86: Cell, built86: object) -> None:
    from neuron import h

    secs = built86.sections  # type: ignore[attr-defined]
    morph = cell86.morphology
    for sid in (6, 20, 38, 39, 50, 1):
        sec = secs[sid]
        factor = 2.5 if 6 <= sid <= 38 else 1.0
        assert int(h.n3d(sec=sec)) == morph.sections[sid].n_points
        d3 = np.array([h.diam3d(i, sec=sec) for i in range(int(h.n3d(sec=sec)))])
        np.testing.assert_allclose(d3, factor * morph.sections[sid].diameters, rtol=1e-6)
        assert sec.nseg == cell86.nseg[sid]
        assert sec.L == pytest.approx(morph.lengths[sid], rel=1e-12)
