"""Compact realisations (what workers send back) give exactly the realisations, summaries and
representative sample of the full objects, with any number of workers and batch size."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from isf.backends.parallel import Parallel
from isf.embedding.mapper import Embedding, embed
from isf.embedding.realisation import PopulationSynapses, Realisation
from isf.embedding.sampling import expand_realisation, sample_compact
from isf.embedding.summary import (
    SUMMARY_COLUMNS,
    celltype_order,
    compact_summary_values,
    representative_sample,
    sample_summary,
    summary_values,
)

_FIELDS = (
    "section_id",
    "x",
    "point",
    "structure",
    "soma_distance_um",
    "presynaptic_cell",
    "cell_id",
)


def assert_same_realisation(a: Realisation, b: Realisation) -> None:
    assert (a.sample, a.seed, a.cell_index) == (b.sample, b.seed, b.cell_index)
    assert len(a.populations) == len(b.populations)
    for pa, pb in zip(a.populations, b.populations):
        assert (pa.area, pa.cell_type, pa.n_cells) == (pb.area, pb.cell_type, pb.n_cells)
        for field in _FIELDS:
            va, vb = getattr(pa, field), getattr(pb, field)
            assert va.dtype == vb.dtype, field
            np.testing.assert_array_equal(va, vb, err_msg=field)


def _reference_row(pops: list[PopulationSynapses]) -> list[float]:
    """One summary row computed the plain way (per population, per structure)."""
    dist = np.concatenate([p.soma_distance_um for p in pops])
    structure = np.concatenate([p.structure for p in pops])
    total = float(sum(p.n_cells for p in pops))

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else -1.0

    connected = float(sum(np.unique(p.presynaptic_cell).size for p in pops))
    row = {
        "Number of synapses": float(dist.size),
        "Mean path length to soma": float(dist.mean()) if dist.size else -1.0,
        "SD path length to soma": float(dist.std()) if dist.size else -1.0,
        "Connected presynaptic cells": connected,
        "Total presynaptic cells": total,
        "Convergence": ratio(connected, total),
    }
    for s, word in ((1, "apical"), (2, "basal"), (0, "soma")):
        on = structure == s
        c = float(sum(np.unique(p.presynaptic_cell[p.structure == s]).size for p in pops))
        row[f"Number of {word} synapses"] = float(on.sum())
        if s:
            row[f"Mean {word} path length to soma"] = float(dist[on].mean()) if on.any() else -1.0
            row[f"SD {word} path length to soma"] = float(dist[on].std()) if on.any() else -1.0
        row[f"Connected {word} presynaptic cells"] = c
        row[f"{word.capitalize()} convergence"] = ratio(c, total)
    return [row[c] for c in SUMMARY_COLUMNS]


def test_compact_expands_to_the_realisation(setup86) -> None:
    for sample in range(4):
        compact = sample_compact(setup86.targets, setup86.densities, 9, sample, 2)
        full = setup86.realise(9, sample, 2)
        assert compact.n_synapses == full.n_synapses
        np.testing.assert_array_equal(
            compact.population_counts(), [len(p) for p in full.populations]
        )
        assert_same_realisation(
            expand_realisation(setup86.targets, setup86.densities, compact), full
        )
        # ≈ 8 bytes per synapse on the wire instead of ≈ 57
        assert len(pickle.dumps(compact, protocol=5)) < 10 * full.n_synapses + 2000


def test_summary_numbers_equal_the_plain_computation(setup86) -> None:
    types = setup86.cell_types
    for sample in range(3):
        full = setup86.realise(5, sample)
        compact = sample_compact(setup86.targets, setup86.densities, 5, sample)
        reference = np.array(
            [_reference_row([p for p in full.populations if p.cell_type == t]) for t in types]
        )
        np.testing.assert_array_equal(summary_values(full), reference)
        np.testing.assert_array_equal(
            compact_summary_values(compact, setup86.targets, setup86.densities, types), reference
        )
        table = sample_summary(full)
        assert list(table.index) == types
        np.testing.assert_array_equal(table.to_numpy(), reference)


def test_summary_of_empty_populations_and_structures() -> None:
    def pop(area: str, cell_type: str, n: int, structure: list[int], cells: list[int]) -> PopulationSynapses:
        k = len(structure)
        _, cell_id = np.unique(np.array(cells, np.int64), return_inverse=True)
        return PopulationSynapses(
            area, cell_type, n,
            np.zeros(k, np.int64), np.full(k, 0.5), np.arange(k, dtype=np.int64),
            np.array(structure, np.int64), np.arange(k, dtype=np.float64) * 10.0,
            np.array(cells, np.int64), cell_id.astype(np.int64),
        )  # fmt: skip

    realisation = Realisation(
        0,
        0,
        0,
        (
            pop("C1", "L5tt", 4, [0, 0, 1], [0, 0, 3]),
            pop("C2", "L5tt", 6, [1], [0]),  # cell 0 of C2 is another cell than cell 0 of C1
            pop("C1", "VPM", 3, [], []),
            pop("C1", "L1", 0, [], []),
        ),
    )
    types = celltype_order(["L5tt", "VPM", "L1"])
    reference = np.array(
        [_reference_row([p for p in realisation.populations if p.cell_type == t]) for t in types]
    )
    got = summary_values(realisation)
    np.testing.assert_array_equal(got, reference)
    l5tt = dict(zip(SUMMARY_COLUMNS, got[types.index("L5tt")]))
    assert l5tt["Connected presynaptic cells"] == 3 and l5tt["Connected apical presynaptic cells"] == 2
    assert l5tt["Mean basal path length to soma"] == -1.0
    vpm = dict(zip(SUMMARY_COLUMNS, got[types.index("VPM")]))
    assert vpm["Number of synapses"] == 0 and vpm["Mean path length to soma"] == -1.0
    assert vpm["Convergence"] == 0.0
    l1 = dict(zip(SUMMARY_COLUMNS, got[types.index("L1")]))
    assert l1["Convergence"] == -1.0  # no presynaptic cells
    by_area = sample_summary(realisation, by_area=True)
    assert list(by_area.index) == [("C1", "L5tt"), ("C1", "VPM"), ("C1", "L1"), ("C2", "L5tt")]
    np.testing.assert_array_equal(
        by_area.loc[("C2", "L5tt")].to_numpy(), _reference_row([realisation.populations[1]])
    )


@pytest.fixture(scope="module")
def sequential(setup86) -> Embedding:
    return embed(setup86, n_samples=10, seed=8, parallel=Parallel(backend="sequential", progress=False))


def test_embedding_builds_realisations_and_summaries_on_use(setup86, sequential) -> None:
    assert sequential.n_samples == 10 and "realisations" not in sequential._cache
    assert_same_realisation(sequential.chosen, setup86.realise(8, sequential.representative))
    assert "realisations" not in sequential._cache  # the representative alone was built
    for i, realisation in enumerate(sequential.realisations):
        assert_same_realisation(realisation, setup86.realise(8, i))
        assert sequential.summaries[i].equals(sample_summary(realisation))
    assert sequential.realisation(3) is sequential.realisations[3]
    assert sequential.chosen is sequential.realisations[sequential.representative]
    counts = sequential.synapse_counts()
    assert list(counts.columns) == sorted(counts.columns)
    rows = [r.synapses_per_cell_type() for r in sequential.realisations]
    assert counts.to_dict(orient="records") == rows
    assert sequential.representative == representative_sample(rows)


@pytest.mark.parametrize("batch_size", [None, 3, 64])
def test_two_workers_any_batch_size_give_the_same_embedding(setup86, sequential, batch_size) -> None:
    parallel = embed(
        setup86, n_samples=10, seed=8, parallel=Parallel(backend="loky", workers=2, batch_size=batch_size,
                                                         progress=False)
    )
    assert parallel.representative == sequential.representative
    np.testing.assert_array_equal(parallel.summary_values, sequential.summary_values)
    for a, b in zip(parallel.compact, sequential.compact):
        assert a.sample == b.sample
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.point, b.point)
        np.testing.assert_array_equal(a.presynaptic_cell, b.presynaptic_cell)

