"""Model values refuse bad fields where they are written, naming class, field, value and what is allowed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.cell import Cell
from isf.model.mechanism import Mechanism
from isf.model.morphology import Morphology, Section, canonical_label, legacy_label
from isf.model.region import Region, Spines


def _soma() -> Section:
    return Section("soma", "soma", None, 0.0, np.array([[0, 0, 0], [0, 10, 0]], float), np.array([10.0, 10.0]))


def _dend(parent: int | None = 0, name: str = "dend_1", label: str = "dend") -> Section:
    return Section(name, label, parent, 0.5, np.array([[0, 0, 0], [0, -50, 0]], float), np.array([1.0, 1.0]))


def _check(info: pytest.ExceptionInfo[ModelValueError], owner: str, field: str, value_text: str, allowed: str) -> None:
    err = info.value
    assert err.owner == owner
    assert err.field == field
    assert allowed in err.allowed
    text = str(err)
    assert text.startswith(f"{owner}.{field} = ")
    assert value_text in text
    assert f"allowed is {err.allowed}" in text


# ----------------------------------------------------------------------------- Section


def test_section_points_shape() -> None:
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, np.zeros((4, 2)), np.ones(4))
    _check(info, "Section", "points", "(4, 2)", "(n, 3)")
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, np.zeros((0, 3)), np.ones(0))
    _check(info, "Section", "points", "(0, 3)", "n >= 1")
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, np.zeros(3), np.ones(1))
    _check(info, "Section", "points", "(3,)", "(n, 3)")


def test_section_non_finite_points() -> None:
    pts = np.zeros((2, 3))
    pts[1, 2] = math.nan
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, pts, np.ones(2))
    _check(info, "Section", "points", "non-finite", "finite coordinates")


def test_section_diameters() -> None:
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, np.zeros((3, 3)), np.ones(2))
    _check(info, "Section", "diameters", "(2,)", "one diameter per point (3)")
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, np.zeros((2, 3)), np.array([1.0, -0.5]))
    _check(info, "Section", "diameters", "negative", ">= 0")


def test_section_label_parent_x_nseg() -> None:
    with pytest.raises(ModelValueError) as info:
        Section("x", "Dendrite", 0, 0.5, np.zeros((1, 3)), np.ones(1))
    _check(info, "Section", "label", "'Dendrite'", "soma, dend, apic")
    with pytest.raises(ModelValueError) as info:
        Section("x", "dend", 0, 1.5, np.zeros((1, 3)), np.ones(1))
    _check(info, "Section", "parent_x", "1.5", "[0, 1]")
    with pytest.raises(ModelValueError) as info:
        Section("x", "dend", 0, 0.5, np.zeros((1, 3)), np.ones(1), nseg=0)
    _check(info, "Section", "nseg", "0", "integer >= 1")


def test_section_arrays_are_frozen_copies() -> None:
    pts = np.zeros((2, 3))
    sec = Section("x", "dend", 0, 0.5, pts, np.ones(2))
    pts[0, 0] = 5.0
    assert sec.points[0, 0] == 0.0
    with pytest.raises(ValueError):
        sec.points[0, 0] = 1.0
    assert sec == Section("x", "dend", 0, 0.5, [[0, 0, 0], [0, 0, 0]], [1, 1])


# ----------------------------------------------------------------------------- Morphology


def test_morphology_two_roots() -> None:
    with pytest.raises(ModelValueError) as info:
        Morphology((_soma(), _dend(parent=None)))
    _check(info, "Morphology", "sections", "2 root sections", "exactly one root section")


def test_morphology_no_section() -> None:
    with pytest.raises(ModelValueError) as info:
        Morphology(())
    _check(info, "Morphology", "sections", "()", "at least one section")


def test_morphology_root_not_soma() -> None:
    with pytest.raises(ModelValueError) as info:
        Morphology((_dend(parent=None),))
    _check(info, "Morphology", "sections", "labelled 'dend'", "'soma'")


def test_morphology_unknown_parent() -> None:
    with pytest.raises(ModelValueError) as info:
        Morphology((_soma(), _dend(parent=7)))
    _check(info, "Morphology", "sections", "section 1 (dend_1) parent 7", "0..1")


def test_morphology_cycles() -> None:
    with pytest.raises(ModelValueError) as info:
        Morphology((_soma(), _dend(parent=2, name="dend_1"), _dend(parent=1, name="dend_2")))
    _check(info, "Morphology", "sections", "cycle through section 1 (dend_1)", "a tree")
    with pytest.raises(ModelValueError) as info:
        Morphology((_soma(), _dend(parent=1, name="dend_self")))
    _check(info, "Morphology", "sections", "cycle", "a tree")


def test_label_names() -> None:
    assert canonical_label("ApicalDendrite") == "apic"
    assert canonical_label("BasalDendrite") == "dend"
    assert legacy_label("dend") == "Dendrite"
    assert legacy_label("ais") == "AIS"
    with pytest.raises(ModelValueError) as info:
        canonical_label("Apical")
    assert "'Apical'" in str(info.value) and "ApicalDendrite" in info.value.allowed


# ----------------------------------------------------------------------------- Region / Mechanism


def test_region_negative_ra() -> None:
    with pytest.raises(ModelValueError) as info:
        Region(ra_ohm_cm=-100.0)
    _check(info, "Region", "ra_ohm_cm", "-100.0", "> 0")


def test_region_bad_cm_ions_properties_mechanisms() -> None:
    with pytest.raises(ModelValueError) as info:
        Region(cm_uF_per_cm2=math.inf)
    _check(info, "Region", "cm_uF_per_cm2", "inf", "finite number > 0")
    with pytest.raises(ModelValueError) as info:
        Region(ions={"ek": "low"})
    _check(info, "Region", "ions", "'ek'", "finite numbers (got 'ek': 'low')")
    with pytest.raises(ModelValueError) as info:
        Region(ions={"e k": -85.0})
    _check(info, "Region", "ions", "'e k'", "ion variable names")
    with pytest.raises(ModelValueError) as info:
        Region(other_properties={"Ra": math.nan})
    _check(info, "Region", "other_properties", "nan", "finite numbers")
    with pytest.raises(ModelValueError) as info:
        Region(mechanisms=(Mechanism("pas"), Mechanism("pas")))
    _check(info, "Region", "mechanisms", "['pas']", "each mechanism at most once")
    with pytest.raises(ModelValueError) as info:
        Region(mechanisms=("pas",))
    _check(info, "Region", "mechanisms", "'pas'", "Mechanism values")
    with pytest.raises(ModelValueError) as info:
        Spines(density_per_um=0.0, area_um2=1.0)
    _check(info, "Spines", "density_per_um", "0.0", "> 0")


def test_mechanism_non_finite_parameter() -> None:
    with pytest.raises(ModelValueError) as info:
        Mechanism("Ih", {"gIhbar": math.nan})
    _check(info, "Mechanism", "parameters", "nan", "finite numbers (got 'gIhbar': nan)")
    with pytest.raises(ModelValueError) as info:
        Mechanism("Ih", {"gIhbar": True})
    _check(info, "Mechanism", "parameters", "True", "finite numbers")
    with pytest.raises(ModelValueError) as info:
        Mechanism("Ih", {"": 1.0})
    _check(info, "Mechanism", "parameters", "''", "non-empty string keys")


def test_mechanism_name() -> None:
    with pytest.raises(ModelValueError) as info:
        Mechanism("Ca-HVA")
    _check(info, "Mechanism", "name", "'Ca-HVA'", "letters, digits and '_'")


def test_region_mechanism_lookup() -> None:
    region = Region(mechanisms=(Mechanism("pas", {"g": 1e-4}), Mechanism("Ih", {"gIhbar": 1e-4})))
    assert region.mechanism("Ih").parameters == {"gIhbar": 1e-4}
    with pytest.raises(KeyError, match="pas, Ih"):
        region.mechanism("Im")


# ----------------------------------------------------------------------------- Cell


def test_cell_region_for_absent_label() -> None:
    morph = Morphology((_soma(), _dend()))
    with pytest.raises(ModelValueError) as info:
        Cell(morph, {"apic": Region()})
    _check(info, "Cell", "regions", "'apic'", "labels present in the morphology: dend, soma")
    # legacy spellings are accepted and canonicalised
    cell = Cell(morph, {"Dendrite": Region(ra_ohm_cm=100.0)})
    assert set(cell.regions) == {"dend"}
    with pytest.raises(ModelValueError) as info:
        Cell(morph, {"ApicalDendrite": Region()})
    _check(info, "Cell", "regions", "'apic'", "dend, soma")


def test_cell_region_value_and_globals() -> None:
    morph = Morphology((_soma(), _dend()))
    with pytest.raises(ModelValueError) as info:
        Cell(morph, {"dend": {"Ra": 100.0}})  # type: ignore[dict-item]
    _check(info, "Cell", "regions", "'Ra'", "a Region for label 'dend'")
    with pytest.raises(ModelValueError) as info:
        Cell(morph, mechanism_globals={"Ih": {"ehcn": math.inf}})
    _check(info, "Cell", "mechanism_globals", "inf", "finite number")
    with pytest.raises(ModelValueError) as info:
        Cell(morph, modifiers=("scale_apical",))
    _check(info, "Cell", "modifiers", "'scale_apical'", "ScaleApical")


def test_error_message_shortens_long_values() -> None:
    with pytest.raises(ModelValueError) as info:
        Mechanism("x" * 200 + "-")
    text = str(info.value)
    assert "..." in text and len(text) < 300
