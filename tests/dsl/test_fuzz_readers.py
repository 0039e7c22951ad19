"""Fuzzing every legacy reader (issue 14 part 4): random text and mutations of real files (bytes
deleted, duplicated or flipped, lines truncated or swapped) either read or raise one of isf's
documented errors (:class:`isf.errors.IsfError`, mostly ``LegacyFormatError`` naming file and line),
never a bare ``IndexError``/``KeyError``/``UnicodeDecodeError``/``OverflowError``/….

The real samples are the legacy files shipped in :mod:`isf.data` (cell 86, its network embedding, the
synthetic connectome) and, marked ``shared``, the legacy simrun output in the shared data. Large files
are cut to their first lines so that each example stays fast; examples are bounded so the whole set
adds well under a minute to CI.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isf.errors import IsfError

# readers warn about keys they ignore (documented behaviour); mutated files trigger that often
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

DATA = Path(__file__).resolve().parents[2] / "isf" / "data"
SIMRUN = Path("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240")

#: ``ISF_FUZZ_EXAMPLES=2000`` (and ``ISF_FUZZ_RANDOM=1`` for new examples each run) fuzzes harder locally
FUZZ = settings(max_examples=int(os.environ.get("ISF_FUZZ_EXAMPLES", "25")), deadline=None,
                derandomize=not os.environ.get("ISF_FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def _workdir() -> Path:
    """One scratch folder for the files the examples write (hypothesis re-runs a test body many times;
    a function-scoped ``tmp_path`` would be shared by all of them anyway)."""
    return Path(tempfile.mkdtemp(prefix="isf-fuzz-"))


def _head(path: Path, n_lines: int | None) -> bytes:
    data = path.read_bytes()
    if n_lines is None:
        return data
    return b"".join(data.splitlines(keepends=True)[:n_lines])


# ------------------------------------------------------------------------------------- readers
# each: file suffix, reader(path) and the real sample (bytes)


def _read_hoc(path: Path) -> Any:
    from isf.dsl.hoc import read_hoc
    return read_hoc(path)


def _read_swc(path: Path) -> Any:
    from isf.dsl.swc import read_swc
    return read_swc(path)


def _read_syn(path: Path) -> Any:
    from isf.dsl.syn_file import read_syn_file
    return read_syn_file(path)


def _read_con(path: Path) -> Any:
    from isf.dsl.con_file import read_con
    return read_con(path)


def _read_connected_cells(path: Path) -> Any:
    from isf.dsl.connected_cells import read_connected_cells
    return read_connected_cells(path)


def _read_amira(path: Path) -> Any:
    from isf.dsl.amira import read_amira_field
    return read_amira_field(path)


def _read_landmarks(path: Path) -> Any:
    from isf.dsl.landmark import read_landmarks
    return read_landmarks(path)


def _read_cell_counts(path: Path) -> Any:
    from isf.dsl.connectome_tables import read_cell_counts
    return read_cell_counts(path)


def _read_connections(path: Path) -> Any:
    from isf.dsl.connectome_tables import read_connections
    return read_connections(path)


def _read_summary(path: Path) -> Any:
    from isf.dsl.connectome_tables import read_summary
    return read_summary(path)


def _read_cell_param(path: Path) -> Any:
    from isf.dsl.cell_param import read_cell_param
    return read_cell_param(path, search_roots=[DATA / "cell86"])


@functools.cache
def _morphology86() -> Any:
    from isf.dsl.hoc import read_hoc
    return read_hoc(DATA / "cell86" / "86_C2_center.hoc")


def _read_network_param(path: Path) -> Any:
    from isf.dsl.network_param import read_network_param
    return read_network_param(path, _morphology86(), search_roots=[_small_embedding()])


@functools.cache
def _small_embedding() -> Path:
    """The shipped embedding cut to its first rows, so that every network example reads fast."""
    folder = _workdir() / "embedding"
    folder.mkdir(exist_ok=True)
    for name in ("example_embedding_86_C2_center.syn", "example_embedding_86_C2_center.con"):
        (folder / name).write_bytes(_head(DATA / "network_c2" / name, 400))
    return folder


def _small_network_param() -> bytes:
    from isf.dsl.param_format import format_param, parse_param

    params = parse_param((DATA / "network_c2" / "network.param").read_text())
    network = params["network"]
    params["network"] = {name: network[name] for name in list(network)[:3]}
    return format_param(params).encode()


def _summary_sample() -> bytes:
    import pandas as pd

    from isf.dsl.connectome_tables import format_summary

    table = pd.DataFrame({"EXC": [1.5, 2.0], "INH": [0.5, 0.25]}, index=pd.Index(["L5tt", "VPM"], name="type"))
    return format_summary({"Synapses per type": table, "Cells per type": table * 2}).encode()


def _swc_sample() -> bytes:
    from isf.dsl.swc import format_swc
    return format_swc(_morphology86()).encode()


def _read_synapse_activations(path: Path) -> Any:
    from isf.dsl.simrun_files import read_synapse_activation_file
    return read_synapse_activation_file(path)


def _read_presynaptic_spikes(path: Path) -> Any:
    from isf.dsl.simrun_files import read_presynaptic_spike_file
    return read_presynaptic_spike_file(path)


def _read_traces(path: Path) -> Any:
    from isf.dsl.simrun_files import read_trace_file
    return read_trace_file(path)


Sample = Callable[[], bytes]
READERS: dict[str, tuple[str, Callable[[Path], Any], Sample]] = {
    "hoc": (".hoc", _read_hoc, lambda: _head(DATA / "hay89" / "89_C2.hoc", 3000)),
    "swc": (".swc", _read_swc, lambda: b"".join(_swc_sample().splitlines(keepends=True)[:600])),
    "syn": (".syn", _read_syn, lambda: _head(DATA / "network_c2" / "example_embedding_86_C2_center.syn", 300)),
    "con": (".con", _read_con, lambda: _head(DATA / "network_c2" / "example_embedding_86_C2_center.con", 300)),
    "connected_cells": (".csv", _read_connected_cells, lambda: _head(DATA / "network_c2" / "NumberOfConnectedCells.csv",
                                                                    None)),
    "amira": (".am", _read_amira, lambda: _head(DATA / "synthetic_connectome" / "PST" / "EXNormalizationPSTs.am",
                                                None)),
    "landmark": (".landmarkAscii", _read_landmarks,
                 lambda: _head(DATA / "cell86" / "apical_proximal_distal_rec_sites.landmarkAscii", None)),
    "cell_counts": (".csv", _read_cell_counts, lambda: _head(DATA / "synthetic_connectome" / "nrCells.csv", None)),
    "connections": (".csv", _read_connections,
                    lambda: _head(DATA / "synthetic_connectome" / "ConnectionsV8.csv", None)),
    "summary": (".csv", _read_summary, _summary_sample),
    "cell_param": (".param", _read_cell_param, lambda: _head(DATA / "cell86" / "86_C2_center.param", None)),
    "network_param": (".param", _read_network_param, _small_network_param),
}
#: readers whose real sample is in the shared data (legacy simrun output)
SHARED_READERS: dict[str, tuple[str, Callable[[Path], Any], str]] = {
    "synapse_activations": (".csv", _read_synapse_activations, "simulation_run0000_synapses.csv"),
    "presynaptic_spikes": (".csv", _read_presynaptic_spikes, "simulation_run0000_presynaptic_cells.csv"),
    "traces": (".csv", _read_traces, "20240_vm_all_traces.csv"),
}


# ----------------------------------------------------------------------------------- mutations


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with 1–4 random edits: a byte range deleted or duplicated, a byte flipped, a line
    truncated, two lines swapped, or random bytes inserted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "flip", "truncate_line", "swap_lines", "insert",
                                     "cut_end"]))
        n = len(data)
        if kind in ("delete", "duplicate", "flip", "insert", "cut_end") and n:
            at = draw(st.integers(0, n - 1))
            if kind == "delete":
                del data[at:at + draw(st.integers(1, 64))]
            elif kind == "duplicate":
                data[at:at] = data[at:at + draw(st.integers(1, 64))]
            elif kind == "flip":
                data[at] = draw(st.integers(0, 255))
            elif kind == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=16))
            else:
                del data[at:]
        else:
            lines = bytes(data).splitlines(keepends=True)
            if not lines:
                continue
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "truncate_line":
                lines[i] = lines[i][:draw(st.integers(0, max(0, len(lines[i]) - 1)))]
            else:
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"".join(lines))
    return bytes(data)


def _tokens(sample: bytes) -> list[str]:
    text = sample[:20_000].decode("utf-8", errors="replace")
    return sorted(set(re.findall(r"[A-Za-z_]+|-?\d+(?:\.\d+)?(?:e-?\d+)?|[^\sA-Za-z_\d]", text)))[:400] or ["x"]


def random_text(sample: bytes) -> st.SearchStrategy[str]:
    """Text made of the sample's own tokens, separators and arbitrary snippets (nan, inf, huge numbers)."""
    pieces = st.one_of(
        st.sampled_from(_tokens(sample)),
        st.sampled_from(["\t", " ", "\n", "\r\n", ",", "#", "{", "}", "(", ")", "[", "]", ":", "@1", "\"",
                         "nan", "inf", "-inf", "1e999", "-1", "0", "99999999999999999999", "1.5", "\x00", "é"]),
        st.text(max_size=6),
    )
    return st.lists(pieces, max_size=80).map("".join)


