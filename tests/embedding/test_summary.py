"""Representative-sample rule and summary statistics."""

from __future__ import annotations

import numpy as np
import pytest

from isf.embedding.summary import (
    SUMMARY_COLUMNS,
    population_summary,
    representative_sample,
    sample_summary,
)


def test_representative_rule_on_a_hand_made_table() -> None:
    # synapses per cell type (columns A, B) of 6 samples
    table = np.array(
        [[10, 100], [12, 104], [11, 100], [30, 101], [9, 98], [11, 102]], dtype=float
    )
    # means 13.833, 100.833; SDs (ddof 0) 7.172, 1.863. Sample 3 has |z_A| = 2.26 > 2: excluded
    # although its B is close. Σz² of the others: 0: 0.486, 1: 1.308, 2: 0.337, 4: 2.263, 5: 0.430.
    assert representative_sample(table) == 2
    as_dicts = [{"B": b, "A": a} for a, b in table]
    assert representative_sample(as_dicts) == 2


def test_representative_rule_without_any_sample_inside_two_sd() -> None:
    # with 2 samples every |z| is 1, so all are inside; make a case where all are outside:
    table = np.array(
        [[0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [100.0]]
    )
    z = (table - table.mean()) / table.std()
    assert (
        np.abs(z[-1]) > 2
    )  # the outlier is outside, the others inside → pick the first inside
    assert representative_sample(table) == 0
    extreme = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    assert representative_sample(extreme) == int(
        np.argmin((((extreme - extreme.mean(0)) / extreme.std(0)) ** 2).sum(1))
    )


def test_constant_counts_give_z_zero() -> None:
    assert representative_sample(np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]])) == 1


def test_sample_summary_counts(setup86) -> None:
    realisation = setup86.realise(seed=3, sample=0)
    table = sample_summary(realisation)
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert list(table.index) == [
        "L4ss",
        "L5tt",
        "VPM",
        "L45Sym",
        "SymLocal1",
    ]  # ISF's row order
    counts = realisation.synapses_per_cell_type()
    for celltype, row in table.iterrows():
        assert row["Number of synapses"] == counts[celltype]
        assert (
            row["Number of apical synapses"]
            + row["Number of basal synapses"]
            + row["Number of soma synapses"]
            == counts[celltype]
        )
        assert row["Total presynaptic cells"] == sum(
            p.n_cells for p in realisation.populations if p.cell_type == celltype
        )
        assert row["Convergence"] == pytest.approx(
            row["Connected presynaptic cells"] / row["Total presynaptic cells"]
        )
    by_area = sample_summary(realisation, by_area=True)
    assert by_area["Number of synapses"].sum() == realisation.n_synapses


def test_population_summary_quirk(setup86) -> None:
    summaries = [sample_summary(setup86.realise(seed=3, sample=i)) for i in range(3)]
    legacy = population_summary(summaries, legacy_compatible=True)
    fixed = population_summary(summaries, legacy_compatible=False)
    means = np.mean([s["Mean apical path length to soma"] for s in summaries], axis=0)
    sds = np.mean([s["SD apical path length to soma"] for s in summaries], axis=0)
    np.testing.assert_allclose(legacy["SD apical path length to soma"], means)
    np.testing.assert_allclose(fixed["SD apical path length to soma"], sds)
    assert "Total presynaptic cells STD" not in legacy.columns
