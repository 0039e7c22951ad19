"""Tests of the ``.con`` reader/writer (LEGACY_FORMATS §5.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.dsl.con_file import format_con, parse_con, read_con, write_con
from isf.dsl.syn_file import read_syn
from isf.errors import LegacyFormatError
from isf.model.synapse import Connectivity

HEADER = ("# Anatomical connectivity realization file; only valid with synapse realization:\n"
          "# cell.syn\n# Type - cell ID - synapse ID\n\n")


@pytest.fixture(scope="module")
def embedding(shared_data: Path) -> Path:
    return shared_data / "embedding" / "86_C2_center"


@pytest.mark.shared
def test_shared_file(embedding: Path) -> None:
    path = embedding / "example_embedding_86_C2_center.con"
    anatomical_id, con = read_con(path)
    # line 2 names '86_C2_center.syn', not the .syn it ships with: ISF does not check it either
    assert anatomical_id == "86_C2_center.syn"
    assert len(con) == 278
    assert sum(len(c) for c in con.values()) == 24780
    assert list(con)[0] == "L6cc_A3"
    assert con["L6cc_A3"].cell_id[:4].tolist() == [0, 1, 2, 3]
    # every synapse of the .syn is owned by exactly one presynaptic cell; cell IDs are 0..n-1
    syn = read_syn(embedding / "example_embedding_86_C2_center.syn")
    assert set(syn) == set(con)
    for name, rows in con.items():
        assert sorted(rows.synapse_id.tolist()) == list(range(len(syn[name][0])))
        assert np.unique(rows.cell_id).tolist() == list(range(int(rows.cell_id.max()) + 1))
    # written back byte for byte
    assert format_con(con, anatomical_id) == path.read_text()


def test_parse_rows_in_file_order() -> None:
    con_id, con = parse_con(HEADER + "A_C2\t0\t3\nB_D1\t1\t0\n\n  A_C2\t2\t1  \n# later comment\n")
    assert con_id == "cell.syn"
    assert list(con) == ["A_C2", "B_D1"]
    assert con["A_C2"] == Connectivity([0, 2], [3, 1])
    assert con["B_D1"] == Connectivity([1], [0])


def test_anatomical_id_is_last_token_of_second_nonempty_line() -> None:
    assert parse_con("\n# first\n\n# only valid with: some dir/x.syn\n")[0] == "dir/x.syn"
    assert parse_con("# one line\nA_B\t0\t0\n")[0] is None  # line 2 is data: no ID
    assert parse_con("")[0] is None


def test_write_layout(tmp_path: Path) -> None:
    path = tmp_path / "c.CON"
    write_con(path, {"A_C2": Connectivity([0, 1], [1, 0]), "B_C2": Connectivity.empty()}, "cell.syn")
    assert path.read_text() == HEADER + "A_C2\t0\t1\nA_C2\t1\t0\n"
    assert read_con(path) == ("cell.syn", {"A_C2": Connectivity([0, 1], [1, 0])})


def test_write_rejects(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="without whitespace"):
        format_con({}, "my cell.syn")
    with pytest.raises(ValueError, match="without whitespace"):
        format_con({"A B": Connectivity.empty()}, "c.syn")
    with pytest.raises(ValueError, match="expected a Connectivity"):
        format_con({"A_B": ([0], [0])}, "c.syn")  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"\.con or \.CON"):
        write_con(tmp_path / "c.txt", {}, "c.syn")


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ("A_B\t0\n", 5, "found 2"),
        ("A_B\t0\t1\t2\n", 5, "found 4"),
        ("A_B\t0\t1\n\nA_B 0 1\n", 7, "found 1"),
        ("A_B\tx\t1\n", 5, "cell ID 'x' is not an integer"),
        ("A_B\t0\t1.0\n", 5, "synapse ID '1.0' is not an integer"),
        ("A_B\t-1\t1\n", 5, "cell ID -1 is negative"),
        ("A_B\t0\t-3\n", 5, "synapse ID -3 is negative"),
    ],
)
def test_parse_errors_name_file_and_line(rows: str, line: int, reason: str) -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_con(HEADER + rows, "f.con")
    assert (info.value.filename, info.value.line) == ("f.con", line)
    assert reason in info.value.reason


def test_read_checks_extension_and_existence(tmp_path: Path) -> None:
    bad = tmp_path / "a.syn"
    bad.write_text(HEADER)
    with pytest.raises(LegacyFormatError, match=r"must end in \.con or \.CON"):
        read_con(bad)
    with pytest.raises(FileNotFoundError, match="missing.con"):
        read_con(tmp_path / "missing.con")


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}_[A-Za-z0-9]{1,6}", fullmatch=True)
_rows = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=20)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, _rows, max_size=6),
       st.from_regex(r"[A-Za-z0-9_.\-]{1,20}", fullmatch=True))
def test_round_trip(rows: dict, syn_name: str) -> None:
    con = {k: Connectivity([r[0] for r in v], [r[1] for r in v]) for k, v in rows.items()}
    anatomical_id, back = parse_con(format_con(con, syn_name))
    assert anatomical_id == syn_name
    assert list(back) == list(con)
    assert back == con