# -------------------------------------------------------------------------------------- checks


def _read(name: str, suffix: str, reader: Callable[[Path], Any], data: bytes) -> None:
    path = _workdir() / f"fuzz_{name}{suffix}"
    path.write_bytes(data)
    try:
        reader(path)
    except IsfError:
        pass  # a documented error: what the fuzzing allows


@functools.cache
def _sample(name: str) -> bytes:
    return READERS[name][2]()


@pytest.mark.parametrize("name", sorted(READERS))
def test_real_sample_reads(name: str) -> None:
    suffix, reader, _ = READERS[name]
    path = _workdir() / f"sample_{name}{suffix}"
    path.write_bytes(_sample(name))
    reader(path)


@pytest.mark.parametrize("name", sorted(READERS))
def test_mutated_real_files(name: str) -> None:
    suffix, reader, _ = READERS[name]

    @FUZZ
    @given(data=mutated(_sample(name)))
    def check(data: bytes) -> None:
        _read(name, suffix, reader, data)

    check()


@pytest.mark.parametrize("name", sorted(READERS))
def test_random_text(name: str) -> None:
    suffix, reader, _ = READERS[name]

    @FUZZ
    @given(text=random_text(_sample(name)))
    def check(text: str) -> None:
        _read(name, suffix, reader, text.encode("utf-8", errors="surrogatepass"))

    check()


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SHARED_READERS))
def test_mutated_simrun_files(name: str, shared_data: Path) -> None:
    suffix, reader, file_name = SHARED_READERS[name]
    sample = _head(shared_data / SIMRUN / file_name, 60)
    reader_path = _workdir() / f"sample_{name}{suffix}"
    reader_path.write_bytes(sample)
    reader(reader_path)

    @FUZZ
    @given(data=st.one_of(mutated(sample), random_text(sample).map(lambda t: t.encode("utf-8", "surrogatepass"))))
    def check(data: bytes) -> None:
        _read(name, suffix, reader, data)

    check()


