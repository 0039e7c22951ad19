"""The generated Hay 2013 axon (LEGACY_FORMATS §1.6)."""

from __future__ import annotations

import numpy as np
import pytest

from isf.model.axon import hay2013_axon_sections, with_hay2013_axon
from isf.model.cell import Cell
from isf.model.morphology import Morphology, Section


@pytest.mark.shared
def test_axon_on_86(morph86: Morphology) -> None:
    m = with_hay2013_axon(morph86)
    assert len(m) == 170
    assert m.sections[:167] == morph86.sections
    hill, ais, myelin = m.sections[167:]
    assert [s.name for s in (hill, ais, myelin)] == ["axon_0", "axon_0_0", "axon_0_0_0"]
    assert [s.label for s in (hill, ais, myelin)] == ["ais", "ais", "myelin"]
    assert [s.parent for s in (hill, ais, myelin)] == [0, 167, 168]
    assert [s.parent_x for s in (hill, ais, myelin)] == [0.5, 1.0, 1.0]
    assert [s.n_points for s in (hill, ais, myelin)] == [5, 7, 21]
    assert [s.nseg for s in (hill, ais, myelin)] == [5, 7, 21]
    np.testing.assert_allclose(m.lengths[167:], [20.0, 30.0, 1000.0], rtol=1e-6)
    assert m.ids_with_label("ais") == (167, 168)
    assert m.ids_with_label("myelin") == (169,)

    # diameters: linear taper 3 → 1.75 → 1, then constant 1
    np.testing.assert_allclose(hill.diameters, [3.0, 2.6875, 2.375, 2.0625, 1.75])
    np.testing.assert_allclose(ais.diameters, np.linspace(1.75, 1.0, 7))
    np.testing.assert_allclose(myelin.diameters, np.ones(21))
    assert np.all(np.diff(hill.diameters) < 0) and np.all(np.diff(ais.diameters) < 0)

    # start: soma centre (middle 3D point) minus the radius there, along −z
    soma = morph86.sections[0]
    mid = soma.n_points // 2
    assert mid == 22
    centre = soma.points[mid]
    radius = soma.diameters[mid] / 2
    np.testing.assert_allclose(hill.points[0], centre - [0, 0, radius])
    np.testing.assert_array_equal(m.soma_center, centre)
    # straight down: x, y constant, z decreasing in 5 µm (hillock, AIS) and 50 µm (myelin) steps
    for section, step in ((hill, 5.0), (ais, 5.0), (myelin, 50.0)):
        np.testing.assert_allclose(section.points[:, :2], np.tile(centre[:2], (section.n_points, 1)))
        np.testing.assert_allclose(np.diff(section.points[:, 2]), -step)
    # continuous cable
    np.testing.assert_array_equal(ais.points[0], hill.points[-1])
    np.testing.assert_array_equal(myelin.points[0], ais.points[-1])
    assert myelin.points[-1][2] == pytest.approx(centre[2] - radius - 1050.0)


@pytest.mark.shared
def test_axon_from_param(cell86: Cell, morph86: Morphology) -> None:
    assert cell86.morphology == with_hay2013_axon(morph86)
    assert cell86.nseg[167:] == (5, 7, 21)


def test_axon_on_hand_made_soma() -> None:
    soma = Section("soma", "soma", None, 0.0, np.array([[0, 0, 0], [0, 0, 5], [0, 0, 10]], float),
                   np.array([6.0, 8.0, 6.0]))
    dend = Section("dend_1", "dend", 0, 0.5, np.array([[0, 0, 10], [0, 0, 20]], float), np.array([1.0, 1.0]))
    morph = Morphology((soma, dend))
    sections = hay2013_axon_sections(morph)
    np.testing.assert_allclose(sections[0].points[0], [0, 0, 5 - 4])
    np.testing.assert_allclose(sections[2].points[-1], [0, 0, 1 - 1050])
    m = with_hay2013_axon(morph)
    assert [s.parent for s in m.sections[2:]] == [0, 2, 3]
    with pytest.raises(ValueError, match="already"):
        with_hay2013_axon(m)
