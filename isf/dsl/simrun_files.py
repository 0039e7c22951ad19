"""Text files written by ISF's legacy simulator (``simrun``), read and written in their exact layouts.

* Synapse activation file ``simulation_runNNNN_synapses.csv`` (LEGACY_FORMATS §5.4)::

      # synapse type\\tsynapse ID\\tsoma distance\\tsection ID\\tsection pt ID\\tdendrite label\\tactivation times
      L1_C1\\t19\\t1539.71545505\\t50\\t80\\tApicalDendrite\\t14.3144635349,

  and the older variant without the synapse ID column (6 columns, auto-detected; its rows get
  ``synapse_id = -1``).
* Presynaptic spike file ``simulation_runNNNN_presynaptic_cells.csv`` (§5.5)::

      # presynaptic cell type\\tcell ID\\tspike times
      L1_B1\\t6\\t174.863960609,281.277497845,

* Trace files ``*_vm_all_traces.csv`` / ``*_vm_dend_traces.csv`` (§7.2)::

      t\\tVm run 00\\tVm run 01\\t...
      100.0\\t-61.4607218758\\t-55.1366909604\\t...

Activations and presynaptic spikes are exchanged in *long form*: a dict of equal-length numpy
columns with one row per release (per spike), the layout of
:func:`isf.model.trial_result.activation_columns` and :func:`~isf.model.trial_result.presynaptic_columns`.
Writers emit the legacy order (types in Python string order, IDs ascending, times sorted, each time
followed by a comma) and write numbers with ``repr``, so ``read(write(columns))`` gives back every
value exactly, in that canonical order. Readers raise :class:`~isf.errors.LegacyFormatError`
naming the file and line.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.dsl.atomic import atomic_write_text
from isf.errors import ArgumentValueError, LegacyFormatError

#: Column names of the long-form synapse activation columns (as ``activation_columns``).
ACTIVATION_COLUMNS = ("population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id", "label",
                      "time_ms")
#: Column names of the long-form presynaptic spike columns (as ``presynaptic_columns``).
PRESYNAPTIC_COLUMNS = ("population", "cell_id", "time_ms")

SYNAPSE_HEADER = ("# synapse type\tsynapse ID\tsoma distance\tsection ID\tsection pt ID\tdendrite label\t"
                  "activation times")
#: Header of the old variant without synapse IDs (the legacy reader ignores header text).
OLD_SYNAPSE_HEADER = "# synapse type\tsoma distance\tsection ID\tsection pt ID\tdendrite label\tactivation times"
PRESYNAPTIC_HEADER = "# presynaptic cell type\tcell ID\tspike times"

_RUN_LABEL = re.compile(r"Vm run (\d+)")
_FORBIDDEN = re.compile(r"[\t\r\n,]")

Columns = dict[str, NDArray[np.generic]]


# ----------------------------------------------------------------------------------------------
# shared helpers


def _lines(text: str) -> list[str]:
    """Lines without their terminator (``\\n`` or ``\\r\\n``); a final terminator adds no line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _data_rows(
    text: str, filename: str | None, counts: tuple[int, ...], row_has: str
) -> Iterator[tuple[int, list[str]]]:
    """``(line number, TAB-separated fields)`` of each row that is not blank or a ``#`` comment (trailing
    blanks dropped); a row whose field count is not in ``counts`` is an error that says ``row_has``."""
    for line_no, raw in enumerate(_lines(text), start=1):
        line = raw.rstrip(" ")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in counts:
            raise LegacyFormatError(filename, line_no, f"{len(fields)} tab-separated fields; {row_has}")
        yield line_no, fields


