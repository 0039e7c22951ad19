"""ISF's nseg rule (LEGACY_FORMATS §1.5)."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.cell import Cell
from isf.model.discretization import Discretization, isf_nseg, length_constant_um
from isf.model.morphology import Morphology, Section
from isf.model.region import Region


def _lambda(d: float, ra: float, cm: float, f: float = 100.0) -> float:
    # λ_f = 1e5·sqrt(d / (4π f Ra cm)) µm
    return 1e5 * math.sqrt(d / (4 * math.pi * f * ra * cm))


# ----------------------------------------------------------------------------- cell 86


@pytest.fixture(scope="module")
def hoc_cell86(morph86: Morphology, cell86: Cell) -> Cell:
    """The 167 hoc sections with the param's Ra/cm (soma Ra 100 cm 1, dendrites Ra 100 cm 2), no axon."""
    return Cell(morph86, {k: v for k, v in cell86.regions.items() if k in ("soma", "dend", "apic")})


@pytest.mark.shared
def test_nseg_86_hoc_sections(hoc_cell86: Cell) -> None:
    nseg = hoc_cell86.nseg
    assert len(nseg) == 167
    assert sum(nseg) == 1109
    assert hoc_cell86.n_segments == 1109
    assert nseg[0] == 1
    assert nseg[38] == 35
    assert all(n % 2 == 1 for n in nseg)
    assert hoc_cell86.regions["soma"].ra_ohm_cm == 100.0 and hoc_cell86.regions["soma"].cm_uF_per_cm2 == 1.0
    assert hoc_cell86.regions["apic"].cm_uF_per_cm2 == 2.0


@pytest.mark.shared
def test_nseg_86_by_formula(hoc_cell86: Cell, morph86: Morphology) -> None:
    for sid, section in enumerate(morph86.sections):
        cm = 1.0 if section.label == "soma" else 2.0
        d = section.diameters[section.n_points // 2]
        lam = _lambda(d, 100.0, cm)
        expected = 2 * math.floor((section.length / (0.1 * lam) + 0.5) / 2) + 1
        assert hoc_cell86.nseg[sid] == expected, sid


@pytest.mark.shared
def test_nseg_86_with_generated_axon(cell86: Cell) -> None:
    nseg = cell86.nseg
    assert len(nseg) == 170
    assert sum(nseg) == 1142
    assert nseg[167:] == (5, 7, 21)
    assert nseg[0] == 1 and nseg[38] == 35


@pytest.mark.shared
def test_nseg_86_neuron_defaults_without_regions(morph86: Morphology) -> None:
    """Labels without properties keep NEURON's Ra 35.4, cm 1."""
    bare = Cell(morph86)
    for sid in (0, 38, 100):
        section = morph86.sections[sid]
        lam = _lambda(section.mid_diameter, 35.4, 1.0)
        assert bare.nseg[sid] == 2 * math.floor((section.length / (0.1 * lam) + 0.5) / 2) + 1
    assert sum(bare.nseg) < 1109  # larger λ → fewer segments


@pytest.mark.shared
def test_nseg_ignores_modifiers(cell86: Cell) -> None:
    assert cell86.modifiers  # scale_apical_morph_86
    plain = attrs.evolve(cell86, modifiers=())
    assert plain.nseg == cell86.nseg


# ----------------------------------------------------------------------------- hand values


def test_length_constant() -> None:
    assert length_constant_um(1.0, 100.0, 1.0, 100.0) == pytest.approx(282.0948, rel=1e-6)
    assert length_constant_um(4.0, 100.0, 1.0, 100.0) == pytest.approx(2 * 282.0948, rel=1e-6)


def test_formula_hand_values() -> None:
    lam = _lambda(1.0, 100.0, 1.0)  # 282.09 µm; 0.1·λ = 28.209 µm
    cases = {
        10.0: 1,    # 0.35 + 0.5 → 0
        33.85: 1,   # 1.2: ISF's +0.5 gives 1 where NEURON's +0.9 rule would give 3
        42.4: 3,    # 1.503 + 0.5 = 2.003
        100.0: 5,   # 3.545
        98.7: 3,    # 3.499 + 0.5 = 3.999 → 1 → 3
        98.8: 5,    # 3.502 + 0.5 = 4.002 → 2 → 5
        1000.0: 35,  # 35.45 + 0.5 = 35.95 → 17 → 35
    }
    for length, expected in cases.items():
        assert isf_nseg(length, 1.0, 100.0, 1.0) == expected, length
        assert expected == 2 * math.floor((length / (0.1 * lam) + 0.5) / 2) + 1


def test_neuron_rule_differs() -> None:
    length = 1.2 * 0.1 * _lambda(1.0, 100.0, 1.0)
    assert isf_nseg(length, 1.0, 100.0, 1.0) == 1
    assert int((1.2 + 0.9) / 2) * 2 + 1 == 3


def test_frequency_ra_cm_enter_lambda() -> None:
    # nseg for L=100, d=1: 5 at 100 Hz, Ra 100, cm 1; quadrupling f·Ra·cm halves λ
    assert isf_nseg(100.0, 1.0, 100.0, 1.0) == 5
    assert isf_nseg(100.0, 1.0, 100.0, 4.0) == 7   # 7.09 + 0.5 → 3 → 7
    assert isf_nseg(100.0, 1.0, 400.0, 1.0) == 7
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(frequency_hz=400.0)) == 7
    assert isf_nseg(100.0, 4.0, 100.0, 4.0) == 5  # d and cm cancel


