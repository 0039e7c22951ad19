"""Cell-number, connections and summary spreadsheets of the input mapper."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.data import synthetic_connectome
from isf.dsl.connectome_tables import (
    format_cell_counts,
    format_connections,
    format_summary,
    parse_cell_counts,
    parse_connections,
    parse_summary,
    read_cell_counts,
    read_connections,
)
from isf.errors import LegacyFormatError
from isf.model.pst import PSTDensities

names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    min_size=1,
    max_size=8,
)


@settings(max_examples=50, deadline=None)
@given(
    areas=st.lists(names, min_size=1, max_size=4, unique=True),
    types=st.lists(
        names.filter(lambda s: s != "CELL"), min_size=1, max_size=5, unique=True
    ),
    data=st.data(),
)
def test_cell_counts_round_trip(areas, types, data) -> None:
    counts = {a: {t: data.draw(st.integers(0, 10_000)) for t in types} for a in areas}
    parsed = parse_cell_counts(format_cell_counts(counts))
    assert (
        parsed == counts and list(parsed) == areas and list(parsed[areas[0]]) == types
    )


def test_cell_counts_legacy_layout() -> None:
    text = "some preamble\nCELL TYPE\tC2\tD2\nL5tt\t10\t3\nVPM\t5\t0\n"
    assert parse_cell_counts(text) == {
        "C2": {"L5tt": 10, "VPM": 5},
        "D2": {"L5tt": 3, "VPM": 0},
    }
    with pytest.raises(
        LegacyFormatError,
        match=r"x\.csv:3: cell count of L5tt in D2 'many' is not an integer",
    ):
        parse_cell_counts(text.replace("\t3\n", "\tmany\n"), "x.csv")
    with pytest.raises(LegacyFormatError, match="no header row"):
        parse_cell_counts("L5tt\t1\n")
    with pytest.raises(LegacyFormatError, match=":4: expected 3"):
        parse_cell_counts(text.replace("VPM\t5\t0", "VPM\t5"))


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0, 100, allow_nan=False), min_size=6, max_size=6))
def test_connections_round_trip(values) -> None:
    table = {
        "L5tt": {
            "EXC": PSTDensities("EXC", "L5tt", *values),
            "INH": PSTDensities("INH", "L5tt", *values[::-1]),
        }
    }
    assert parse_connections(format_connections(table)) == table


def test_connections_errors() -> None:
    row = "EXCITATORY\tL5tt\t0\t1\t2\t3\t4\t5"
    assert parse_connections(row)["L5tt"]["EXC"].apical_length == 1.0
    with pytest.raises(
        LegacyFormatError, match="names neither EXCITATORY nor INHIBITORY"
    ):
        parse_connections(row.replace("EXCITATORY", "MODULATORY"))
    with pytest.raises(
        LegacyFormatError, match="BASAL_AREA = '-5' must be a finite number >= 0"
    ):
        parse_connections(row.replace("\t5", "\t-5"))
    with pytest.raises(LegacyFormatError, match="listed twice"):
        parse_connections(row + "\n" + row)


def test_shipped_tables() -> None:
    counts = read_cell_counts(synthetic_connectome("nrCells.csv"))
    assert list(counts) == ["C2", "C1", "D2"] and counts["C2"]["L5tt"] == 240
    assert set(read_connections(synthetic_connectome("ConnectionsV8.csv"))) == {
        "L5tt",
        "L2",
    }


def test_summary_round_trip() -> None:
    a = pd.DataFrame(
        {"Number of synapses": [1.0, 2.5], "Convergence": [0.1, -1.0]},
        index=pd.Index(["L2", "VPM"], name="Presynaptic cell type"),
    )
    b = pd.DataFrame(
        {"Number of synapses": [3.0]},
        index=pd.MultiIndex.from_tuples(
            [("C2", "L2")], names=["Presynaptic column", "Presynaptic cell type"]
        ),
    )
    tables = parse_summary(format_summary({"first table": a, "second": b}))
    pd.testing.assert_frame_equal(tables["first table"], a)
    pd.testing.assert_frame_equal(tables["second"], b)
    with pytest.raises(LegacyFormatError, match="data before"):
        parse_summary("a\tb\n")
