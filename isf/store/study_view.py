"""``StudyView``: the runs of a study as lazy dask data frames, read chunk of trials by chunk of trials.

A study is many runs (run-store files), each labelled with its *conditions* (e.g.
``{"whisker": "B1"}``). The view lists the completed trials of every run once (the small ``trials``
tables only) and hands out dask data frames whose partitions are chunks of trials of one run, read
from the store only when a partition is computed: nothing is materialised for all trials at once.

Every frame is indexed by ``study_trial`` — the position of a (run, trial) in the view (runs in the
order given, trials ascending), so divisions are known — and starts with the columns
``<condition names…>, run, trial`` (categoricals for the conditions and the run, int64 for the
trial): rows of one trial share one ``study_trial`` and lie in one partition. See
``docs/study.md``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from isf.errors import StoreError, UnknownNameError
from isf.store.run_store import RunStore

if TYPE_CHECKING:
    import dask.array as da
    import dask.dataframe as dd

    from isf.store.database import Database

__all__ = ["CHUNK_TRIALS", "CONDITIONS_FILE", "FRAME_CHUNK_TRIALS", "LONG_FRAMES", "StudyRun", "StudyView",
           "read_conditions", "write_conditions"]

#: Name of the provenance file (in the run store) that holds the run's condition labels as JSON.
CONDITIONS_FILE = "study_conditions.json"
#: Long-form frames of the view (one row per event) and the store frame each is read from.
LONG_FRAMES = {"spike_times": "spikes", "synapse_activations": "synapse_activations",
               "presynaptic_spikes": "presynaptic_spikes"}
#: Default trials per partition of traces (a 300 ms soma trace at dt 0.025 ms: 200 trials ≈ 19 MB).
CHUNK_TRIALS = 200
#: Default trials per partition of each store frame: a partition of a few tens of MB at most (~3,900
#: activations or ~11,000 presynaptic spikes per trial: 400 trials ≈ 50 MB), soma spikes of a whole
#: run in one (a few spikes per trial: reading a partition costs little more than opening the file).
FRAME_CHUNK_TRIALS = {"spikes": 1 << 16, "synapse_activations": 400, "presynaptic_spikes": 400}
# HDF5 (as usually built) is not thread-safe: one chunk read at a time per process, the analysis of
# chunks already read goes on in the other threads.
_HDF5_LOCK = threading.Lock()


def _labels(conditions: Mapping[str, Any]) -> dict[str, str]:
    """Condition labels as strings (numbers are kept as their text)."""
    out = {}
    for name, value in conditions.items():
        if not isinstance(name, str) or not name or name in ("run", "trial"):
            raise StoreError(f"condition names must be non-empty strings other than 'run' and 'trial', got {name!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float, np.integer, np.floating)):
            raise StoreError(f"condition {name!r}: a label must be a string or a number, got {value!r}")
        out[name] = str(value)
    return out


def write_conditions(store: RunStore, conditions: Mapping[str, Any]) -> None:
    """Keep the condition labels of a run in its store (a provenance file, :data:`CONDITIONS_FILE`).

    Raises:
        StoreError: the store holds other labels already (a run belongs to one condition), or a label is
            not a string or number.
    """
    labels = _labels(conditions)
    stored = read_conditions(store)
    if stored is None:
        store.add_provenance_file(CONDITIONS_FILE, json.dumps(labels, sort_keys=True))
    elif stored != labels:
        raise StoreError(f"{store.path} holds the run of the conditions {stored}, not {labels}; use another key")


def read_conditions(store: RunStore) -> dict[str, str] | None:
    """The condition labels kept in a store by :func:`write_conditions` (``None`` if it has none)."""
    text = store.provenance_files().get(CONDITIONS_FILE)
    return None if text is None else dict(json.loads(text))


@attrs.frozen(hash=False)
class StudyRun:
    """One run of a study: its name (the database key joined by ``/``, or the file's path), its store
    file and its condition labels."""

    name: str
    path: Path = attrs.field(converter=Path)
    conditions: Mapping[str, str] = attrs.field(converter=_labels)


@attrs.frozen(hash=False)
class _Run:
    """What the view read of a run when it was made."""

    run: StudyRun
    trials: np.ndarray  # completed trials, ascending
    n_spikes: np.ndarray
    has_input: np.ndarray
    populations: tuple[str, ...]
    labels: tuple[str, ...]
    sources: tuple[str, ...]
    trace_keys: tuple[str, ...]
    soma_key: str


def _survey(run: StudyRun) -> _Run:
    with _HDF5_LOCK, RunStore.open(run.path) as store:
        rows = store.read("trials")
        index = store._index  # the name lists without reading any blob
        return _Run(run, rows.index.to_numpy(np.int64), rows["n_spikes"].to_numpy(np.int64),
                    rows["has_input"].to_numpy(bool), tuple(index.name_list("populations")),
                    tuple(index.name_list("labels")), tuple(index.name_list("sources")), tuple(store.trace_keys()),
                    store.soma_key)


@attrs.frozen(hash=False)
class _Chunk:
    """One partition: trials ``trials`` of the run at ``path``; ``first`` is the study_trial of the first."""

    path: Path
    trials: tuple[int, ...]
    first: int
    labels: Mapping[str, str]
    run: str


@attrs.frozen(hash=False)
class _Layout:
    """How a partition's columns are typed: condition and run categories, name categories."""

    frame: str  # store frame name, or "traces:<key>"
    conditions: Mapping[str, tuple[str, ...]]
    runs: tuple[str, ...]
    populations: tuple[str, ...]
    labels: tuple[str, ...]
    sources: tuple[str, ...]


def _read_chunk(chunk: _Chunk, layout: _Layout, columns: list[Any] | None = None) -> pd.DataFrame:
    """A partition of the view: the store frame of the chunk's trials, with the label columns in front;
    of ``columns`` only, if given (dask passes the columns an expression uses: only their blobs are read)."""
    labels = [*layout.conditions, "run", "trial"]
    wanted = None if columns is None else [c for c in columns if c not in labels]
    with _HDF5_LOCK, RunStore.open(chunk.path) as store:
        if layout.frame.startswith("traces:"):
            data = store.traces(layout.frame[len("traces:"):], list(chunk.trials))
        else:
            data = store.read(layout.frame, list(chunk.trials), wanted)
    out = _decorate(data, chunk, layout)
    return out if columns is None else out[list(columns)]


def _read_trace_block(chunk: _Chunk, key: str) -> np.ndarray:
    """The traces of recording ``key`` of the chunk's trials as one (trials × samples) float64 array."""
    with _HDF5_LOCK, RunStore.open(chunk.path) as store:
        blobs = store._trace_blobs(key, list(chunk.trials))
    return blobs.decode()  # outside the lock: threads decode in parallel (blosc2 and numpy release the GIL)


def _decorate(data: pd.DataFrame, chunk: _Chunk, layout: _Layout) -> pd.DataFrame:
    trials = data.index.to_numpy(np.int64)
    position = np.searchsorted(np.asarray(chunk.trials, dtype=np.int64), trials)
    front: dict[Any, Any] = {}
    for name, categories in layout.conditions.items():
        front[name] = pd.Categorical.from_codes(np.full(len(trials), categories.index(chunk.labels[name])
                                                        if chunk.labels else 0, dtype=np.int32), categories)
    front["run"] = pd.Categorical.from_codes(np.full(len(trials), layout.runs.index(chunk.run) if chunk.run else 0,
                                                     dtype=np.int32), layout.runs)
    front["trial"] = trials
    out = pd.DataFrame(front, index=pd.Index(chunk.first + position, name="study_trial"))
    data = data.reset_index(drop=True)
    data.index = out.index
    for name, categories in (("population", layout.populations), ("label", layout.labels),
                             ("source", layout.sources)):
        if name in data.columns:
            data[name] = data[name].cat.set_categories(categories)
    return pd.concat([out, data], axis=1)


class StudyView:
    """The runs of a study as lazy dask data frames partitioned by chunks of trials.

    Args:
        runs: the runs, each with its condition labels (every run must have the same condition names).
        chunk_trials: trials per partition of every frame (default ``None``: per frame,
            :data:`FRAME_CHUNK_TRIALS` and :data:`CHUNK_TRIALS` for traces).

    Raises:
        StoreError: runs with different condition names, two runs of one name, a run that is not a store.
    """

    def __init__(self, runs: Sequence[StudyRun], *, chunk_trials: int | None = None) -> None:
        if chunk_trials is not None and chunk_trials < 1:
            raise StoreError(f"chunk_trials must be >= 1, got {chunk_trials}")
        self.chunk_trials = None if chunk_trials is None else int(chunk_trials)
        self.runs: tuple[StudyRun, ...] = tuple(runs)
        names = [r.name for r in self.runs]
        if len(set(names)) != len(names):
            raise StoreError(f"two runs of one name in {names}")
        self.condition_names: tuple[str, ...] = tuple(self.runs[0].conditions) if self.runs else ()
        for r in self.runs:
            if set(r.conditions) != set(self.condition_names):
                raise StoreError(f"run {r.name!r} has the conditions {sorted(r.conditions)}, the first run "
                                 f"{sorted(self.condition_names)}: give every run the same condition names")
        self._surveys = [_survey(r) for r in self.runs]
        # categories in order of first appearance, so that results list the conditions as the runs came
        self.categories: dict[str, tuple[str, ...]] = {
            c: tuple(dict.fromkeys(r.conditions[c] for r in self.runs)) for c in self.condition_names}
        self._populations = tuple(sorted({p for s in self._surveys for p in s.populations}))
        self._labels = tuple(sorted({p for s in self._surveys for p in s.labels}))
        self._sources = tuple(sorted({p for s in self._surveys for p in s.sources}))
        self._starts = np.cumsum([0] + [s.trials.shape[0] for s in self._surveys])
        self._trials: pd.DataFrame | None = None

    # ------------------------------------------------------------------ making a view

    @classmethod
    def of_database(cls, db: Database, *, under: str | tuple[str, ...] = (), chunk_trials: int | None = None
                    ) -> StudyView:
        """Every run-store item of ``db`` (under the key prefix ``under``, if given) that holds condition
        labels (written by :func:`isf.backends.study_runs.run_condition`), in key order."""
        prefix = (under,) if isinstance(under, str) else tuple(under)
        runs = []
        for key in db.keys():
            parts = (key,) if isinstance(key, str) else tuple(key)
            if parts[:len(prefix)] != prefix or db.metadata(key)["format"] != "run-store":
                continue
            path = db.item_path(key)
            if not path.is_file():  # a run whose store is not written yet
                continue
            with _HDF5_LOCK, RunStore.open(path) as store:
                labels = read_conditions(store)
            if labels is not None:
                runs.append(StudyRun("/".join(parts), path, labels))
        return cls(runs, chunk_trials=chunk_trials)

    @classmethod
    def of_stores(cls, paths: Sequence[str | os.PathLike[str]],
                  conditions: Sequence[Mapping[str, Any]] | None = None, *, chunk_trials: int | None = None
                  ) -> StudyView:
        """Store files, labelled by ``conditions`` (one mapping per path; default: the labels kept in
        each store, or none)."""
        if conditions is not None and len(conditions) != len(paths):
            raise StoreError(f"{len(paths)} store files but {len(conditions)} condition mappings")
        runs = []
        for i, path in enumerate(paths):
            if conditions is not None:
                labels: Mapping[str, Any] = conditions[i]
            else:
                with _HDF5_LOCK, RunStore.open(path) as store:
                    labels = read_conditions(store) or {}
            runs.append(StudyRun(os.fspath(path), Path(path), labels))
        return cls(runs, chunk_trials=chunk_trials)

    def __repr__(self) -> str:
        return (f"StudyView({len(self.runs)} runs, {self.n_trials} trials, conditions "
                f"{list(self.condition_names)}, {self.chunk_trials or 'default'} trials per partition)")

    # ------------------------------------------------------------------ small tables (pandas)

    @property
    def n_trials(self) -> int:
        """Completed trials of all runs (when the view was made)."""
        return int(self._starts[-1])

    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial (pandas; read when the view was made): index ``study_trial``, columns
        ``<conditions…>, run, trial, n_spikes, has_input``."""
        if self._trials is None:
            self._trials = self._trial_table()
        return self._trials.copy()

    def _trial_table(self) -> pd.DataFrame:
        parts = []
        for survey, first in zip(self._surveys, self._starts):
            chunk = _Chunk(survey.run.path, tuple(survey.trials.tolist()), int(first), survey.run.conditions,
                           survey.run.name)
            data = pd.DataFrame({"n_spikes": survey.n_spikes, "has_input": survey.has_input},
                                index=pd.Index(survey.trials, name="trial"))
            parts.append(_decorate(data, chunk, self._layout("trials")))
        if not parts:
            return _decorate(pd.DataFrame({"n_spikes": np.zeros(0, np.int64), "has_input": np.zeros(0, bool)},
                                          index=pd.Index(np.zeros(0, np.int64), name="trial")),
                             _Chunk(Path(), (), 0, {}, ""), self._layout("trials"))
        return pd.concat(parts)

    def runs_table(self) -> pd.DataFrame:
        """One row per run: its conditions, path and number of completed trials."""
        return pd.DataFrame([{**r.conditions, "run": r.name, "path": str(r.path), "trials": s.trials.shape[0]}
                             for r, s in zip(self.runs, self._surveys)])

    # ------------------------------------------------------------------ lazy frames (dask)

    @property
    def spike_times(self) -> dd.DataFrame:
        """Soma spikes, one row per spike: label columns, ``time_ms``. (Trials without spikes have no
        row: count trials with :attr:`trials`.)"""
        return self.frame("spike_times")

    @property
    def synapse_activations(self) -> dd.DataFrame:
        """Synapse activations, one row per release: label columns, population, synapse_id,
        soma_distance_um, section_id, section_pt_id, label, time_ms."""
        return self.frame("synapse_activations")

    @property
    def presynaptic_spikes(self) -> dd.DataFrame:
        """Presynaptic spikes, one row per spike: label columns, population, cell_id, time_ms, source (the
        spike-source tag; missing where not known)."""
        return self.frame("presynaptic_spikes")

    @property
    def voltage_traces(self) -> dd.DataFrame:
        """Soma voltage, one row per trial: label columns, then one float64 column per sample time (ms)."""
        keys = {s.soma_key for s in self._surveys}
        if len(keys) > 1:
            raise StoreError(f"the runs record the soma under different keys {sorted(keys)}; use .traces(key)")
        return self.traces(keys.pop() if keys else "soma")

    def frame(self, name: str) -> dd.DataFrame:
        """A long-form frame by name: ``spike_times``, ``synapse_activations``, ``presynaptic_spikes``."""
        if name not in LONG_FRAMES:
            raise UnknownNameError(f"{name!r}: the view has the frames {sorted(LONG_FRAMES)}, "
                                   "voltage_traces and traces(key)")
        layout = self._layout(LONG_FRAMES[name])
        if self._surveys:
            with _HDF5_LOCK, RunStore.open(self._surveys[0].run.path) as store:
                empty = store.read(layout.frame, [])
        else:
            empty = pd.DataFrame()
        meta = _decorate(empty, _Chunk(Path(), (), 0, {c: v[0] for c, v in layout.conditions.items()}, ""), layout)
        return self._from_chunks(layout, meta)

    def time_ms(self, key: str) -> np.ndarray:
        """The sample times (ms) of recording ``key``, shared by every trial of the view.

        Raises:
            StoreError: runs without traces of ``key`` or with other sample times (variable step).
        """
        times = None
        for survey in self._surveys:
            if not survey.trials.shape[0]:
                continue
            if key not in survey.trace_keys:
                raise UnknownNameError(f"run {survey.run.name!r} has no traces of {key!r} ({list(survey.trace_keys)})")
            with _HDF5_LOCK, RunStore.open(survey.run.path) as store:
                t, _ = store.trace(key, int(survey.trials[0]))
            if times is None:
                times = t
            elif not np.array_equal(times, t):
                raise StoreError(f"run {survey.run.name!r} samples {key!r} at other times than the first run; "
                                 "make views of runs with one time grid")
        return np.zeros(0) if times is None else times

    def traces(self, key: str) -> dd.DataFrame:
        """Traces of recording ``key`` (e.g. a dendritic one), one row per trial: label columns, then one
        float64 column per sample time (ms; :meth:`time_ms`)."""
        layout = self._layout("traces:" + key)
        t = self.time_ms(key)
        empty = pd.DataFrame(np.zeros((0, t.shape[0])), columns=pd.Index(t, name="t_ms"),
                             index=pd.Index(np.zeros(0, np.int64), name="trial"))
        meta = _decorate(empty, _Chunk(Path(), (), 0, {c: v[0] for c, v in layout.conditions.items()}, ""), layout)
        return self._from_chunks(layout, meta)

    def trace_array(self, key: str) -> da.Array:
        """Traces of recording ``key`` as a lazy dask array, trials × samples (float64), one block per
        partition; row ``i`` is ``study_trial`` ``i`` (its labels: row ``i`` of :attr:`trials`), column ``j``
        the sample at ``time_ms(key)[j]``. Cheaper than :meth:`traces` on a ``dask.distributed`` cluster,
        which measures every wide frame it keeps column by column."""
        import dask
        import dask.array as da

        n = self.time_ms(key).shape[0]
        chunks = self.chunks("traces:" + key)
        if not chunks:
            return da.zeros((0, n), dtype=np.float64)
        read = dask.delayed(_read_trace_block, pure=True)
        return da.concatenate([da.from_delayed(read(c, key), shape=(len(c.trials), n), dtype=np.float64)
                               for c in chunks], axis=0)

    def _layout(self, frame: str) -> _Layout:
        return _Layout(frame, self.categories, tuple(r.name for r in self.runs) or ("",), self._populations,
                       self._labels, self._sources)

    def chunk_size(self, frame: str = "traces") -> int:
        """Trials per partition of a store frame (``spikes``, ``synapse_activations``, …) or of traces
        (``traces`` or ``traces:<key>``)."""
        if self.chunk_trials is not None:
            return self.chunk_trials
        return FRAME_CHUNK_TRIALS.get(frame, CHUNK_TRIALS)

    def chunks(self, frame: str = "traces") -> list[_Chunk]:
        """The partitions of a frame (see :meth:`chunk_size`): chunks of trials of one run."""
        out = []
        size = self.chunk_size(frame)
        for survey, first in zip(self._surveys, self._starts):
            for i in range(0, survey.trials.shape[0], size):
                out.append(_Chunk(survey.run.path, tuple(survey.trials[i:i + size].tolist()),
                                  int(first) + i, survey.run.conditions, survey.run.name))
        return out

    def _from_chunks(self, layout: _Layout, meta: pd.DataFrame) -> dd.DataFrame:
        import dask.dataframe as dd

        chunks = self.chunks(layout.frame)
        if not chunks:
            return dd.from_pandas(meta, npartitions=1)
        divisions = tuple(c.first for c in chunks) + (chunks[-1].first + len(chunks[-1].trials) - 1,)
        return dd.from_map(_read_chunk, chunks, layout=layout, meta=meta, divisions=divisions,
                           enforce_metadata=False, label="isf-study-" + layout.frame.replace(":", "-"))
