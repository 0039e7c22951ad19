"""``RunStore``: the HDF5 file of one run (PyTables) — spikes, synapse activations, presynaptic
spikes, traces and provenance, appended trial by trial and read back as pandas frames.

The layout, the compression and the guarantees (atomic appends, resuming after a crash) are described
in ``docs/store_format.md``. This class only opens and creates files; the work is done by
:mod:`isf.store.writer`, :mod:`isf.store.reader` and :mod:`isf.store.provenance`.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import tables
from numpy.typing import ArrayLike, NDArray

from isf.errors import ModelTypeError, StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store import layout, provenance
from isf.store.index import StoreIndex
from isf.store.layout import SOMA_KEY
from isf.store.reader import Reader, TraceBlobs
from isf.store.session import StoreFiles
from isf.store.writer import Writer

__all__ = ["RunStore"]


class RunStore:
    """The HDF5 file of one run. Create with :meth:`create`, read with :meth:`open`; use as a context
    manager. See ``docs/store_format.md`` for the layout and the guarantees."""

    def __init__(self, files: StoreFiles) -> None:
        self._files = files
        self.path = files.path
        self.mode = files.mode
        self._reader = Reader(files.index)
        self._writer = Writer(files.index, files.journal) if files.mode == "a" else None
        if self._writer is not None:
            self._writer.load_time_cache()

    @property
    def _h5(self) -> tables.File:
        """The main file (open read-only: appends go to the journal)."""
        return self._files.h5

    @property
    def _index(self) -> StoreIndex:
        return self._files.index

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
            experiment_json: the experiment as JSON text (:func:`isf.store.experiment_json`).
            run_seed: the run's seed.
            n_trials: number of trials of the run (trial indices 0 … n_trials − 1).
            extra: further JSON-able provenance (host, command line …).
            soma_key: recording key of the soma voltage (``store["voltage_traces"]``).

        Raises:
            FileExistsError: ``path`` holds something else (another run, naming what differs, or not
                a store).
            StoreError: ``experiment_json`` is not JSON, ``n_trials`` is negative, or ``extra`` cannot be
                written as JSON.
            ModelTypeError: ``run_seed`` is not an int (a ``TypeError``).
        """
        path = Path(path)
        try:
            requested = json.loads(experiment_json)
        except (TypeError, json.JSONDecodeError) as exc:
            raise StoreError(f"experiment_json is not JSON text: {exc}") from None
        if isinstance(run_seed, bool) or not isinstance(run_seed, (int, np.integer)):
            raise ModelTypeError(f"run_seed must be an int, got {run_seed!r}")
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 0:
            raise StoreError(f"n_trials must be an int >= 0, got {n_trials!r}")
        try:
            extra_json = json.dumps(dict(extra or {}), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"extra must be JSON-able: {exc}") from None
        if path.exists():
            cls._check_same_run(path, experiment_json, requested, int(run_seed), int(n_trials))
            return cls.open(path, "a")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with tables.open_file(str(tmp), "w", title=f"isf run (seed {int(run_seed)})") as h5:
                _initialise(h5, experiment_json, requested, int(run_seed), int(n_trials), extra_json, soma_key)
            try:
                os.link(tmp, path)  # fails if someone created path meanwhile: never overwrite
            except FileExistsError:
                cls._check_same_run(path, experiment_json, requested, int(run_seed), int(n_trials))
            except OSError:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return cls.open(path, "a")

    @classmethod
    def _check_same_run(cls, path: Path, text: str, requested: Any, run_seed: int, n_trials: int) -> None:
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
            stored = existing.experiment_json
            found = None if stored == text else provenance.first_difference(json.loads(stored), requested)
            if found:
                differences.append(found)
        if differences:
            raise FileExistsError(f"{path} holds a different run ({'; '.join(differences)}); choose another path, "
                                  "or remove the file to start over")

    @classmethod
    def open(cls, path: str | os.PathLike[str], mode: Literal["r", "a"] = "r") -> RunStore:
        """Open a store: ``"r"`` to read, ``"a"`` to append.

        Opening for appending restores every trial an interrupted writer completed (its journal is
        compacted into the main file) and takes the store's writer lock. A store open for reading may
        be appended to meanwhile by another process: every read shows the trials completed by then
        (a consistent, growing set; see ``docs/store_format.md``).

        Raises:
            MissingFileError: no such file (a ``FileNotFoundError``).
            StoreError: ``mode`` is neither ``"r"`` nor ``"a"``; the file is not an HDF5 file, truncated or
                damaged (saying what ``isf store recover`` can restore), locked, not an isf run store or of
                another format version; (``"a"``) another process appends to it, or its journal is damaged.
        """
        if mode not in ("r", "a"):
            raise StoreError(f"mode must be 'r' or 'a', got {mode!r}")
        return cls(StoreFiles(Path(path), mode))

    def close(self) -> None:
        """Close the store (a writer first compacts its journal into the main file).

        Raises:
            StoreError: the compaction failed (disk full …); the trials stay in the journal, and the next
                open for appending (or ``isf store recover``) moves them into the main file.
        """
        self._files.close()

    def compact(self) -> None:
        """Move the journal's trials into the main file now (a writer does so every so often and when
        it closes); e.g. before copying the main file alone."""
        self._writable()
        self._files.compact()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"{len(self.completed_trials())}/{self.n_trials} trials" if self._files.h5.isopen else "closed"
        return f"RunStore({str(self.path)!r}, mode={self.mode!r}, {state})"

    # ------------------------------------------------------------------ provenance

    @property
    def run_seed(self) -> int:
        """The run's seed (trial ``i`` draws from ``trial_rng(run_seed, i)``)."""
        return int(self._h5.root._v_attrs.run_seed)

    @property
    def n_trials(self) -> int:
        """Number of trials of the run (stored or not yet)."""
        return int(self._h5.root._v_attrs.n_trials)

    @property
    def soma_key(self) -> str:
        """Recording key of the soma voltage (the traces of ``store[\"voltage_traces\"]``)."""
        return str(self._h5.root._v_attrs.soma_key)

    @property
    def experiment_json(self) -> str:
        """The experiment JSON given to :meth:`create`."""
        return self._files.read(lambda: provenance.read_experiment(self._h5, self._index.synapse_table(),
                                                                   self._index.name_list("labels")))

    @property
    def provenance(self) -> dict[str, Any]:
        """Versions, seed, trial count, creation time, experiment JSON, ``extra`` and provenance files."""
        attrs = self._h5.root._v_attrs
        out: dict[str, Any] = {}
        for name in attrs._v_attrnamesuser:
            value = attrs[name]
            out[name] = value.item() if isinstance(value, np.generic) else value
        out["experiment_json"] = self.experiment_json
        out["extra"] = json.loads(provenance.read_text(self._h5.get_node("/provenance/extra_json")))
        out["files"] = self.provenance_files()
        return out

    def provenance_files(self) -> dict[str, str]:
        """Texts stored with :meth:`add_provenance_file`, by name."""
        return provenance.provenance_files(self._h5)

    def add_provenance_file(self, name: str, text: str) -> None:
        """Keep a text (an input file of the run, e.g. a legacy ``.param`` file) in the store.

        Raises:
            StoreError: the store is not writable, or a file of that name is stored already.
        """
        self._writable()
        self._files.compact(edit=lambda h5: provenance.add_provenance_file(h5, name, text))

    def record_failure(self, trial: int, reason: str, *, wall_s: float = math.nan) -> None:
        """Keep that ``trial`` failed (e.g. a runaway trial stopped by its wall-clock limit) and why; it is
        not a completed trial, and a resumed run does not run it again (:meth:`failed_trials`).

        Raises:
            StoreError: trial index out of range, already completed, or store not writable.
        """
        self._writable()
        if not 0 <= int(trial) < self.n_trials or int(trial) in self.completed_trials():
            raise StoreError(f"{self.path}: cannot record trial {trial} as failed: it must be one of 0..{self.n_trials - 1} "
                             "not completed")
        self._files.compact(edit=lambda h5: provenance.add_failure(h5, int(trial), reason, float(wall_s)))

    def failed_trials(self) -> pd.DataFrame:
        """The trials recorded as failed: index trial; ``reason``, ``wall_s``, ``finished_at``."""
        failures = self._files.read(lambda: provenance.read_failures(self._h5))
        frame = pd.DataFrame(failures, columns=["trial", "reason", "wall_s", "finished_at"])
        return frame.set_index("trial").sort_index()

    # ------------------------------------------------------------------ writing

    def _writable(self) -> Writer:
        if not self._files.h5.isopen:
            raise StoreError(f"{self.path} is closed")
        if self._writer is None:
            raise StoreError(f"{self.path} is open read-only; use RunStore.open(path, 'a') to append")
        return self._writer

    def completed_trials(self) -> set[int]:
        """Indices of the trials stored completely."""
        return self._files.read(self._index.completed_trials)

    def append(self, result: TrialResult, network: Network, *, wall_s: float = math.nan) -> None:
        """Store one trial of a network run (its ``trials`` row last, then flush).

        Args:
            result: the trial.
            network: the network the trial's input was drawn for (gives the synapses' locations).
            wall_s: wall-clock time the trial took, s (NaN if unknown).

        Raises:
            StoreError: wrong seed, trial index out of range or already stored, input not of ``network``,
                names too long, traces not matching ``t_ms``, store not writable.
        """
        writer = self._writable()
        writer.append(result, network, wall_s)
        if writer.should_compact():
            self._files.compact()

    def append_trial(self, trial: int, *, t_ms: ArrayLike, traces: Mapping[str, ArrayLike], spike_times_ms: ArrayLike,
                     synapse_activations: Mapping[str, ArrayLike] | None = None,
                     presynaptic_spikes: Mapping[str, ArrayLike] | None = None, wall_s: float = math.nan,
                     traces_t_ms: Mapping[str, ArrayLike] | None = None) -> None:
        """Store one trial from plain columns (e.g. a legacy import).

        Args:
            trial: trial index, 0 … n_trials − 1, not yet stored.
            t_ms: sample times of the traces, ms.
            traces: recording key → samples (same length as ``t_ms`` unless ``traces_t_ms`` gives the key's times).
            spike_times_ms: soma spike times, ms.
            synapse_activations: long-form columns as :func:`~isf.model.trial_result.activation_columns`;
                ``None``: the trial's input is not known (``has_input`` false).
            presynaptic_spikes: long-form columns as :func:`~isf.model.trial_result.presynaptic_columns`.
            wall_s: wall-clock time of the trial, s.
            traces_t_ms: per-key time vectors (ms) for keys whose times differ from ``t_ms``.

        Raises:
            StoreError: trial index out of range or already stored, columns missing or of unequal length,
                names too long, traces not matching their times, store not writable.
        """
        writer = self._writable()
        writer.append_trial(trial, t_ms=t_ms, traces=traces, spike_times_ms=spike_times_ms,
                            synapse_activations=synapse_activations, presynaptic_spikes=presynaptic_spikes,
                            wall_s=wall_s, traces_t_ms=traces_t_ms)
        if writer.should_compact():
            self._files.compact()

    # ------------------------------------------------------------------ reading

    def keys(self) -> list[str]:
        """Keys accepted by ``store[key]``."""
        return self._files.read(lambda: self._reader.keys(self.soma_key))

    def trace_keys(self) -> list[str]:
        """Recording keys with stored traces (for :meth:`traces`)."""
        return self._files.read(self._index.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __getitem__(self, key: str) -> pd.DataFrame:
        """``spike_times`` (wide, NaN-padded, like the legacy database), ``spikes``,
        ``synapse_activations``, ``presynaptic_spikes`` (long form), ``trials``, ``voltage_traces`` (soma)."""
        return self._files.read(lambda: self._reader.frame(key, self.soma_key))

    def read(self, key: str, trials: Sequence[int] | None = None, columns: Sequence[str] | None = None
             ) -> pd.DataFrame:
        """The frame ``store[key]`` of some trials only: the completed ones among ``trials`` (all if
        ``None``), and of some ``columns`` only (all if ``None``). Only their blobs are read, so a chunk of
        trials costs memory and time in proportion to its size (the study view reads a run this way,
        chunk by chunk); activations without ``time_ms`` need one blob per trial instead of four.

        Raises:
            UnknownNameError: no such frame or column (a ``KeyError``).
        """
        return self._files.read(lambda: self._reader.frame(key, self.soma_key, trials, columns))

    def traces(self, key: str, trials: Sequence[int] | None = None) -> pd.DataFrame:
        """Traces of a recording: index trial, columns = the time values (ms), like the legacy
        ``voltage_traces``; of the completed trials among ``trials`` only, if given.

        Raises:
            UnknownNameError: no such recording (a ``KeyError``).
            StoreError: the trials do not share one time vector (variable step); use :meth:`trace`.
        """
        return self._files.read(lambda: self._reader.traces(key, trials))

    def _trace_blobs(self, key: str, trials: Sequence[int] | None = None) -> TraceBlobs:
        """The stored bytes of :meth:`traces` (copied out of the file), decoded by ``.decode()``."""
        return self._files.read(lambda: self._reader.trace_blobs(key, trials))

    def trace(self, key: str, trial: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(t_ms, values)`` of one trial's recording ``key``.

        Raises:
            UnknownNameError: no such recording, or the trial has no trace of it (a ``KeyError``).
        """
        return self._files.read(lambda: self._reader.trace(key, trial))


def _initialise(h5: tables.File, experiment_json: str, requested: Any, run_seed: int, n_trials: int,
                extra_json: str, soma_key: str) -> None:
    """Write the root attributes, the empty nodes and the provenance of a new store."""
    root = h5.root._v_attrs
    root.format = layout.FORMAT
    root.format_version = layout.FORMAT_VERSION
    for name, value in provenance.versions().items():
        setattr(root, name, value)
    root.run_seed = run_seed
    root.n_trials = n_trials
    root.soma_key = soma_key
    root.created_at = provenance.now()
    root.store_id = uuid.uuid4().hex
    root.journal_seq = 0
    layout.create_nodes(h5)
    provenance.write_experiment(h5, experiment_json, requested, extra_json)
