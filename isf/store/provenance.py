"""Provenance of a run: the versions that made it, the experiment JSON, ``extra`` and input files.

The experiment JSON is kept exactly, without a second copy of the network's synapse columns (they are
synapse rows already); texts are kept xz-compressed. See ``docs/store_format.md`` (``/provenance``).
"""

from __future__ import annotations

import datetime
import importlib
import json
import lzma
import re
import secrets
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import blosc2
import numpy as np
import pandas as pd
import tables
from numpy.typing import NDArray

from isf._version import __version__
from isf.errors import StoreError
from isf.model.codec import to_data
from isf.store.blob_codec import pack
from isf.store.layout import INT32, LABEL_SIZE, POPULATION_SIZE, SYNAPSE_COLUMNS, SYNAPSE_DTYPES, SYNAPSE_FIELDS
from isf.store.names import NameCodes, check_name

if TYPE_CHECKING:
    from isf.model.experiment import Experiment

__all__ = [
    "add_failure", "add_provenance_file", "experiment_json", "first_difference", "now", "provenance_files",
    "read_experiment", "read_failures", "read_text", "versions", "write_experiment", "write_text",
]

#: Network synapse columns in the experiment JSON that the synapse rows hold (JSON key → column).
_JSON_SYNAPSE_COLUMNS = (("labels", "label"), ("section_id", "section_id"), ("section_pt_id", "section_pt_id"),
                         ("soma_distance_um", "soma_distance_um"))
_JSON_FORMATS: tuple[dict[str, Any], ...] = (
    {"sort_keys": True, "separators": (",", ":")},
    {"sort_keys": False, "separators": (",", ":")},
    {"sort_keys": False, "separators": (", ", ": ")},
    {"sort_keys": True, "separators": (", ", ": ")},
)


def experiment_json(experiment: Experiment) -> str:
    """Canonical JSON of an experiment (provenance, and the key for resuming a run)."""
    return json.dumps(to_data(experiment), sort_keys=True, separators=(",", ":"))


