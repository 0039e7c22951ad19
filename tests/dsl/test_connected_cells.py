"""Tests of ``NumberOfConnectedCells.csv`` (LEGACY_FORMATS §5.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.dsl.con_file import read_con
from isf.dsl.connected_cells import (
    COLUMNS,
    HEADER,
    connected_cells_from_con,
    format_connected_cells,
    parse_connected_cells,
    read_connected_cells,
    split_population_name,
    write_connected_cells,
)
from isf.dsl.param_format import read_param
from isf.errors import LegacyFormatError
from isf.model.cell_types import CELL_TYPES, EXCITATORY_CELL_TYPES, INHIBITORY_CELL_TYPES
from isf.model.synapse import Connectivity


@pytest.fixture(scope="module")
def embedding(shared_data: Path) -> Path:
    return shared_data / "embedding" / "86_C2_center"


def test_constants() -> None:
    assert len(CELL_TYPES) == 22 and len(set(CELL_TYPES)) == 22
    assert set(CELL_TYPES) == set(EXCITATORY_CELL_TYPES) | set(INHIBITORY_CELL_TYPES)
    assert not set(EXCITATORY_CELL_TYPES) & set(INHIBITORY_CELL_TYPES)
    assert len(COLUMNS) == 24 and list(COLUMNS) == sorted(COLUMNS)


@pytest.mark.shared
def test_shared_file(embedding: Path) -> None:
    counts = read_connected_cells(embedding / "NumberOfConnectedCells.csv")
    assert set(counts) == set(CELL_TYPES)
    assert all(set(per_column) == set(COLUMNS) for per_column in counts.values())
    assert counts["L4py"]["A1"] == 8
    assert counts["L4py"]["C2"] == 374
    assert counts["L5tt"]["C2"] == 379
    assert sum(1 for per in counts.values() for n in per.values() if n) == 278
    # the file is in ISF's layout: re-formatting gives the same rows (row order within a column is free)
    text = (embedding / "NumberOfConnectedCells.csv").read_text()
    ours = format_connected_cells(counts)
    assert ours.splitlines()[0] == text.splitlines()[0] == HEADER
    assert sorted(ours.splitlines()) == sorted(text.splitlines())
    assert [r.split("\t")[0] for r in ours.splitlines()[1:]] == [r.split("\t")[0] for r in text.splitlines()[1:]]


@pytest.mark.shared
def test_shared_counts_versus_con_and_network(embedding: Path, shared_data: Path) -> None:
    """Data fact: the shipped CSV was not derived from the shipped .con.

    Both name the same 278 populations, and the CSV equals ``cellNr`` of network.param, but for
    156 populations the CSV counts more cells than the .con has distinct cell IDs (never fewer):
    24,780 cells in the CSV versus 19,704 in the .con. The .con's cell IDs are still all below
    cellNr, so the network is consistent.
    """
    csv = read_connected_cells(embedding / "NumberOfConnectedCells.csv")
    _, con = read_con(embedding / "example_embedding_86_C2_center.con")
    derived = connected_cells_from_con(con)
    assert sum(len(v) for v in derived.values()) == 278
    assert sum(sum(v.values()) for v in derived.values()) == 19704
    assert sum(sum(v.values()) for v in csv.values()) == 24780
    larger = [(t, c) for t in csv for c in csv[t] if csv[t][c] != derived.get(t, {}).get(c, 0)]
    assert len(larger) == 156
    assert all(csv[t][c] > derived[t][c] for t, c in larger)
    network = read_param(shared_data / "network" / "network.param")["network"]
    for name, population in network.items():
        celltype, column = split_population_name(name)
        assert population["cellNr"] == csv[celltype][column]
        assert population["cellNr"] > int(con[name].cell_id.max())


def test_from_con_counts_distinct_cells() -> None:
    con = {"L5tt_C2": Connectivity([0, 0, 3, 1], [0, 1, 2, 3]), "L5tt_D1": Connectivity([2], [0]),
           "VPM_C2": Connectivity.empty(), "L45Peak_Alpha": Connectivity([0, 1], [0, 1])}
    assert connected_cells_from_con(con) == {"L5tt": {"C2": 3, "D1": 1}, "VPM": {"C2": 0}, "L45Peak": {"Alpha": 2}}


def test_split_population_name() -> None:
    assert split_population_name("L45Peak_C2") == ("L45Peak", "C2")
    assert split_population_name("a_b_c") == ("a", "b_c")
    for bad in ("L5tt", "_C2", "L5tt_"):
        with pytest.raises(ValueError, match="<celltype>_<column>"):
            split_population_name(bad)


def test_format_fills_zeros_and_sorts_by_column(tmp_path: Path) -> None:
    text = format_connected_cells({"VPM": {"C2": 5}, "Foo": {"C2": 1, "Zeta": 2}, "L1": {"A1": 3}})
    lines = text.splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 22 * 24 + 2
    columns = [line.split("\t")[0] for line in lines[1:]]
    assert columns == sorted(columns)
    c2 = [line for line in lines[1:] if line.startswith("C2\t")]
    assert [r.split("\t")[1] for r in c2] == [*CELL_TYPES, "Foo"]
    assert "C2\tVPM\t5" in c2 and "A1\tL1\t3" in lines and lines[-1] == "Zeta\tFoo\t2"
    assert format_connected_cells({"VPM": {"C2": 5}}, fill_zeros=False) == HEADER + "\nC2\tVPM\t5\n"
    write_connected_cells(tmp_path / "N.csv", {"VPM": {"C2": 5}})
    assert read_connected_cells(tmp_path / "N.csv")["VPM"]["C2"] == 5


@pytest.mark.parametrize("counts", [{"VPM": {"C2": -1}}, {"VPM": {"C2": 1.5}}, {"VPM": {"C2": True}},
                                    {"V PM": {"C2": 1}}, {"VPM": {"": 1}}])
def test_format_rejects(counts: dict) -> None:
    with pytest.raises(ValueError):
        format_connected_cells(counts)


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ("C2\tVPM\n", 2, "found 2"),
        ("C2\tVPM\t1\t2\n", 2, "found 4"),
        ("C2\tVPM\t1\n\nC2\tL1\tmany\n", 4, "cell count 'many' is not an integer"),
        ("C2\tVPM\t-4\n", 2, "negative"),
        ("C2\tVPM\t1\nC2\tVPM\t2\n", 3, "VPM in column C2 is listed twice"),
        ("C2\t \t1\n", 2, "empty column or cell type"),
    ],
)
def test_parse_errors(rows: str, line: int, reason: str) -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_connected_cells(HEADER + "\n" + rows, "N.csv")
    assert (info.value.filename, info.value.line) == ("N.csv", line)
    assert reason in info.value.reason


def test_first_line_is_skipped_whatever_it_says(tmp_path: Path) -> None:
    assert parse_connected_cells("anything\nC2\tVPM\t3\n") == {"VPM": {"C2": 3}}
    with pytest.raises(FileNotFoundError):
        read_connected_cells(tmp_path / "none.csv")


_words = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_words, st.dictionaries(_words, st.integers(0, 10**5), min_size=1, max_size=5), max_size=5),
       st.booleans())
def test_round_trip(counts: dict, fill_zeros: bool) -> None:
    back = parse_connected_cells(format_connected_cells(counts, fill_zeros))
    for celltype, per_column in counts.items():
        assert back[celltype] | per_column == back[celltype]
    if not fill_zeros:
        assert back == counts
    else:
        assert sum(len(v) for v in back.values()) >= 22 * 24
