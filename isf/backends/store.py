"""One HDF5 file per run (PyTables): spikes, synapse activations, presynaptic spikes, traces, provenance.

Layout (``format = "isf-run-store"``, ``format_version = 1``)::

    /                          attributes: format, format_version, isf_version, neuron_version,
                               python_version, numpy_version, pandas_version, tables_version,
                               hdf5_version, run_seed, n_trials, soma_key, created_at (ISO 8601, UTC)
    /provenance/experiment_json   UTF-8 text (uint8 array, compressed): the experiment as JSON
    /provenance/extra_json        UTF-8 text: the ``extra`` dict given to :meth:`RunStore.create`
    /provenance/files/f<i>        UTF-8 text of a provenance file (attribute ``name``), e.g. legacy .param files
    /trials                    table: trial, n_spikes, wall_s, finished_at, has_input — one row per
                               *completed* trial, written last
    /spikes                    table: trial, time_ms (soma spikes)
    /synapse_activations       table: trial, population, synapse_id, soma_distance_um, section_id,
                               section_pt_id, label, time_ms (one row per release)
    /presynaptic_spikes        table: trial, population, cell_id, time_ms
    /traces/index              table: trial, key, offset, n_samples, t_offset — where each trace lies
    /traces/t_ms               1-D float64 array: the distinct time vectors, one after the other
    /traces/k<i>               1-D float64 array: all samples of recording key ``keys[i]``, trial after trial
                               (``/traces`` attribute ``keys_json`` lists the recording keys)

Traces are stored *ragged*: every trace is a segment ``[offset, offset + n_samples)`` of its key's
flat array, and its time vector a segment of ``/traces/t_ms``. A time vector equal to one already
stored is not stored again, so fixed-step runs keep one time vector for the whole run, while
variable-step (CVODE) trials of different lengths need no padding. Arrays are chunked (about one
trial per chunk) and compressed (Blosc2/zstd with byte shuffle, level 5; zlib if Blosc2 is missing).

Atomicity: :meth:`RunStore.append` writes a trial's rows first and its ``trials`` row last, then
flushes. Readers only show rows of trials that have a ``trials`` row, so a trial interrupted by a
crash is invisible; ``RunStore.open(path, "a")`` (and resuming through :meth:`RunStore.create`)
truncates such orphan rows before new trials are appended (they sit at the ends of the tables: a
failed ``append`` — an exception — rolls its rows back, so only a crash leaves any). HDF5 is not journaled: a crash *inside* a flush
can still damage the file; the store supports one writer at a time (the process that collects the
workers' results).

Reading: ``store["spike_times"]`` (wide, NaN-padded, like the legacy database), ``store["spikes"]``,
``store["synapse_activations"]``, ``store["presynaptic_spikes"]`` (long form), ``store["trials"]``,
``store["voltage_traces"]`` (soma) and :meth:`RunStore.traces` for any recording. Every frame is
indexed by trial and sorted by it, whatever order the trials were appended in; population and label
columns are categorical with sorted categories.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import tables
from numpy.typing import ArrayLike, NDArray

from isf.model.network import Network
from isf.model.trial_result import TrialResult, activation_columns, presynaptic_columns

FORMAT = "isf-run-store"
FORMAT_VERSION = 1
#: Default recording key of the soma voltage (``Recording()`` → ``Soma().label``).
SOMA_KEY = "soma"
#: Byte sizes of the string columns (UTF-8); longer names are refused before anything is written.
POPULATION_SIZE = 32
LABEL_SIZE = 24
_FINISHED_SIZE = 40
_BLOCK_ROWS = 1 << 20
_T_CACHE = 4


class _Trials(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    n_spikes = tables.Int64Col(pos=1)
    wall_s = tables.Float64Col(pos=2)
    finished_at = tables.StringCol(_FINISHED_SIZE, pos=3)
    has_input = tables.BoolCol(pos=4)


class _Spikes(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    time_ms = tables.Float64Col(pos=1)


class _Activations(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    population = tables.StringCol(POPULATION_SIZE, pos=1)
    synapse_id = tables.Int64Col(pos=2)
    soma_distance_um = tables.Float64Col(pos=3)
    section_id = tables.Int32Col(pos=4)
    section_pt_id = tables.Int32Col(pos=5)
    label = tables.StringCol(LABEL_SIZE, pos=6)
    time_ms = tables.Float64Col(pos=7)


class _Presynaptic(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    population = tables.StringCol(POPULATION_SIZE, pos=1)
    cell_id = tables.Int64Col(pos=2)
    time_ms = tables.Float64Col(pos=3)


class _TraceIndex(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    key = tables.Int32Col(pos=1)
    offset = tables.Int64Col(pos=2)
    n_samples = tables.Int64Col(pos=3)
    t_offset = tables.Int64Col(pos=4)


_ROW_TABLES = ("spikes", "synapse_activations", "presynaptic_spikes", "traces/index")
_STRING_COLUMNS = {"synapse_activations": ("population", "label"), "presynaptic_spikes": ("population",)}
_INT64_COLUMNS = ("synapse_id", "section_id", "section_pt_id", "cell_id")
FRAME_KEYS = ("spike_times", "spikes", "synapse_activations", "presynaptic_spikes", "trials", "voltage_traces")


def _filters() -> tables.Filters:
    if tables.which_lib_version("blosc2") is not None:
        return tables.Filters(complevel=5, complib="blosc2:zstd", shuffle=True)
    return tables.Filters(complevel=5, complib="zlib", shuffle=True)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def _neuron_version() -> str:
    module = sys.modules.get("neuron")
    if module is None:
        try:
            import neuron as module  # noqa: PLC0415  (lazy: NEURON is heavy and optional here)
        except Exception:  # noqa: BLE001  (any failure to load NEURON means: unknown)
            return "unknown"
    return str(getattr(module, "__version__", "unknown"))


def _versions() -> dict[str, str]:
    import isf  # noqa: PLC0415  (isf/__init__ imports the model; avoid a cycle at import time)

    return {
        "isf_version": str(isf.__version__),
        "neuron_version": _neuron_version(),
        "python_version": sys.version.split()[0],
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "tables_version": tables.__version__,
        "hdf5_version": tables.hdf5_version,
    }


def _first_difference(stored: Any, requested: Any, path: str = "experiment") -> str | None:
    """Where two JSON values first differ, in words (``None`` if equal)."""
    if isinstance(stored, dict) and isinstance(requested, dict):
        for key in sorted(set(stored) | set(requested), key=str):
            if key not in stored:
                return f"{path}.{key} is new (requested {_short(requested[key])})"
            if key not in requested:
                return f"{path}.{key} is missing (stored {_short(stored[key])})"
            found = _first_difference(stored[key], requested[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(requested, list):
        for i, (a, b) in enumerate(zip(stored, requested)):
            found = _first_difference(a, b, f"{path}[{i}]")
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


def _encode(values: NDArray[np.generic], size: int, what: str) -> NDArray[np.bytes_]:
    """UTF-8 bytes of a string column, refusing what the fixed-size column cannot hold."""
    lookup: dict[Any, bytes] = {}
    for name in set(values.tolist()):
        raw = str(name).encode("utf-8")
        if len(raw) > size or b"\0" in raw or not raw:
            raise ValueError(f"{what} {name!r} cannot be stored: names must be 1..{size} UTF-8 bytes without NUL")
        lookup[name] = raw
    return np.array([lookup[v] for v in values.tolist()], dtype=f"S{size}")


def _run_heads(values: NDArray[Any]) -> NDArray[np.intp]:
    n = values.shape[0]
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        change[1:] = values[1:] != values[:-1]
    return np.flatnonzero(change)


def _codes(values: NDArray[np.bytes_], vocabulary: dict[bytes, int]) -> NDArray[np.int32]:
    """Integer codes of a fixed-width bytes column (vectorised over runs of equal values)."""
    n = values.shape[0]
    if not n:
        return np.zeros(0, dtype=np.int32)
    heads = _run_heads(values)
    unique, inverse = np.unique(values[heads], return_inverse=True)
    code_of_unique = np.array([vocabulary.setdefault(bytes(u), len(vocabulary)) for u in unique.tolist()],
                              dtype=np.int32)
    return np.repeat(code_of_unique[inverse], np.diff(np.append(heads, n)))


def _categorical(codes: NDArray[np.int32], vocabulary: dict[bytes, int]) -> pd.Categorical:
    """Categorical with categories in sorted (Python string) order, independent of append order."""
    names = [b.decode("utf-8") for b in vocabulary]
    order = sorted(range(len(names)), key=names.__getitem__)
    remap = np.empty(len(names), dtype=np.int32)
    remap[order] = np.arange(len(names), dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes] if len(names) else codes, [names[i] for i in order])


def _trial_order(trial: NDArray[np.int64]) -> NDArray[np.intp] | None:
    """Permutation sorting rows by trial (stable), or ``None`` if already sorted."""
    if trial.shape[0] < 2 or bool(np.all(trial[1:] >= trial[:-1])):
        return None
    heads = _run_heads(trial)
    lengths = np.diff(np.append(heads, trial.shape[0]))
    block_order = np.argsort(trial[heads], kind="stable")
    starts = heads[block_order]
    sizes = lengths[block_order]
    # concatenated ranges start..start+size without a Python loop
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    return offsets + np.arange(int(sizes.sum()))


def _keep_completed(trial: NDArray[np.int64], completed: NDArray[np.int64]) -> NDArray[np.bool_] | None:
    """Mask of rows whose trial is completed (``None``: all are)."""
    if not trial.shape[0]:
        return None
    heads = _run_heads(trial)
    ok = np.isin(trial[heads], completed)
    if ok.all():
        return None
    return np.repeat(ok, np.diff(np.append(heads, trial.shape[0])))


class RunStore:
    """The HDF5 file of one run. Create with :meth:`create`, read with :meth:`open`; use as a context
    manager. See the module documentation for the layout and the guarantees."""

    def __init__(self, h5: tables.File, path: Path, mode: str) -> None:
        self._h5 = h5
        self.path = path
        self.mode = mode
        self._t_cache: list[tuple[int, NDArray[np.float64]]] = []
        self._completed: set[int] | None = None

    # ------------------------------------------------------------------ creating and opening

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, experiment_json: str, run_seed: int, n_trials: int,
               extra: Mapping[str, Any] | None = None, soma_key: str = SOMA_KEY) -> RunStore:
        """A new store for one run, opened for appending.

        If ``path`` already holds the store of the same run (same experiment JSON — compared as
        parsed JSON —, seed and number of trials), it is opened for resuming instead
        (:meth:`completed_trials` tells what is left to do); ``extra`` and ``soma_key`` are then not
        compared, the stored ones stay. A new file is built under a temporary name and linked into
        place, so ``path`` never holds a half-initialised store and is never overwritten.

        Args:
            experiment_json: the experiment as JSON text (``json.dumps(to_data(experiment))``).
            run_seed: the run's seed.
            n_trials: number of trials of the run (trial indices 0 … n_trials − 1).
            extra: further JSON-able provenance (host, command line …).
            soma_key: recording key of the soma voltage (``store["voltage_traces"]``).

        Raises:
            FileExistsError: ``path`` holds something else (another run, naming what differs, or not
                a store).
            ValueError: ``experiment_json`` is not JSON, ``n_trials`` is negative, or ``extra`` cannot be
                written as JSON.
            TypeError: ``run_seed`` is not an int.
        """
        path = Path(path)
        try:
            requested = json.loads(experiment_json)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"experiment_json is not JSON text: {exc}") from None
        if isinstance(run_seed, bool) or not isinstance(run_seed, (int, np.integer)):
            raise TypeError(f"run_seed must be an int, got {run_seed!r}")
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 0:
            raise ValueError(f"n_trials must be an int >= 0, got {n_trials!r}")
        try:
            extra_json = json.dumps(dict(extra or {}), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"extra must be JSON-able: {exc}") from None
        if path.exists():
            cls._check_same_run(path, requested, int(run_seed), int(n_trials))
            return cls.open(path, "a")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with tables.open_file(str(tmp), "w", title=f"isf run (seed {int(run_seed)})") as h5:
                cls._initialise(h5, experiment_json, int(run_seed), int(n_trials), extra_json, soma_key)
            try:
                os.link(tmp, path)  # fails if someone created path meanwhile: never overwrite
            except FileExistsError:
                cls._check_same_run(path, requested, int(run_seed), int(n_trials))
            except OSError:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return cls.open(path, "a")

    @classmethod
    def _check_same_run(cls, path: Path, requested: Any, run_seed: int, n_trials: int) -> None:
        try:
            existing = cls.open(path, "r")
        except (OSError, ValueError, tables.HDF5ExtError) as exc:
            raise FileExistsError(f"{path} exists and is not an isf run store ({exc}); choose another path "
                                  "or remove the file") from None
        with existing:
            differences = []
            if existing.run_seed != run_seed:
                differences.append(f"run_seed: stored {existing.run_seed}, requested {run_seed}")
            if existing.n_trials != n_trials:
                differences.append(f"n_trials: stored {existing.n_trials}, requested {n_trials}")
            found = _first_difference(json.loads(existing.experiment_json), requested)
            if found:
                differences.append(found)
        if differences:
            raise FileExistsError(f"{path} holds a different run ({'; '.join(differences)}); choose another path, "
                                  "or remove the file to start over")

    @staticmethod
    def _initialise(h5: tables.File, experiment_json: str, run_seed: int, n_trials: int, extra_json: str,
                    soma_key: str) -> None:
        filters = _filters()
        root = h5.root._v_attrs
        root.format = FORMAT
        root.format_version = FORMAT_VERSION
        for name, value in _versions().items():
            setattr(root, name, value)
        root.run_seed = run_seed
        root.n_trials = n_trials
        root.soma_key = soma_key
        root.created_at = _now()
        prov = h5.create_group("/", "provenance")
        _write_text(h5, prov, "experiment_json", experiment_json)
        _write_text(h5, prov, "extra_json", extra_json)
        h5.create_group(prov, "files")
        # Explicit chunk shapes of ~64-512 KiB: PyTables' automatic choice with Blosc2 gives chunks of
        # millions of rows, which makes every per-trial append and every small read slow.
        h5.create_table("/", "trials", _Trials, filters=filters, chunkshape=(1024,))
        h5.create_table("/", "spikes", _Spikes, filters=filters, chunkshape=(4096,))
        h5.create_table("/", "synapse_activations", _Activations, filters=filters, chunkshape=(4096,))
        h5.create_table("/", "presynaptic_spikes", _Presynaptic, filters=filters, chunkshape=(4096,))
        traces = h5.create_group("/", "traces")
        traces._v_attrs.keys_json = "[]"
        h5.create_table(traces, "index", _TraceIndex, filters=filters, chunkshape=(1024,))

    @classmethod
    def open(cls, path: str | os.PathLike[str], mode: Literal["r", "a"] = "r") -> RunStore:
        """Open a store: ``"r"`` to read, ``"a"`` to append (orphan rows of an interrupted trial are removed).

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is not an isf run store (or a newer format).
        """
        if mode not in ("r", "a"):
            raise ValueError(f"mode must be 'r' or 'a', got {mode!r}")
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no run store at {path}")
        if not tables.is_hdf5_file(str(path)):
            raise ValueError(f"{path} is not an HDF5 file")
        h5 = tables.open_file(str(path), mode)
        try:
            attrs = h5.root._v_attrs
            if getattr(attrs, "format", None) != FORMAT:
                raise ValueError(f"{path} is an HDF5 file but not an isf run store (no format = {FORMAT!r})")
            version = int(attrs.format_version)
            if version > FORMAT_VERSION:
                raise ValueError(f"{path} has run-store format {version}; this isf reads up to {FORMAT_VERSION}")
            store = cls(h5, path, mode)
            if mode == "a":
                store._remove_orphans()
        except BaseException:
            h5.close()
            raise
        return store

    def close(self) -> None:
        """Flush and close the file."""
        if self._h5.isopen:
            if self.mode == "a":
                self._h5.flush()
            self._h5.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"{len(self.completed_trials())}/{self.n_trials} trials" if self._h5.isopen else "closed"
        return f"RunStore({str(self.path)!r}, mode={self.mode!r}, {state})"

    # ------------------------------------------------------------------ provenance

    @property
    def run_seed(self) -> int:
        return int(self._h5.root._v_attrs.run_seed)

    @property
    def n_trials(self) -> int:
        return int(self._h5.root._v_attrs.n_trials)

    @property
    def soma_key(self) -> str:
        return str(self._h5.root._v_attrs.soma_key)

    @property
    def experiment_json(self) -> str:
        """The experiment JSON given to :meth:`create`."""
        return _read_text(self._h5.get_node("/provenance/experiment_json"))

    @property
    def provenance(self) -> dict[str, Any]:
        """Versions, seed, trial count, creation time, experiment JSON, ``extra`` and provenance files."""
        attrs = self._h5.root._v_attrs
        out: dict[str, Any] = {}
        for name in attrs._v_attrnamesuser:
            value = attrs[name]
            out[name] = value.item() if isinstance(value, np.generic) else value
        out["experiment_json"] = self.experiment_json
        out["extra"] = json.loads(_read_text(self._h5.get_node("/provenance/extra_json")))
        out["files"] = self.provenance_files()
        return out

    def provenance_files(self) -> dict[str, str]:
        """Texts stored with :meth:`add_provenance_file`, by name."""
        group = self._h5.get_node("/provenance/files")
        nodes = sorted(group._f_iter_nodes(), key=lambda node: int(node._v_name[1:]))
        return {str(node._v_attrs.name): _read_text(node) for node in nodes}

    def add_provenance_file(self, name: str, text: str) -> None:
        """Keep a text (an input file of the run, e.g. a legacy ``.param`` file) in the store."""
        self._writable()
        if name in self.provenance_files():
            raise ValueError(f"a provenance file named {name!r} is already stored")
        group = self._h5.get_node("/provenance/files")
        node = _write_text(self._h5, group, f"f{group._v_nchildren}", text)
        node._v_attrs.name = name
        self._h5.flush()

    # ------------------------------------------------------------------ writing

    def _writable(self) -> None:
        if not self._h5.isopen:
            raise ValueError(f"{self.path} is closed")
        if self.mode != "a":
            raise ValueError(f"{self.path} is open read-only; use RunStore.open(path, 'a') to append")

    def completed_trials(self) -> set[int]:
        """Indices of the trials stored completely."""
        if self._completed is None:
            self._completed = set(self._h5.root.trials.col("trial").tolist())
        return set(self._completed)

    def append(self, result: TrialResult, network: Network, *, wall_s: float = math.nan) -> None:
        """Store one trial of a network run (its ``trials`` row last, then flush).

        Args:
            result: the trial.
            network: the network the trial's input was drawn for (gives the synapses' locations).
            wall_s: wall-clock time the trial took, s (NaN if unknown).

        Raises:
            ValueError: wrong seed, trial index out of range or already stored, input not of ``network``,
                names too long for the string columns, traces not matching ``t_ms``.
        """
        if result.run_seed != self.run_seed:
            raise ValueError(f"trial {result.trial_index} has run_seed {result.run_seed}; this store holds run "
                             f"seed {self.run_seed}")
        names = [p.name for p in network.populations]
        given = [p.name for p in result.input.populations]
        if names != given:
            raise ValueError(f"trial {result.trial_index}: its input has populations {given}, the network {names}")
        self.append_trial(
            result.trial_index,
            t_ms=result.t_ms,
            traces=result.traces,
            spike_times_ms=result.spike_times_ms,
            synapse_activations=activation_columns(network, result.input),
            presynaptic_spikes=presynaptic_columns(result.input),
            wall_s=wall_s,
        )

    def append_trial(self, trial: int, *, t_ms: ArrayLike, traces: Mapping[str, ArrayLike], spike_times_ms: ArrayLike,
                     synapse_activations: Mapping[str, ArrayLike] | None = None,
                     presynaptic_spikes: Mapping[str, ArrayLike] | None = None, wall_s: float = math.nan,
                     traces_t_ms: Mapping[str, ArrayLike] | None = None) -> None:
        """Store one trial from plain columns (what :meth:`append` does after extracting them).

        Args:
            trial: trial index, 0 … n_trials − 1, not yet stored.
            t_ms: sample times of the traces.
            traces: recording key → samples (same length as ``t_ms`` unless ``traces_t_ms`` gives the key's times).
            spike_times_ms: soma spike times.
            synapse_activations: long-form columns as :func:`~isf.model.trial_result.activation_columns`;
                ``None``: the trial's input is not known (``has_input`` false).
            presynaptic_spikes: long-form columns as :func:`~isf.model.trial_result.presynaptic_columns`.
            wall_s: wall-clock time of the trial, s.
            traces_t_ms: per-key time vectors for keys whose times differ from ``t_ms``.
        """
        self._writable()
        trial = int(trial)
        if not 0 <= trial < self.n_trials:
            raise ValueError(f"trial {trial} is outside 0..{self.n_trials - 1} (n_trials = {self.n_trials})")
        if trial in self.completed_trials():
            raise ValueError(f"trial {trial} is already stored in {self.path}")
        rows = self._rows(trial, t_ms, traces, spike_times_ms, synapse_activations, presynaptic_spikes, traces_t_ms)
        trial_row = np.array(
            [(trial, int(rows["spikes"].shape[0]), float(wall_s), _now().encode(), synapse_activations is not None)],
            dtype=self._h5.root.trials.dtype)
        before = self._sizes()
        keys_before = self._h5.root.traces._v_attrs.keys_json
        cache_before = list(self._t_cache)
        try:
            self._h5.root.spikes.append(rows["spikes"])
            self._h5.root.synapse_activations.append(rows["synapse_activations"])
            self._h5.root.presynaptic_spikes.append(rows["presynaptic_spikes"])
            self._append_traces(trial, rows["traces"])
            self._h5.root.trials.append(trial_row)
            self._h5.flush()
        except BaseException:
            self._rollback(before, keys_before)
            self._t_cache = cache_before
            raise
        assert self._completed is not None
        self._completed.add(trial)

    def _rows(self, trial: int, t_ms: ArrayLike, traces: Mapping[str, ArrayLike], spike_times_ms: ArrayLike,
              activations: Mapping[str, ArrayLike] | None, presynaptic: Mapping[str, ArrayLike] | None,
              traces_t_ms: Mapping[str, ArrayLike] | None) -> dict[str, Any]:
        """Validate one trial and build its rows (nothing is written here)."""
        t = np.ascontiguousarray(t_ms, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"trial {trial}: t_ms must be 1-D, got shape {t.shape}")
        own_t = {str(k): np.ascontiguousarray(v, dtype=np.float64) for k, v in (traces_t_ms or {}).items()}
        trace_rows = []
        for key, values in traces.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"trial {trial}: recording keys must be non-empty strings, got {key!r}")
            v = np.ascontiguousarray(values, dtype=np.float64)
            tk = own_t.get(key, t)
            if v.ndim != 1 or tk.ndim != 1 or v.shape[0] != tk.shape[0]:
                raise ValueError(f"trial {trial}: trace {key!r} has shape {v.shape}, its time vector {tk.shape}; "
                                 "they must be 1-D of equal length")
            trace_rows.append((key, tk, v))
        unknown = sorted(set(own_t) - {k for k, _, _ in trace_rows})
        if unknown:
            raise ValueError(f"trial {trial}: traces_t_ms names keys without a trace: {unknown}")
        spikes = np.asarray(spike_times_ms, dtype=np.float64).reshape(-1)
        out: dict[str, Any] = {"traces": trace_rows}
        spike_rows = np.empty(spikes.shape[0], dtype=self._h5.root.spikes.dtype)
        spike_rows["trial"] = trial
        spike_rows["time_ms"] = spikes
        out["spikes"] = spike_rows
        out["synapse_activations"] = self._long_rows(trial, "synapse_activations", activations or {
            "population": np.zeros(0, dtype=object), "synapse_id": [], "soma_distance_um": [], "section_id": [],
            "section_pt_id": [], "label": np.zeros(0, dtype=object), "time_ms": []})
        out["presynaptic_spikes"] = self._long_rows(trial, "presynaptic_spikes", presynaptic or {
            "population": np.zeros(0, dtype=object), "cell_id": [], "time_ms": []})
        return out

    def _long_rows(self, trial: int, name: str, columns: Mapping[str, ArrayLike]) -> NDArray[np.void]:
        table = self._h5.get_node("/", name)
        fields = [c for c in table.colnames if c != "trial"]
        missing = [c for c in fields if c not in columns]
        if missing:
            raise ValueError(f"trial {trial}: {name} columns lack {missing} (need {fields})")
        arrays = {c: np.asarray(columns[c]).reshape(-1) for c in fields}
        n = arrays["time_ms"].shape[0]
        bad = {c: a.shape[0] for c, a in arrays.items() if a.shape[0] != n}
        if bad:
            raise ValueError(f"trial {trial}: {name} columns differ in length ({n} times, {bad})")
        rows = np.empty(n, dtype=table.dtype)
        rows["trial"] = trial
        for c in fields:
            if c in _STRING_COLUMNS.get(name, ()):
                size = table.coldtypes[c].itemsize
                rows[c] = _encode(arrays[c], size, f"{name}.{c}")
            else:
                target = table.coldtypes[c]
                if np.issubdtype(target, np.integer):
                    if n and arrays[c].dtype.kind not in "iu":
                        raise ValueError(f"trial {trial}: {name}.{c} must hold integers, got {arrays[c].dtype}")
                    info = np.iinfo(target)
                    if n and (arrays[c].min() < info.min or arrays[c].max() > info.max):
                        raise ValueError(f"trial {trial}: {name}.{c} outside {info.min}..{info.max}")
                rows[c] = arrays[c]
        return rows

    def _keys(self) -> list[str]:
        return list(json.loads(str(self._h5.root.traces._v_attrs.keys_json)))

    def _append_traces(self, trial: int, trace_rows: list[tuple[str, NDArray[np.float64], NDArray[np.float64]]]) -> None:
        traces = self._h5.root.traces
        keys = self._keys()
        index_rows = np.empty(len(trace_rows), dtype=traces.index.dtype)
        for i, (key, t, v) in enumerate(trace_rows):
            if key not in keys:
                keys.append(key)
                array = self._h5.create_earray(traces, f"k{len(keys) - 1}", tables.Float64Atom(), shape=(0,),
                                               filters=_filters(), chunkshape=(_chunk(v.shape[0]),))
                array._v_attrs.key = key
                traces._v_attrs.keys_json = json.dumps(keys)
            k = keys.index(key)
            array = traces._f_get_child(f"k{k}")
            index_rows[i] = (trial, k, array.nrows, v.shape[0], self._t_offset(t))
            array.append(v)
        traces.index.append(index_rows)

    def _t_offset(self, t: NDArray[np.float64]) -> int:
        """Offset of ``t`` in ``/traces/t_ms``, appending it unless an equal vector is stored."""
        for offset, cached in self._t_cache:
            if cached.shape == t.shape and np.array_equal(cached, t):
                return offset
        traces = self._h5.root.traces
        if "t_ms" not in traces:
            self._h5.create_earray(traces, "t_ms", tables.Float64Atom(), shape=(0,), filters=_filters(),
                                   chunkshape=(_chunk(t.shape[0]),))
        offset = int(traces.t_ms.nrows)
        traces.t_ms.append(t)
        self._t_cache = [(offset, t.copy()), *self._t_cache][:_T_CACHE]
        return offset

    def _sizes(self) -> dict[str, int]:
        sizes = {name: int(self._h5.get_node("/" + name).nrows) for name in (*_ROW_TABLES, "trials")}
        for node in self._h5.root.traces._f_iter_nodes("Leaf"):
            if node._v_name != "index":
                sizes["traces/" + node._v_name] = int(node.nrows)
        return sizes

    def _rollback(self, before: dict[str, int], keys_json: str) -> None:
        for node in list(self._h5.root.traces._f_iter_nodes("Leaf")):
            if node._v_name != "index" and "traces/" + node._v_name not in before:
                node._f_remove()
        for name, n in before.items():
            node = self._h5.get_node("/" + name)
            if node.nrows > n:
                node.truncate(n)
        self._h5.root.traces._v_attrs.keys_json = keys_json
        self._h5.flush()

    def _remove_orphans(self) -> None:
        """Truncate rows of trials without a ``trials`` row (an interrupted append).

        Appends are sequential and a failed append is rolled back, so such rows can only sit at the
        ends of the tables: each table is cut after its last row of a completed trial (found by
        reading the ``trial`` column backwards, block by block)."""
        completed = self._completed_array()
        changed = False
        for name in _ROW_TABLES:
            table = self._h5.get_node("/" + name)
            end = _end_of_completed(table, completed)
            if end < table.nrows:
                table.truncate(end)
                changed = True
        index = self._h5.root.traces.index.read()
        for node in self._h5.root.traces._f_iter_nodes("Leaf"):
            if node._v_name == "index":
                continue
            if node._v_name == "t_ms":
                end = int((index["t_offset"] + index["n_samples"]).max()) if index.shape[0] else 0
            else:
                rows = index[index["key"] == int(node._v_name[1:])]
                end = int((rows["offset"] + rows["n_samples"]).max()) if rows.shape[0] else 0
            if node.nrows > end:
                node.truncate(end)
                changed = True
        if changed:
            self._h5.flush()
        if index.shape[0]:
            last = index[-1]
            t = self._h5.root.traces.t_ms[int(last["t_offset"]): int(last["t_offset"] + last["n_samples"])]
            self._t_cache = [(int(last["t_offset"]), np.asarray(t))]

    # ------------------------------------------------------------------ reading

    def keys(self) -> list[str]:
        """Keys accepted by ``store[key]``."""
        out = [k for k in FRAME_KEYS if k != "voltage_traces"]
        if self.soma_key in self._keys():
            out.append("voltage_traces")
        return out

    def trace_keys(self) -> list[str]:
        """Recording keys with stored traces (for :meth:`traces`)."""
        return self._keys()

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key == "spike_times":
            return self._spike_times()
        if key in ("spikes", "synapse_activations", "presynaptic_spikes"):
            return self._long(key)
        if key == "trials":
            return self._trials()
        if key == "voltage_traces":
            return self.traces(self.soma_key)
        raise KeyError(f"{key!r}: a run store has {', '.join(self.keys())}; other recordings via "
                       f".traces(key) for key in {self.trace_keys()}")

    def _completed_array(self) -> NDArray[np.int64]:
        return np.array(sorted(self.completed_trials()), dtype=np.int64)

    def _trials(self) -> pd.DataFrame:
        rows = self._h5.root.trials.read()
        order = np.argsort(rows["trial"], kind="stable")
        rows = rows[order]
        return pd.DataFrame(
            {"n_spikes": rows["n_spikes"], "wall_s": rows["wall_s"],
             "finished_at": [b.decode() for b in rows["finished_at"].tolist()], "has_input": rows["has_input"]},
            index=pd.Index(rows["trial"], name="trial"))

    def _long_columns(self, name: str) -> dict[str, Any]:
        """Columns of a row table, completed trials only, sorted by trial; strings as categoricals."""
        table = self._h5.get_node("/" + name)
        completed = self._completed_array()
        strings = _STRING_COLUMNS.get(name, ())
        vocabularies: dict[str, dict[bytes, int]] = {c: {} for c in strings}
        parts: dict[str, list[NDArray[Any]]] = {c: [] for c in table.colnames}
        for start in range(0, table.nrows, _BLOCK_ROWS):
            block = table.read(start, min(table.nrows, start + _BLOCK_ROWS))
            keep = _keep_completed(block["trial"], completed)
            if keep is not None:
                block = block[keep]
            for c in table.colnames:
                # strings: codes computed on the strided field directly; numbers: copied so the block can go
                parts[c].append(_codes(block[c], vocabularies[c]) if c in strings else np.ascontiguousarray(block[c]))
        columns: dict[str, Any] = {}
        for c in table.colnames:
            dtype = np.int32 if c in strings else table.coldtypes[c]
            columns[c] = np.concatenate(parts[c]) if parts[c] else np.zeros(0, dtype=dtype)
            if c in _INT64_COLUMNS:
                columns[c] = columns[c].astype(np.int64, copy=False)
        order = _trial_order(columns["trial"])
        if order is not None:
            columns = {c: v[order] for c, v in columns.items()}
        for c in strings:
            columns[c] = _categorical(columns[c], vocabularies[c])
        return columns

    def _long(self, name: str) -> pd.DataFrame:
        columns = self._long_columns(name)
        index = pd.Index(columns.pop("trial"), name="trial")
        return pd.DataFrame(columns, index=index)

    def _spike_times(self) -> pd.DataFrame:
        columns = self._long_columns("spikes")
        trials = self._completed_array()
        row_of = np.searchsorted(trials, columns["trial"])
        counts = np.bincount(row_of, minlength=trials.shape[0]).astype(np.int64)
        width = int(counts.max()) if counts.size else 0
        values = np.full((trials.shape[0], width), np.nan)
        starts = np.cumsum(counts) - counts
        position = np.arange(row_of.shape[0]) - np.repeat(starts, counts)
        values[row_of, position] = columns["time_ms"]
        return pd.DataFrame(values, index=pd.Index(trials, name="trial"), columns=pd.RangeIndex(width))

    def _index_rows(self, key: str) -> NDArray[np.void]:
        keys = self._keys()
        if key not in keys:
            raise KeyError(f"no traces of {key!r}; stored recording keys: {keys}")
        index = self._h5.root.traces.index.read()
        index = index[(index["key"] == keys.index(key)) & np.isin(index["trial"], self._completed_array())]
        return index[np.argsort(index["trial"], kind="stable")]

    def traces(self, key: str) -> pd.DataFrame:
        """Traces of a recording: index trial, columns = the time values (ms), like the legacy
        ``voltage_traces``.

        Raises:
            KeyError: no such recording.
            ValueError: the trials do not share one time vector (variable step); use :meth:`trace`.
        """
        rows = self._index_rows(key)
        trials = pd.Index(rows["trial"], name="trial")
        if not rows.shape[0]:
            return pd.DataFrame(index=trials, columns=pd.Index([], dtype=np.float64, name="t_ms"), dtype=np.float64)
        t_ms = self._h5.root.traces.t_ms
        n = int(rows["n_samples"][0])
        offsets = np.unique(rows["t_offset"])
        if np.any(rows["n_samples"] != n) or any(
                not np.array_equal(t_ms[o:o + n], t_ms[offsets[0]:offsets[0] + n]) for o in offsets[1:]):
            raise ValueError(f"the trials of {key!r} have different time vectors (variable time step); "
                             f"read them one by one with store.trace({key!r}, trial)")
        t = t_ms[int(offsets[0]): int(offsets[0]) + n]
        array = self._h5.root.traces._f_get_child(f"k{self._keys().index(key)}")
        starts = rows["offset"]
        if starts.shape[0] and np.all(np.diff(starts) == n) and array.nrows == starts[-1] + n and starts[0] == 0:
            values = array.read().reshape(-1, n)
        else:
            flat = array.read()
            values = flat[starts[:, None] + np.arange(n)[None, :]]
        return pd.DataFrame(values, index=trials, columns=pd.Index(t, name="t_ms"))

    def trace(self, key: str, trial: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(t_ms, values)`` of one trial's recording ``key``."""
        rows = self._index_rows(key)
        hit = rows[rows["trial"] == int(trial)]
        if not hit.shape[0]:
            raise KeyError(f"trial {trial} has no stored trace {key!r}")
        row = hit[0]
        n, o, to = int(row["n_samples"]), int(row["offset"]), int(row["t_offset"])
        array = self._h5.root.traces._f_get_child(f"k{self._keys().index(key)}")
        return np.asarray(self._h5.root.traces.t_ms[to:to + n]), np.asarray(array[o:o + n])


def _end_of_completed(table: tables.Table, completed: NDArray[np.int64]) -> int:
    """1 + the position of the last row of ``table`` that belongs to a completed trial (0 if none)."""
    end = table.nrows
    while end > 0:
        start = max(0, end - _BLOCK_ROWS // 16)
        ok = np.isin(table.read(start, end, field="trial"), completed)
        if ok.any():
            return start + int(np.flatnonzero(ok)[-1]) + 1
        end = start
    return 0


def _chunk(n_samples: int) -> int:
    """Chunk length of a flat trace array: about one trial, within 1 Ki … 128 Ki samples."""
    return int(min(max(n_samples, 1024), 1 << 17))


def _write_text(h5: tables.File, group: tables.Group, name: str, text: str) -> tables.Leaf:
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if data.size:
        return h5.create_carray(group, name, obj=data, filters=tables.Filters(complevel=5, complib="zlib"))
    return h5.create_array(group, name, obj=np.zeros(0, dtype=np.uint8))


def _read_text(node: tables.Leaf) -> str:
    return bytes(np.asarray(node.read(), dtype=np.uint8)).decode("utf-8")
