"""Bad morphologies and synapse placements fail with a ModelValueError naming class, field, value and
what is allowed (issue 14 part 3); the real legacy morphologies all pass the checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.morphology import Morphology, Section
from isf.model.synapse import Synapses


def _sec(name: str, label: str, parent: int | None, diameters: list[float] | None = None) -> Section:
    diameters = [1.0, 1.0] if diameters is None else diameters
    points = np.column_stack([np.zeros(len(diameters)), np.arange(len(diameters)) * 10.0, np.zeros(len(diameters))])
    return Section(name, label, parent, 0.5, points, np.array(diameters))


def _tree(*extra: Section) -> Morphology:
    return Morphology((_sec("soma", "soma", None, [10.0, 10.0]), _sec("dend_1", "dend", 0), *extra))


def test_single_zero_diameter_points_are_legal_as_in_neuron() -> None:
    # a tapering tip: NEURON's pt3dadd and legacy ISF accept it; the section's effective diameter is > 0
    section = _sec("dend_tip", "dend", 0, [1.0, 0.5, 0.0])
    assert section.diameters[-1] == 0.0


@pytest.mark.parametrize("diameters, shown, allowed", [
    ([0.0, 0.0], "every diameter is 0", "effective diameter must be > 0"),
    ([1.0, math.nan], "non-finite diameter nan at point 1", "finite diameters >= 0"),
    ([math.inf, 1.0], "non-finite diameter inf at point 0", "finite diameters >= 0"),
    ([1.0, -2.0], "negative or non-finite diameter -2.0 at point 1", "finite diameters >= 0"),
])
def test_bad_diameters(diameters: list[float], shown: str, allowed: str) -> None:
    with pytest.raises(ModelValueError) as info:
        _sec("dend_x", "dend", 0, diameters)
    assert info.value.owner == "Section" and info.value.field == "diameters"
    assert "dend_x" in str(info.value) and shown in str(info.value)
    assert allowed in info.value.allowed


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates(bad: float) -> None:
    points = np.zeros((2, 3))
    points[1, 0] = bad
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", 0, 0.5, points, np.ones(2))
    assert info.value.field == "points" and "finite coordinates" in info.value.allowed


def test_parent_that_does_not_exist() -> None:
    with pytest.raises(ModelValueError) as info:
        _tree(_sec("dend_2", "dend", 9))
    assert "section 2 (dend_2) parent 9" in str(info.value)
    assert info.value.allowed == "a parent section ID in 0..2"


def test_disconnected_cycle_names_the_loop() -> None:
    # sections 2 and 3 hang on each other: their parent chain never reaches the soma
    with pytest.raises(ModelValueError) as info:
        _tree(_sec("dend_2", "dend", 3), _sec("dend_3", "dend", 2), _sec("dend_4", "dend", 3))
    text = str(info.value)
    assert info.value.owner == "Morphology" and info.value.field == "sections"
    assert "cycle through section 2 (dend_2)" in text and "3 (dend_3)" in text
    assert "parent chain reaches the root" in info.value.allowed


def test_self_parent_is_a_cycle() -> None:
    with pytest.raises(ModelValueError, match=r"cycle through section 2 \(dend_2\)"):
        _tree(_sec("dend_2", "dend", 2))


def test_deep_chain_is_a_tree() -> None:
    # a long unbranched chain needs every pointer-jumping round
    sections = [_sec("soma", "soma", None, [10.0, 10.0])]
    sections += [_sec(f"dend_{i}", "dend", i - 1) for i in range(1, 1025)]
    assert len(Morphology(tuple(sections))) == 1025


def test_duplicate_section_names() -> None:
    with pytest.raises(ModelValueError) as info:
        _tree(_sec("dend_1", "dend", 1))
    assert "section name 'dend_1' used by sections 1 and 2" in str(info.value)
    assert info.value.allowed == "distinct section names"


@pytest.mark.parametrize("section_id, x, field, shown", [
    ([1, 5], [0.5, 0.5], "section_id", "synapse 1 on section 5"),
    ([1, -1], [0.5, 0.5], "section_id", "synapse 1 on section -1"),
    ([1, 1], [0.5, 1.5], "x", "synapse 1 at x = 1.5"),
    ([1, 1], [math.nan, 0.5], "x", "synapse 0 at x = nan"),
])
def test_synapses_on_a_cell(section_id: list[int], x: list[float], field: str, shown: str) -> None:
    with pytest.raises(ModelValueError) as info:
        Synapses.on(_tree(), section_id, x)
    assert info.value.owner == "Synapses" and info.value.field == field
    assert shown in str(info.value)


def test_synapses_refuse_nan_x() -> None:
    with pytest.raises(ModelValueError, match="x outside"):
        Synapses(np.array([0]), np.array([math.nan]), np.zeros(1), np.zeros(1, np.int64), ("Soma",))


@pytest.mark.shared
def test_real_morphologies_pass_the_checks(morphology_dir: Path) -> None:
    from isf.dsl.hoc import read_hoc

    for path in sorted(morphology_dir.glob("*.hoc")):
        morphology = read_hoc(path)
        assert len({s.name for s in morphology.sections}) == len(morphology)
        assert all((s.diameters > 0).any() for s in morphology.sections)


@pytest.mark.shared
def test_experiment_network_on_a_smaller_cell(morph86: Morphology) -> None:
    from isf.model.activity import Activity, Poisson
    from isf.model.cell import Cell
    from isf.model.experiment import Experiment
    from isf.model.network import Network, Population
    from isf.model.simulation import Simulation

    synapses = Synapses.on(morph86, [0, 150], [0.5, 0.5])
    population = Population("L5tt_C2", 1, Activity((Poisson(100.0),)), (), synapses)
    with pytest.raises(ModelValueError) as info:
        Experiment(Cell(_tree()), Simulation(tstop_ms=10.0), network=Network((population,)))
    assert info.value.owner == "Experiment" and info.value.field == "network"
    assert "L5tt_C2: synapse 1 on section 150" in str(info.value)
    assert info.value.allowed == "synapses on the cell's sections 0..1"


@pytest.mark.parametrize("parent", [-1, 1.5, "0", True])
def test_section_parent_is_none_or_an_id(parent: object) -> None:
    with pytest.raises(ModelValueError) as info:
        Section("dend_1", "dend", parent, 0.5, np.zeros((1, 3)), np.ones(1))  # type: ignore[arg-type]
    assert info.value.field == "parent" and "section ID >= 0" in info.value.allowed
