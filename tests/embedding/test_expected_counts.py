"""On uniform fields the synapse count per structure is Poisson with mean
cells × boutons / normalisation × (length constant × neurite length + area constant × membrane area)."""

from __future__ import annotations

import numpy as np
import pytest

from isf.embedding.connectome import DenseConnectome
from isf.embedding.mapper import prepare
from isf.model.density_field import ScalarField
from isf.model.morphology import Morphology, Section
from isf.model.pst import PSTDensities

BOUTONS, NORM, N_CELLS = 0.6, 2.5, 300
EXC = PSTDensities(
    "EXC",
    "L5tt",
    soma_length=0.2,
    apical_length=0.5,
    basal_length=0.8,
    soma_area=0.01,
    apical_area=0.002,
    basal_area=0.004,
)
INH = PSTDensities("INH", "L5tt", 0.1, 0.1, 0.1, 0.0, 0.0, 0.0)


def _line(
    start: tuple[float, float, float],
    direction: tuple[float, float, float],
    length: float,
    diameter: float,
) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(
        0.0, length, int(length) + 1
    )  # a point every µm: every voxel it crosses holds points
    points = np.array(start) + t[:, None] * np.array(direction)
    return points, np.full(t.size, diameter)


def toy_cell() -> Morphology:
    soma = _line((-10.0, 3.0, 3.0), (1, 0, 0), 20, 10.0)
    apical = _line((0.0, 3.0, 3.0), (0, 0, 1), 430, 2.0)
    basal = _line((0.0, 3.0, 3.0), (0, 1, 0), 180, 1.0)
    return Morphology(
        (
            Section("soma", "soma", None, 0.0, *soma),
            Section("apical_1", "apic", 0, 0.5, *apical),
            Section("dend_1", "dend", 0, 0.5, *basal),
        )
    )


def uniform_model() -> DenseConnectome:
    def field(value: float) -> ScalarField:
        return ScalarField(
            (-500.0, -500.0, -500.0), (50.0, 50.0, 50.0), np.full((20, 20, 20), value)
        )

    return DenseConnectome(
        cell_counts={"C2": {"L4ss": N_CELLS}},
        connections={"L5tt": {"EXC": EXC, "INH": INH}},
        normalisation={"EXC": field(NORM), "INH": field(NORM)},
        boutons={("C2", "L4ss"): (field(BOUTONS),)},
    )


@pytest.mark.parametrize("legacy", [True, False])
def test_expected_synapses_per_structure(legacy: bool) -> None:
    cell = toy_cell()
    setup = prepare(cell, "L5tt", uniform_model(), legacy_compatible=legacy)
    radius = {True: 1.0, False: 0.5}[legacy]  # ISF uses diameters as radii
    lengths = {"soma": 20.0, "apic": 430.0, "dend": 180.0}
    diameters = {"soma": 10.0, "apic": 2.0, "dend": 1.0}
    area = {k: 2 * np.pi * radius * diameters[k] * lengths[k] for k in lengths}
    constants = {
        "soma": (EXC.soma_length, EXC.soma_area),
        "apic": (EXC.apical_length, EXC.apical_area),
        "dend": (EXC.basal_length, EXC.basal_area),
    }
    structure = {"soma": 0, "apic": 1, "dend": 2}
    np.testing.assert_allclose(setup.targets.length_um.sum(axis=1), [20, 430, 180])
    np.testing.assert_allclose(
        setup.targets.area_um2.sum(axis=1), [area["soma"], area["apic"], area["dend"]]
    )
    expected = {
        k: N_CELLS * BOUTONS / NORM * (c_len * lengths[k] + c_area * area[k])
        for k, (c_len, c_area) in constants.items()
    }
    np.testing.assert_allclose(
        setup.expected_synapses()["L4ss_C2"], sum(expected.values())
    )
    n_samples = 40
    observed = {k: 0 for k in lengths}
    for sample in range(n_samples):
        pop = setup.realise(seed=5, sample=sample).populations[0]
        for k, s in structure.items():
            observed[k] += int((pop.structure == s).sum())
    for k in lengths:
        mean = n_samples * expected[k]
        # the sum of independent Poisson counts is Poisson: 5 SD is a tolerance it misses once in ~3.5 million
        assert abs(observed[k] - mean) < 5 * np.sqrt(mean), (k, observed[k], mean)


def test_cell86_neurite_is_conserved(setup86, morph86_shipped) -> None:
    targets = setup86.targets
    total = sum(
        np.linalg.norm(np.diff(s.points, axis=0), axis=1).sum()
        for s in morph86_shipped.sections
    )
    np.testing.assert_allclose(targets.length_um.sum(), total, rtol=1e-10)
    assert targets.point_section.size == sum(
        s.n_points for s in morph86_shipped.sections
    )
    # densities are non-zero only where the structure has points to put synapses on
    counts = targets.candidate_counts.reshape(-1)
    for density in setup86.densities:
        assert np.all(counts[density.key] > 0)


def test_synapses_sit_on_points_of_their_structure(setup86, morph86_shipped) -> None:
    realisation = setup86.realise(seed=2, sample=0)
    labels = {"soma": 0, "apic": 1, "dend": 2}
    for pop in realisation.populations:
        for sid, x, s in zip(pop.section_id, pop.x, pop.structure):
            section = morph86_shipped.sections[int(sid)]
            assert labels[section.label] == s
            assert np.min(np.abs(section.relative_points - x)) == 0.0
        if len(pop):
            assert np.array_equal(np.unique(pop.cell_id), np.arange(pop.n_connected))
            # cell IDs follow presynaptic creation order
            assert np.all(np.diff(pop.presynaptic_cell) >= 0)