def now() -> str:
    """The current time, ISO 8601, UTC, microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def _neuron_version() -> str:
    module: Any = sys.modules.get("neuron")
    if module is None:
        try:  # lazy: NEURON is heavy and optional here
            module = importlib.import_module("neuron")
        except Exception:  # noqa: BLE001  (any failure to load NEURON means: unknown)
            return "unknown"
    return str(getattr(module, "__version__", "unknown"))


def versions() -> dict[str, str]:
    """Versions of isf and of what it runs on, as root attributes of a new store."""
    return {
        "isf_version": __version__,
        "neuron_version": _neuron_version(),
        "python_version": sys.version.split()[0],
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "tables_version": tables.__version__,
        "hdf5_version": tables.hdf5_version,
        "blosc2_version": blosc2.__version__,
    }


def first_difference(stored: Any, requested: Any, path: str = "experiment") -> str | None:
    """Where two JSON values first differ, in words (``None`` if equal)."""
    if isinstance(stored, dict) and isinstance(requested, dict):
        for key in sorted(set(stored) | set(requested), key=str):
            if key not in stored:
                return f"{path}.{key} is new (requested {_short(requested[key])})"
            if key not in requested:
                return f"{path}.{key} is missing (stored {_short(stored[key])})"
            found = first_difference(stored[key], requested[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(requested, list):
        for i, (a, b) in enumerate(zip(stored, requested)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(stored) != len(requested):
            return f"{path} has {len(stored)} items stored, {len(requested)} requested"
        return None
    if stored != requested or type(stored) is not type(requested):
        return f"{path}: stored {_short(stored)}, requested {_short(requested)}"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------------------- texts


def write_text(h5: tables.File, group: tables.Group, name: str, text: str) -> tables.Leaf:
    """Keep a text as xz (LZMA2 preset 9, with a dictionary no larger than the text: the result of
    plain preset 9 without its 674 MiB of memory)."""
    raw = text.encode("utf-8")
    dict_size = int(min(1 << 26, max(1 << 16, 1 << max(len(raw) - 1, 1).bit_length())))
    data = lzma.compress(raw, format=lzma.FORMAT_XZ,
                         filters=[{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": dict_size}])
    node = h5.create_array(group, name, obj=np.frombuffer(data, dtype=np.uint8))
    node._v_attrs.codec = "xz"
    return node


def read_text(node: tables.Leaf) -> str:
    """A text kept by :func:`write_text`.

    Raises:
        StoreError: the node names a codec other than xz.
    """
    codec = str(node._v_attrs.codec)
    if codec != "xz":
        raise StoreError(f"{node._v_pathname}: unknown text codec {codec!r}")
    return lzma.decompress(np.asarray(node.read(), dtype=np.uint8).tobytes()).decode("utf-8")


def provenance_files(h5: tables.File) -> dict[str, str]:
    """Texts stored with :func:`add_provenance_file`, by name, in the order they were added."""
    group = h5.get_node("/provenance/files")
    nodes = sorted(group._f_iter_nodes(), key=lambda node: int(node._v_name[1:]))
    return {str(node._v_attrs.name): read_text(node) for node in nodes}


def read_failures(h5: tables.File) -> list[dict[str, Any]]:
    """The failed trials kept by :func:`add_failure` (``trial``, ``reason``, ``wall_s``, ``finished_at``)."""
    if "/provenance/failures_json" not in h5:
        return []
    return list(json.loads(read_text(h5.get_node("/provenance/failures_json"))))


def add_failure(h5: tables.File, trial: int, reason: str, wall_s: float) -> None:
    """Keep that trial ``trial`` failed (a runaway stopped by its time limit …) and why (``/provenance/failures_json``)."""
    failures = [f for f in read_failures(h5) if f["trial"] != trial]
    failures.append({"trial": int(trial), "reason": str(reason), "wall_s": float(wall_s), "finished_at": now()})
    if "/provenance/failures_json" in h5:
        h5.remove_node("/provenance/failures_json")
    write_text(h5, h5.get_node("/provenance"), "failures_json", json.dumps(failures))


def add_provenance_file(h5: tables.File, name: str, text: str) -> None:
    """Keep a text (an input file of the run, e.g. a legacy ``.param`` file) under ``name``.

    Raises:
        StoreError: a file of that name is stored already.
    """
    if name in provenance_files(h5):
        raise StoreError(f"a provenance file named {name!r} is already stored")
    group = h5.get_node("/provenance/files")
    node = write_text(h5, group, f"f{group._v_nchildren}", text)
    node._v_attrs.name = name
    h5.flush()


# ---------------------------------------------------------------------------------------------- experiment JSON


def write_experiment(h5: tables.File, text: str, data: Any, extra_json: str) -> None:
    """Create /provenance: the experiment JSON ``text`` (parsed: ``data``), ``extra`` and the group of
    files. The synapses of the experiment's network become the store's first synapse rows (and names);
    the text keeps placeholders for those columns if it can be rebuilt from them exactly."""
    prov = h5.create_group("/", "provenance")
    skeleton, fmt, token = _network_to_synapses(h5, text, data)
    node = write_text(h5, prov, "experiment_json", skeleton)
    if token is not None:
        node._v_attrs.synapse_token = token
        node._v_attrs.json_format = json.dumps(fmt)
    write_text(h5, prov, "extra_json", extra_json)
    h5.create_group(prov, "files")


def read_experiment(h5: tables.File, synapses: Mapping[str, NDArray[Any]], labels: Sequence[str]) -> str:
    """The experiment JSON given when the store was created (``synapses``: the synapse rows, ``labels``:
    the label names, to fill the placeholders)."""
    node = h5.get_node("/provenance/experiment_json")
    text = read_text(node)
    token = getattr(node._v_attrs, "synapse_token", None)
    if token is None:
        return text
    return _fill_synapse_columns(text, str(token), synapses, labels, json.loads(str(node._v_attrs.json_format)))


def _json_format(data: Any, text: str) -> dict[str, Any] | None:
    """The ``json.dumps`` arguments that turn ``data`` into exactly ``text`` (``None``: none tried does)."""
    compact = '":' in text[:4096] and '": ' not in text[:4096]
    candidates = [f for f in _JSON_FORMATS if (f["separators"][1] == ":") == compact]
    candidates += [f for f in _JSON_FORMATS if f not in candidates]
    for ensure_ascii in ((True,) if text.isascii() else (False, True)):
        for fmt in candidates:
            if json.dumps(data, ensure_ascii=ensure_ascii, **fmt) == text:
                return {**fmt, "ensure_ascii": ensure_ascii}
    return None


def _json_populations(data: Any) -> list[tuple[int, str, dict[str, list[Any]]]]:
    """(index, name, synapse columns) of the network populations in an experiment's JSON data whose
    synapse columns the synapse rows can hold exactly."""
    value = data.get("value") if isinstance(data, dict) and data.get("type") == "Experiment" else None
    network = value.get("network") if isinstance(value, dict) else None
    populations = network.get("populations") if isinstance(network, dict) else None
    if not isinstance(populations, list):
        return []
    out: list[tuple[int, str, dict[str, list[Any]]]] = []
    seen: set[str] = set()
    for i, pop in enumerate(populations):
        if not isinstance(pop, dict) or not isinstance(pop.get("name"), str) or pop["name"] in seen:
            continue
        synapses = pop.get("synapses")
        if not isinstance(synapses, dict):
            continue
        columns: dict[str, Any] = {key: synapses.get(key) for key, _ in _JSON_SYNAPSE_COLUMNS}
        if not all(isinstance(c, list) for c in columns.values()):
            continue
        n = len(columns["labels"])
        if any(len(c) != n for c in columns.values()):
            continue
        ok = (all(type(v) is str for v in columns["labels"])
              and all(type(v) is float for v in columns["soma_distance_um"])
              and all(type(v) is int and INT32.min <= v <= INT32.max
                      for key in ("section_id", "section_pt_id") for v in columns[key]))
        if not ok:
            continue
        try:
            check_name(pop["name"], POPULATION_SIZE, "population")
            for label in set(columns["labels"]):
                check_name(label, LABEL_SIZE, "label")
        except StoreError:
            continue
        seen.add(pop["name"])
        out.append((i, pop["name"], columns))
    return out


def _fill_synapse_columns(skeleton: str, token: str, synapses: Mapping[str, NDArray[Any]], labels: Sequence[str],
                          fmt: Mapping[str, Any]) -> str:
    """The experiment JSON: ``skeleton`` with its placeholders replaced by synapse columns."""
    separators = (str(fmt["item_separator"]), str(fmt["key_separator"]))
    ensure_ascii = bool(fmt["ensure_ascii"])

    def text_of(match: re.Match[str]) -> str:
        column = _JSON_SYNAPSE_COLUMNS[int(match.group(1))][1]
        start, n = int(match.group(2)), int(match.group(3))
        values = synapses[column][start:start + n]
        if values.shape[0] != n:
            raise StoreError(f"the store has no synapse rows {start}..{start + n - 1} the experiment JSON refers to")
        items = [labels[c] for c in values.tolist()] if column == "label" else values.tolist()
        return json.dumps(items, separators=separators, ensure_ascii=ensure_ascii)

    return re.sub('"' + re.escape(token) + r':(\d+):(\d+):(\d+)"', text_of, skeleton)


def _network_to_synapses(h5: tables.File, text: str, data: Any) -> tuple[str, dict[str, Any], str | None]:
    """Store the synapses of the experiment's network as synapse rows; the experiment JSON to keep
    (with placeholders for those columns if the text can be rebuilt exactly), its format and token."""
    populations = _json_populations(data)
    if not populations:
        return text, {}, None
    labels = NameCodes([], LABEL_SIZE, "label")
    parts: dict[str, list[NDArray[Any]]] = {f: [] for f in SYNAPSE_FIELDS}
    starts = []
    n_rows = 0
    for code, (_, _, cols) in enumerate(populations):
        n = len(cols["labels"])
        starts.append(n_rows)
        n_rows += n
        parts["population"].append(np.full(n, code, dtype=np.int16))
        parts["synapse_id"].append(np.arange(n, dtype=np.int32))
        parts["soma_distance_um"].append(np.array(cols["soma_distance_um"], dtype=np.float64))
        parts["section_id"].append(np.array(cols["section_id"], dtype=np.int32))
        parts["section_pt_id"].append(np.array(cols["section_pt_id"], dtype=np.int32))
        parts["label"].append(labels.codes(np.array(cols["labels"], dtype=object)))
    if n_rows > INT32.max:
        return text, {}, None
    synapses = {f: np.concatenate(p).astype(SYNAPSE_DTYPES[f]) for f, p in parts.items()}
    h5.root.populations.append(np.array([name.encode("utf-8") for _, name, _ in populations],
                                        dtype=f"S{POPULATION_SIZE}"))
    if labels.new:
        h5.root.labels.append(np.array([n.encode("utf-8") for n in labels.new], dtype=f"S{LABEL_SIZE}"))
    blobs = [pack(c, synapses[c.name]) for c in SYNAPSE_COLUMNS]
    h5.root.blobs.append(np.frombuffer(b"".join(blobs), dtype=np.uint8))
    h5.root.synapses.append(np.array([[n_rows, 0, *map(len, blobs)]], dtype=np.int64))
    fmt = _json_format(data, text)
    if fmt is None:
        return text, {}, None
    token = "isf-synapses-" + secrets.token_hex(8)
    while token in text:  # pragma: no cover  (64 random bits)
        token = "isf-synapses-" + secrets.token_hex(8)
    skeleton_data = dict(data)
    value = skeleton_data["value"] = dict(data["value"])
    network = value["network"] = dict(value["network"])
    pops = network["populations"] = list(network["populations"])
    for (i, _, cols), start in zip(populations, starts):
        pop = pops[i] = dict(pops[i])
        syn = pop["synapses"] = dict(pop["synapses"])
        for k, (key, _) in enumerate(_JSON_SYNAPSE_COLUMNS):
            syn[key] = f"{token}:{k}:{start}:{len(cols['labels'])}"
    skeleton = json.dumps(skeleton_data, **fmt)
    stored_fmt = {"item_separator": fmt["separators"][0], "key_separator": fmt["separators"][1],
                  "ensure_ascii": fmt["ensure_ascii"]}
    if _fill_synapse_columns(skeleton, token, synapses, labels.new, stored_fmt) != text:
        return text, {}, None  # pragma: no cover  (defensive: keep the text as it is)
    return skeleton, stored_fmt, token