def _read_text(path: str | os.PathLike[str]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LegacyFormatError(path, None, f"not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None


def _times(field: str, filename: str | None, line_no: int, what: str) -> list[float]:
    """Comma-separated floats; empty items (the trailing comma) are skipped, as the legacy reader does."""
    out = []
    for item in field.split(","):
        item = item.strip()
        if item:
            try:
                out.append(float(item))
            except ValueError:
                raise LegacyFormatError(filename, line_no, f"{what}: {item!r} is not a number") from None
    return out


def _int(field: str, filename: str | None, line_no: int, what: str) -> int:
    try:
        return int(field)
    except ValueError:
        raise LegacyFormatError(filename, line_no, f"{what}: {field!r} is not an integer") from None


def _float(field: str, filename: str | None, line_no: int, what: str) -> float:
    try:
        return float(field)
    except ValueError:
        raise LegacyFormatError(filename, line_no, f"{what}: {field!r} is not a number") from None


def _column(columns: Mapping[str, ArrayLike], name: str, n: int | None) -> NDArray[np.generic]:
    if name not in columns:
        raise ArgumentValueError(f"missing column {name!r}: need {', '.join(ACTIVATION_COLUMNS)}")
    array = np.asarray(columns[name])
    if array.ndim != 1 or (n is not None and array.shape[0] != n):
        raise ArgumentValueError(f"column {name!r} must be 1-D with {n} rows, got shape {array.shape}")
    return array


def _names(values: NDArray[np.generic], what: str) -> list[str]:
    out = [str(v) for v in values.tolist()]
    for name in set(out):
        if not name or _FORBIDDEN.search(name) or name.startswith("#") or name != name.strip():
            raise ArgumentValueError(f"{what} {name!r} cannot be written: it must be non-empty, without tabs, commas, "
                             "line breaks, surrounding spaces or a leading '#'")
    return out


def _sorted_codes(names: list[str]) -> tuple[list[str], NDArray[np.int64]]:
    """Unique names in Python string order and each row's rank among them."""
    unique = sorted(set(names))
    rank = {name: i for i, name in enumerate(unique)}
    return unique, np.fromiter((rank[n] for n in names), dtype=np.int64, count=len(names))


# ----------------------------------------------------------------------------------------------
# synapse activation file (§5.4)


def parse_synapse_activations(text: str, filename: str | os.PathLike[str] | None = None) -> Columns:
    """Long-form columns of a synapse activation file's text (see module doc); the old 6-column
    variant gives ``synapse_id = -1``. Rows keep the file's order; a row without times adds nothing."""
    fname = None if filename is None else os.fspath(filename)
    pops: list[str] = []
    sids: list[int] = []
    dists: list[float] = []
    secs: list[int] = []
    pts: list[int] = []
    labels: list[str] = []
    times: list[float] = []
    n_fields: int | None = None
    for line_no, fields in _data_rows(text, fname, (6, 7), "a synapse activation row has 7 (type, synapse ID, soma "
                                      "distance, section ID, section pt ID, dendrite label, times) or, in the old "
                                      "variant, 6 (without synapse ID)"):
        if n_fields is None:
            n_fields = len(fields)
        elif len(fields) != n_fields:
            raise LegacyFormatError(fname, line_no, f"{len(fields)} fields, but earlier rows have {n_fields}: "
                                    "mixed old (6-column) and new (7-column) rows")
        old = n_fields == 6
        pop = fields[0]
        if not pop:
            raise LegacyFormatError(fname, line_no, "empty synapse type")
        sid = -1 if old else _int(fields[1], fname, line_no, "synapse ID")
        rest = fields[1:] if old else fields[2:]
        dist = _float(rest[0], fname, line_no, "soma distance")
        sec = _int(rest[1], fname, line_no, "section ID")
        pt = _int(rest[2], fname, line_no, "section pt ID")
        label = rest[3]
        ts = _times(rest[4], fname, line_no, "activation times")
        k = len(ts)
        pops.extend([pop] * k)
        sids.extend([sid] * k)
        dists.extend([dist] * k)
        secs.extend([sec] * k)
        pts.extend([pt] * k)
        labels.extend([label] * k)
        times.extend(ts)
    return {
        "population": np.array(pops, dtype=object),
        "synapse_id": np.array(sids, dtype=np.int64),
        "soma_distance_um": np.array(dists, dtype=np.float64),
        "section_id": np.array(secs, dtype=np.int64),
        "section_pt_id": np.array(pts, dtype=np.int64),
        "label": np.array(labels, dtype=object),
        "time_ms": np.array(times, dtype=np.float64),
    }


def read_synapse_activation_file(path: str | os.PathLike[str]) -> Columns:
    """Read ``simulation_runNNNN_synapses.csv`` into long-form columns (see :func:`parse_synapse_activations`)."""
    return parse_synapse_activations(_read_text(path), path)


def format_synapse_activations(columns: Mapping[str, ArrayLike], *, old_format: bool = False) -> str:
    """Text of a synapse activation file: one row per synapse, types in Python string order, synapse IDs
    ascending, times sorted, each followed by ``,``; numbers with ``repr``. ``old_format`` writes the
    6-column variant without synapse IDs.

    Raises:
        ArgumentValueError (a ValueError): missing/misshaped columns, unwritable names, or one synapse
            (type, ID) with two different locations.
    """
    pop_col = _column(columns, "population", None)
    n = pop_col.shape[0]
    sid = _column(columns, "synapse_id", n).astype(np.int64)
    dist = _column(columns, "soma_distance_um", n).astype(np.float64)
    sec = _column(columns, "section_id", n).astype(np.int64)
    pt = _column(columns, "section_pt_id", n).astype(np.int64)
    time = _column(columns, "time_ms", n).astype(np.float64)
    pops, pop_code = _sorted_codes(_names(pop_col, "synapse type"))
    labels, label_code = _sorted_codes(_names(_column(columns, "label", n), "dendrite label"))
    order = np.lexsort((time, label_code, dist, pt, sec, sid, pop_code))
    keys = (pop_code, sid, sec, pt, dist, label_code)
    if n:
        change = np.zeros(n, dtype=bool)
        change[0] = True
        for key in keys:
            k = key[order]
            change[1:] |= k[1:] != k[:-1]
        starts = np.flatnonzero(change)
    else:
        starts = np.zeros(0, dtype=np.int64)
    if not old_format and starts.size > 1:
        same_synapse = (pop_code[order][starts[1:]] == pop_code[order][starts[:-1]]) & (
            sid[order][starts[1:]] == sid[order][starts[:-1]])
        if same_synapse.any():
            row = order[starts[1:][np.argmax(same_synapse)]]
            raise ArgumentValueError(f"synapse {pops[pop_code[row]]} {int(sid[row])} has rows with different locations "
                             "(soma distance, section, point or label); one synapse has one location")
    ends = np.append(starts[1:], n)
    out = [OLD_SYNAPSE_HEADER if old_format else SYNAPSE_HEADER]
    time_sorted = time[order].tolist()
    for s, e in zip(starts.tolist(), ends.tolist()):
        r = int(order[s])
        head = [pops[pop_code[r]]]
        if not old_format:
            head.append(str(int(sid[r])))
        head += [repr(float(dist[r])), str(int(sec[r])), str(int(pt[r])), labels[label_code[r]]]
        out.append("\t".join(head) + "\t" + "".join(repr(t) + "," for t in time_sorted[s:e]))
    return "\n".join(out) + "\n"


def write_synapse_activation_file(path: str | os.PathLike[str], columns: Mapping[str, ArrayLike], *,
                                  old_format: bool = False) -> None:
    """Write long-form activation columns as a legacy synapse activation file (atomically);
    see :func:`format_synapse_activations`."""
    atomic_write_text(path, format_synapse_activations(columns, old_format=old_format))


# ----------------------------------------------------------------------------------------------
# presynaptic spike file (§5.5)


def parse_presynaptic_spikes(text: str, filename: str | os.PathLike[str] | None = None) -> Columns:
    """Long-form columns (population, cell_id, time_ms) of a presynaptic spike file's text, in file order.
    Rows without times (``type\\tID\\t`` or ``type\\tID``) add nothing."""
    fname = None if filename is None else os.fspath(filename)
    pops: list[str] = []
    cells: list[int] = []
    times: list[float] = []
    for line_no, fields in _data_rows(text, fname, (2, 3), "a presynaptic spike row has 3 (cell type, cell ID, "
                                      "spike times)"):
        if not fields[0]:
            raise LegacyFormatError(fname, line_no, "empty presynaptic cell type")
        cell = _int(fields[1], fname, line_no, "cell ID")
        ts = _times(fields[2], fname, line_no, "spike times") if len(fields) == 3 else []
        pops.extend([fields[0]] * len(ts))
        cells.extend([cell] * len(ts))
        times.extend(ts)
    return {"population": np.array(pops, dtype=object), "cell_id": np.array(cells, dtype=np.int64),
            "time_ms": np.array(times, dtype=np.float64)}


def read_presynaptic_spike_file(path: str | os.PathLike[str]) -> Columns:
    """Read ``simulation_runNNNN_presynaptic_cells.csv`` into long-form columns."""
    return parse_presynaptic_spikes(_read_text(path), path)


def format_presynaptic_spikes(columns: Mapping[str, ArrayLike]) -> str:
    """Text of a presynaptic spike file: populations sorted, cell IDs ascending, times sorted and
    comma-terminated, numbers with ``repr``; cells without spikes are left out (as ISF does)."""
    pop_col = _column(columns, "population", None)
    n = pop_col.shape[0]
    cell = _column(columns, "cell_id", n).astype(np.int64)
    time = _column(columns, "time_ms", n).astype(np.float64)
    pops, code = _sorted_codes(_names(pop_col, "presynaptic cell type"))
    order = np.lexsort((time, cell, code))
    out = [PRESYNAPTIC_HEADER]
    if n:
        c, k = code[order], cell[order]
        change = np.ones(n, dtype=bool)
        change[1:] = (c[1:] != c[:-1]) | (k[1:] != k[:-1])
        starts = np.flatnonzero(change)
        ends = np.append(starts[1:], n)
        time_sorted = time[order].tolist()
        for s, e in zip(starts.tolist(), ends.tolist()):
            out.append(f"{pops[c[s]]}\t{int(k[s])}\t" + "".join(repr(t) + "," for t in time_sorted[s:e]))
    return "\n".join(out) + "\n"


def write_presynaptic_spike_file(path: str | os.PathLike[str], columns: Mapping[str, ArrayLike]) -> None:
    """Write long-form presynaptic spike columns as a legacy presynaptic spike file (atomically)."""
    atomic_write_text(path, format_presynaptic_spikes(columns))


# ----------------------------------------------------------------------------------------------
# trace files (§7.2)


@attrs.frozen(eq=False)
class TraceTable:
    """The content of a legacy trace file.

    Attributes:
        t_ms: sample times (the file's ``t`` column), ms.
        values: one row per run (``values[i]`` belongs to ``runs[i]``), one column per sample; mV.
        runs: run numbers from the header (``Vm run 03`` → 3), in column order.
    """

    t_ms: NDArray[np.float64]
    values: NDArray[np.float64]
    runs: tuple[int, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Header labels of the runs (``Vm run 00`` …)."""
        return tuple(f"Vm run {r:02d}" for r in self.runs)


def _trace_header(line: str, fname: str | None) -> tuple[int, ...]:
    fields = line.rstrip(" ").split("\t")
    if fields[0] != "t":
        raise LegacyFormatError(fname, 1, f"header starts with {fields[0]!r}; a trace file header is "
                                "'t<TAB>Vm run 00<TAB>Vm run 01…'")
    runs = []
    for label in fields[1:]:
        m = _RUN_LABEL.fullmatch(label)
        if not m:
            raise LegacyFormatError(fname, 1, f"column label {label!r}; expected 'Vm run <number>'")
        runs.append(int(m.group(1)))
    if len(set(runs)) != len(runs):
        raise LegacyFormatError(fname, 1, "the same run number appears twice in the header")
    return tuple(runs)


def _parse_trace_rows(lines: list[str], n_cols: int, fname: str | None) -> NDArray[np.float64]:
    rows = []
    for line_no, raw in enumerate(lines, start=2):
        line = raw.rstrip(" ")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != n_cols:
            raise LegacyFormatError(fname, line_no, f"{len(fields)} tab-separated values; the header names {n_cols} "
                                    "columns (t and one per run)")
        rows.append([_float(f, fname, line_no, "value") for f in fields])
    return np.array(rows, dtype=np.float64).reshape(len(rows), n_cols)


def parse_trace_table(text: str, filename: str | os.PathLike[str] | None = None) -> TraceTable:
    """A :class:`TraceTable` from a trace file's text."""
    fname = None if filename is None else os.fspath(filename)
    lines = _lines(text)
    if not lines:
        raise LegacyFormatError(fname, None, "empty file; a trace file starts with 't<TAB>Vm run 00…'")
    runs = _trace_header(lines[0], fname)
    data = _parse_trace_rows(lines[1:], len(runs) + 1, fname)
    return _table(data, runs)


def _table(data: NDArray[np.float64], runs: tuple[int, ...]) -> TraceTable:
    return TraceTable(np.ascontiguousarray(data[:, 0]), np.ascontiguousarray(data[:, 1:].T), runs)


def read_trace_file(path: str | os.PathLike[str]) -> TraceTable:
    """Read a ``*_vm_all_traces.csv`` or ``*_vm_dend_traces.csv`` file.

    Fast path: ``numpy.loadtxt`` (exact float parsing); any problem falls back to a line-by-line
    parse that names the offending line."""
    fname = os.fspath(path)
    with open(path, encoding="utf-8", newline="") as handle:
        try:
            header = handle.readline()
        except UnicodeDecodeError as exc:
            raise LegacyFormatError(fname, None, f"not a UTF-8 text file ({exc.reason})") from None
        if not header:
            raise LegacyFormatError(fname, None, "empty file; a trace file starts with 't<TAB>Vm run 00…'")
        runs = _trace_header(header.rstrip("\r\n"), fname)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                data = np.loadtxt(handle, delimiter="\t", dtype=np.float64, ndmin=2, comments=None)
        except (ValueError, UnicodeDecodeError):
            data = None
    if data is None or (data.size and data.shape[1] != len(runs) + 1):
        return parse_trace_table(_read_text(path), path)
    if data.size == 0:
        data = np.zeros((0, len(runs) + 1))
    return _table(data, runs)


def format_trace_table(t_ms: ArrayLike, values: ArrayLike, runs: Sequence[int] | None = None) -> str:
    """Text of a trace file: header ``t\\tVm run 00…`` (``%02d``), one line per sample; numbers with ``repr``.

    Args:
        t_ms: sample times (n_samples,).
        values: (n_runs, n_samples).
        runs: run numbers of the rows of ``values`` (default 0, 1, …).
    """
    t = np.asarray(t_ms, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if t.ndim != 1 or v.ndim != 2 or v.shape[1] != t.shape[0]:
        raise ArgumentValueError(f"values must be (n_runs, n_samples) with n_samples = len(t_ms) = {t.shape[0]}, "
                         f"got {v.shape}")
    run_list = list(range(v.shape[0])) if runs is None else [int(r) for r in runs]
    if len(run_list) != v.shape[0] or len(set(run_list)) != len(run_list) or min(run_list, default=0) < 0:
        raise ArgumentValueError(f"runs must be {v.shape[0]} distinct non-negative numbers, got {run_list}")
    out = ["\t".join(["t", *(f"Vm run {r:02d}" for r in run_list)])]
    columns = np.vstack([t[None, :], v]).T.tolist()
    out.extend("\t".join(repr(x) for x in row) for row in columns)
    return "\n".join(out) + "\n"


def write_trace_file(path: str | os.PathLike[str], t_ms: ArrayLike, values: ArrayLike,
                     runs: Sequence[int] | None = None) -> None:
    """Write a legacy trace file (atomically); see :func:`format_trace_table`."""
    atomic_write_text(path, format_trace_table(t_ms, values, runs))