def test_zero_diameter_gives_one_segment() -> None:
    assert isf_nseg(500.0, 0.0, 100.0, 1.0) == 1


def test_max_segment_length_cap() -> None:
    # 100 µm, 5 segments of 20 µm
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=25.0)) == 5
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=20.0)) == 5
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=15.0)) == 7
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=10.0)) == 10  # even
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=19.9)) == 6  # even
    assert isf_nseg(100.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=3.0)) == 34
    # the cap never lowers nseg
    assert isf_nseg(1000.0, 1.0, 100.0, 1.0, Discretization(max_segment_length_um=500.0)) == 35


def test_all_points() -> None:
    rule = Discretization(all_points=True)
    assert isf_nseg(1000.0, 1.0, 100.0, 1.0, rule, n_points=4) == 4
    assert isf_nseg(1000.0, 1.0, 100.0, 1.0, rule, n_points=1) == 1
    with pytest.raises(ValueError, match="n_points"):
        isf_nseg(1000.0, 1.0, 100.0, 1.0, rule)


def _straight(n: int, length: float, diameters: list[float]) -> Section:
    pts = np.zeros((n, 3))
    pts[:, 0] = np.linspace(0.0, length, n)
    return Section("dend_1", "dend", 0, 0.5, pts, np.array(diameters, float))


def test_mid_point_diameter_not_mean() -> None:
    # 4 points: middle point is index 2 (floor(4/2)); a mean diameter would give another nseg
    sec = _straight(4, 300.0, [0.1, 0.1, 4.0, 0.1])
    assert sec.mid_diameter == 4.0
    soma = Section("soma", "soma", None, 0.0, np.array([[0, 0, 0], [0, 10, 0]], float), np.array([10.0, 10.0]))
    cell = Cell(Morphology((soma, sec)), {"dend": Region(ra_ohm_cm=100.0, cm_uF_per_cm2=1.0)})
    lam = _lambda(4.0, 100.0, 1.0)
    expected = 2 * math.floor((300.0 / (0.1 * lam) + 0.5) / 2) + 1
    assert expected == 5
    assert cell.nseg == (1, 5)
    assert isf_nseg(300.0, 1.075, 100.0, 1.0) == 11  # the mean diameter would give 11


def test_cell_discretization_options() -> None:
    soma = Section("soma", "soma", None, 0.0, np.array([[0, 0, 0], [0, 10, 0]], float), np.array([10.0, 10.0]))
    sec = _straight(5, 100.0, [1.0] * 5)
    fixed = attrs.evolve(sec, name="dend_2", nseg=4)
    morph = Morphology((soma, sec, fixed))
    regions = {"dend": Region(ra_ohm_cm=100.0, cm_uF_per_cm2=1.0), "soma": Region(ra_ohm_cm=100.0)}
    assert Cell(morph, regions).nseg == (1, 5, 4)
    assert Cell(morph, regions, Discretization(max_segment_length_um=10.0)).nseg == (1, 10, 4)
    assert Cell(morph, regions, Discretization(all_points=True)).nseg == (2, 5, 4)


def test_discretization_validation() -> None:
    with pytest.raises(ModelValueError, match="Discretization.frequency_hz"):
        Discretization(frequency_hz=0)
    with pytest.raises(ModelValueError, match="max_segment_length_um"):
        Discretization(max_segment_length_um=-1.0)
    assert Discretization(frequency_hz=100) == Discretization()