# ------------------------------------------------------------------ .param readers, structure-aware
# Byte mutations of a .param mostly stop at its syntax (fuzzed in test_param_format.py); these mutate
# the parsed document instead, so the cell and network readers see wrong types, missing or renamed
# keys and odd numbers in every block.

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), st.text(max_size=8),
    st.sampled_from(["", "nan", "dynamic", "uniform", "linear", "exponential", "sigmoid", "Soma", "AIS",
                     "L5tt_C2", "/nowhere/x.hoc", "spiketrain", "pointcell"]),
    st.lists(st.one_of(st.integers(-3, 3), st.floats(), st.text(max_size=3)), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(-3, 3), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, item in node.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            out.extend(_paths(item, (*prefix, i)))
    return out


@st.composite
def mutated_document(draw: st.DrawFn, document: Any) -> Any:
    """``document`` (a parsed .param) with 1–3 nodes replaced by odd values, deleted or renamed."""
    import copy

    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
        if op == "replace":
            parent[key] = draw(LEAVES)
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = parent.pop(key)
    return doc


def _document(name: str) -> Any:
    from isf.dsl.param_format import parse_param
    return parse_param(_sample(name).decode())


def test_mutated_cell_param_documents() -> None:
    from isf.dsl.cell_param import cell_from_param_dict

    @FUZZ
    @given(doc=mutated_document(_document("cell_param")))
    def check(doc: Any) -> None:
        try:
            cell_from_param_dict(doc, str(_workdir() / "cell.param"), [DATA / "cell86"], morphology=_morphology86())
        except IsfError:
            pass

    check()


def test_mutated_network_param_documents() -> None:
    from isf.dsl.network_param import network_from_param_dict

    @FUZZ
    @given(doc=mutated_document(_document("network_param")))
    def check(doc: Any) -> None:
        try:
            network_from_param_dict(doc, _morphology86(), str(_workdir() / "network.param"), [_small_embedding()])
        except IsfError:
            pass

    check()
