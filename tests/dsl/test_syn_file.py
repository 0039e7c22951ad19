"""Tests of the ``.syn`` reader/writer (LEGACY_FORMATS §5.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.dsl.syn_file import format_syn, parse_syn, read_syn, read_syn_file, write_syn
from isf.errors import LegacyFormatError

HEADER = "# Synapse distribution file\n# corresponding to cell: cell\n# Type - section - section.x\n\n"


@pytest.fixture(scope="module")
def shared_syn(shared_data: Path) -> Path:
    return shared_data / "embedding" / "86_C2_center" / "example_embedding_86_C2_center.syn"


@pytest.mark.shared
def test_shared_file(shared_syn: Path) -> None:
    syn = read_syn_file(shared_syn)
    assert syn.cell_name == "86_C2_center"
    assert not syn.has_pruned_column
    assert syn.n_synapses == 24780
    assert len(syn.populations) == 278
    ids, x = syn.populations["VPM_E1"]
    assert ids[:4].tolist() == [112, 130, 130, 9]
    assert x[:4].tolist() == [0.138046479525, 0.305058053119, 0.190509288017, 0.368760777084]
    assert ids.dtype == np.int64 and x.dtype == np.float64
    assert not any(flags.any() for flags in syn.pruned.values())
    # read_syn gives the same populations
    plain = read_syn(shared_syn)
    assert list(plain) == list(syn.populations)


@pytest.mark.shared
def test_shared_file_is_rewritten_byte_for_byte(shared_syn: Path) -> None:
    # The file's Python-2 str numbers (12 significant digits) are what repr gives back.
    syn = read_syn_file(shared_syn)
    assert syn.cell_name is not None
    assert format_syn(syn.populations, syn.cell_name) == shared_syn.read_text()


def test_synapse_id_is_rank_within_type_and_types_may_interleave() -> None:
    text = HEADER + "A_C2\t1\t0.5\nB_C2\t2\t0.25\nA_C2\t3\t0.75\n  # comment\n\n  B_C2\t4\t1\n"
    syn = parse_syn(text)
    assert list(syn.populations) == ["A_C2", "B_C2"]
    assert syn.populations["A_C2"][0].tolist() == [1, 3]
    assert syn.populations["A_C2"][1].tolist() == [0.5, 0.75]
    assert syn.populations["B_C2"][0].tolist() == [2, 4]
    assert syn.populations["B_C2"][1].tolist() == [0.25, 1.0]
    assert syn.cell_name == "cell"


def test_crlf_and_missing_header() -> None:
    syn = parse_syn("A_C2\t0\t0.0\r\nA_C2\t1\t1.0\r\n")
    assert syn.populations["A_C2"][0].tolist() == [0, 1]
    assert syn.cell_name is None


def test_empty_file() -> None:
    syn = parse_syn(HEADER)
    assert syn.populations == {} and syn.n_synapses == 0


def test_pruned_variant(tmp_path: Path) -> None:
    text = HEADER.replace("section.x", "section.x - pruned") + "A_C2\t1\t0.5\t0\nA_C2\t2\t0.5\t1\nB_D1\t3\t0.1\t1\n"
    path = tmp_path / "p.syn"
    path.write_text(text)
    syn = read_syn_file(path)
    assert syn.has_pruned_column
    assert syn.pruned["A_C2"].tolist() == [False, True]
    assert syn.pruned["B_D1"].tolist() == [True]
    # read_syn accepts the variant and drops the flags
    assert read_syn(path)["A_C2"][0].tolist() == [1, 2]
    # written back exactly
    assert format_syn(syn.populations, "cell", syn.pruned) == text


def test_write_layout_and_clamping(tmp_path: Path) -> None:
    path = tmp_path / "out.SYN"
    write_syn(path, {"L5tt_C2": ([0, 3], [-0.25, 0.1]), "VPM_C2": (np.array([7]), np.array([1.5]))}, "86_C2_center")
    assert path.read_text() == (
        "# Synapse distribution file\n# corresponding to cell: 86_C2_center\n# Type - section - section.x\n\n"
        "L5tt_C2\t0\t0.0\nL5tt_C2\t3\t0.1\nVPM_C2\t7\t1.0\n"
    )


def test_write_pruned_defaults_to_not_pruned() -> None:
    text = format_syn({"A_B": ([1], [0.5]), "C_D": ([2], [0.5])}, "c", pruned={"A_B": [True]})
    assert text.endswith("A_B\t1\t0.5\t1\nC_D\t2\t0.5\t0\n")
    assert "# Type - section - section.x - pruned\n" in text


@pytest.mark.parametrize(
    ("populations", "message"),
    [
        ({"A B": ([1], [0.5])}, "whitespace"),
        ({"#A_B": ([1], [0.5])}, "'#'"),
        ({"": ([1], [0.5])}, "non-empty"),
        ({"A_B": ([1, 2], [0.5])}, "2 section IDs but 1 x"),
        ({"A_B": ([1.5], [0.5])}, "integers"),
        ({"A_B": (["1"], [0.5])}, "integers"),
        ({"A_B": ([-1], [0.5])}, ">= 0"),
        ({"A_B": ([1], [float("nan")])}, "nan"),
        ({"A_B": [1]}, "pair"),
    ],
)
def test_write_rejects(populations: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        format_syn(populations, "cell")


def test_write_rejects_pruned_length_and_bad_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1 pruned flags for 2 synapses"):
        format_syn({"A_B": ([1, 2], [0.5, 0.5])}, "c", pruned={"A_B": [True]})
    with pytest.raises(ValueError, match="single line"):
        format_syn({}, "a\nb")
    with pytest.raises(ValueError, match=r"\.syn or \.SYN"):
        write_syn(tmp_path / "x.txt", {}, "c")
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ("A_B\t1\n", 5, "found 2"),
        ("A_B\t1\t0.5\t0\t9\n", 5, "found 5"),
        ("A_B\t1 0.5\n", 5, "found 2"),  # spaces are not separators
        ("A_B\t1\t0.5\nA_B\t1\t0.5\t0\n", 6, "like the first data row, found 4"),
        ("A_B\t1\t0.5\n\n# c\nA_B\tsoma\t0.5\n", 8, "section ID 'soma' is not an integer"),
        ("A_B\t1.0\t0.5\n", 5, "section ID '1.0' is not an integer"),
        ("A_B\t-2\t0.5\n", 5, "section ID -2 is negative"),
        ("A_B\t1\tx\n", 5, "x = 'x' is not a number"),
        ("A_B\t1\t1.5\n", 5, "outside [0, 1]"),
        ("A_B\t1\tnan\n", 5, "outside [0, 1]"),
        ("A_B\t1\t-0.1\n", 5, "outside [0, 1]"),
        ("A_B\t1\t0.5\t2\n", 5, "pruned flag '2' is not 0 or 1"),
        ("A_B\t1\t0.5\tyes\n", 5, "pruned flag 'yes'"),
        ("\t1\t0.5\n", 5, "found 2"),  # the line is stripped first, as by ISF
    ],
)
def test_parse_errors_name_file_and_line(rows: str, line: int, reason: str) -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_syn(HEADER + rows, "f.syn")
    assert info.value.filename == "f.syn"
    assert info.value.line == line
    assert reason in info.value.reason
    assert str(info.value).startswith(f"f.syn:{line}: ")


def test_read_checks_extension_and_existence(tmp_path: Path) -> None:
    bad = tmp_path / "a.txt"
    bad.write_text(HEADER)
    with pytest.raises(LegacyFormatError, match=r"must end in \.syn or \.SYN") as info:
        read_syn(bad)
    assert info.value.line is None and info.value.filename == str(bad)
    with pytest.raises(FileNotFoundError, match="missing.syn"):
        read_syn(tmp_path / "missing.syn")


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}_[A-Za-z0-9]{1,6}", fullmatch=True)
_rows = st.lists(
    st.tuples(st.integers(0, 10_000), st.floats(0.0, 1.0, allow_subnormal=True)), min_size=1, max_size=20
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, _rows, max_size=6), st.booleans(), st.data())
def test_round_trip(populations: dict, with_pruned: bool, data: st.DataObject) -> None:
    arrays = {k: (np.array([r[0] for r in v]), np.array([r[1] for r in v])) for k, v in populations.items()}
    pruned = None
    if with_pruned:
        pruned = {k: np.array(data.draw(st.lists(st.booleans(), min_size=len(v), max_size=len(v))))
                  for k, v in populations.items()}
    syn = parse_syn(format_syn(arrays, "cell_1", pruned))
    assert list(syn.populations) == list(arrays)
    for name, (ids, x) in arrays.items():
        np.testing.assert_array_equal(syn.populations[name][0], ids)
        np.testing.assert_array_equal(syn.populations[name][1], x)  # exact: repr round-trips
        expected = pruned[name] if pruned is not None else np.zeros(len(ids), bool)
        np.testing.assert_array_equal(syn.pruned[name], expected)
    assert syn.has_pruned_column == (with_pruned and bool(populations))
    assert syn.cell_name == "cell_1"


def test_round_trip_through_disk(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    populations = {f"L{i}_C2": (rng.integers(0, 200, 50), rng.random(50)) for i in range(3)}
    write_syn(tmp_path / "r.syn", populations, "86")
    back = read_syn(tmp_path / "r.syn")
    for name, (ids, x) in populations.items():
        np.testing.assert_array_equal(back[name][0], ids)
        np.testing.assert_array_equal(back[name][1], x)
