"""Read one result folder of ISF's legacy simulator (``simrun``, LEGACY_FORMATS §7), run by run.

:func:`read_legacy_simrun` checks the folder and returns a :class:`LegacySimrun`; its
:meth:`~LegacySimrun.runs` read the runs one at a time. :func:`isf.backends.legacy_import.import_legacy_simrun`
keeps them in a run store; the decisions below describe both.

A folder ``<YYYYMMDD-HHMM>_<uniqueID>/`` holds::

    <uniqueID>_vm_all_traces.csv                  soma voltage of every run (§7.2)
    <uniqueID>_<site label>_vm_dend_traces.csv    one per recording site
    simulation_runNNNN_synapses.csv               synapse activations of run NNNN (§5.4)
    simulation_runNNNN_presynaptic_cells.csv      presynaptic spikes of run NNNN (§5.5)
    <uniqueID>_neuron_model.param, <uniqueID>_network_model.param

``uniqueID`` is ``seed<seed>_pid<pid>`` (HEAD), a pid (old folders such as ``20150815-1530_20240``)
or ``00000`` (replays, with 7-digit run numbers).

Decisions:

* Trial index = run number (``Vm run 03`` and ``simulation_run0003_…`` are trial 3). Every run of
  the soma traces file is imported; activation files may exist for only some runs (the ISF example
  folder keeps two of its six runs): those trials have ``has_input = True`` in the ``trials`` table,
  the others ``False``, and ``provenance["extra"]["legacy_simrun"]`` lists which runs had which
  files. An activation file of a run missing from the traces is an error.
* Soma spikes are detected from the soma traces with the legacy rule (threshold 0 mV, first sample
  at or above after one below, no interpolation — :func:`isf.model.spikes.spike_times`), so
  ``store["spike_times"]`` equals the legacy database's ``spike_times``.
* Times are kept as in the files (old folders start at t = 100 ms, the old ``tOffset``).
* Recording keys: ``soma`` for ``*_vm_all_traces.csv``; the site label from the file name for
  dendritic traces (``apical_proximal_distal_rec_sites_ID_000_sec_038_seg_032_x_0.929_somaDist_920.7``).
* The two ``.param`` files are stored verbatim as provenance files. The experiment JSON of the store
  describes the source (unique ID, seed, MD5 of the parameter files) and, if the cell parameter file
  can be read (its morphology found via ``search_roots``), the typed cell and simulation settings.
* Legacy runs know no ``isf`` run seed: the store's ``run_seed`` is ``-1``; the legacy numpy seed
  (if the folder name has one) is in the provenance.
* The store is built in a temporary file next to ``store_path`` and moved into place at the end, so
  a failed import leaves nothing behind (:mod:`isf.backends.legacy_import`).
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.errors import LegacyFormatError, MissingFileError
from isf.dsl.simrun_files import (
    Columns,
    TraceTable,
    read_presynaptic_spike_file,
    read_synapse_activation_file,
    read_trace_file,
)
from isf.model.spikes import spike_times

__all__ = ["DEND_TRACES_SUFFIX", "LegacyRun", "LegacySimrun", "SOMA_KEY", "SOMA_TRACES_SUFFIX", "read_legacy_simrun"]

SOMA_TRACES_SUFFIX = "_vm_all_traces.csv"
DEND_TRACES_SUFFIX = "_vm_dend_traces.csv"
#: Recording key of the soma traces (``*_vm_all_traces.csv``).
SOMA_KEY = "soma"
#: Legacy somatic spike threshold, mV.
_SPIKE_THRESHOLD_MV = 0.0
_SYNAPSES = re.compile(r"simulation_run(\d+)_synapses\.csv")
_PRESYNAPTIC = re.compile(r"simulation_run(\d+)_presynaptic_cells\.csv")
_SEED = re.compile(r"seed(\d+)_pid(\d+)")


@attrs.frozen(eq=False)
class LegacyRun:
    """One run of a legacy simrun folder: one trial.

    Attributes:
        trial: the run number (trial index).
        t_ms: sample times of the soma traces, ms.
        traces: recording key (``soma``, dendritic site labels) → voltage, mV.
        traces_t_ms: sample times (ms) of the keys whose times differ from ``t_ms``.
        spike_times_ms: soma spikes (legacy rule, threshold 0 mV), ms.
        synapse_activations: long-form columns of the run's synapse file (``None``: no file).
        presynaptic_spikes: long-form columns of the run's presynaptic file (``None``: no file).
    """

    trial: int
    t_ms: NDArray[np.float64]
    traces: dict[str, NDArray[np.float64]]
    traces_t_ms: dict[str, NDArray[np.float64]]
    spike_times_ms: NDArray[np.float64]
    synapse_activations: Columns | None
    presynaptic_spikes: Columns | None


@attrs.frozen(eq=False)
class LegacySimrun:
    """A checked legacy simrun folder: what describes it, and its runs (read by :meth:`runs`).

    Attributes:
        folder: the result folder.
        unique_id: the folder's unique ID (``seed<seed>_pid<pid>``, a pid or ``00000``).
        n_trials: highest run number + 1 (0 without runs).
        source: description of the source (unique ID, legacy seed, MD5 of the parameter files and,
            if the cell parameter file could be read, the typed cell and simulation as data).
        extra: provenance of the folder under ``"legacy_simrun"`` (files, runs, MD5 sums).
        parameter_files: file name → text of the ``.param`` files, verbatim.
    """

    folder: Path
    unique_id: str
    n_trials: int
    source: dict[str, Any]
    extra: dict[str, Any]
    parameter_files: dict[str, str]
    _soma: TraceTable
    _dend: dict[str, TraceTable]
    _synapse_files: dict[int, Path]
    _presynaptic_files: dict[int, Path]

    def runs(self) -> Iterator[LegacyRun]:
        """The runs in the order of the soma traces file, each read when reached (activation files are large)."""
        soma = self._soma
        for column, run in enumerate(soma.runs):
            traces = {SOMA_KEY: soma.values[column]}
            own_t = {}
            for label, table in self._dend.items():
                traces[label] = table.values[column]
                if not (table.t_ms.shape == soma.t_ms.shape and np.array_equal(table.t_ms, soma.t_ms)):
                    own_t[label] = table.t_ms
            synapse_file = self._synapse_files.get(run)
            presynaptic_file = self._presynaptic_files.get(run)
            yield LegacyRun(
                trial=run,
                t_ms=soma.t_ms,
                traces=traces,
                traces_t_ms=own_t,
                spike_times_ms=spike_times(soma.t_ms, soma.values[column], _SPIKE_THRESHOLD_MV),
                synapse_activations=read_synapse_activation_file(synapse_file) if synapse_file else None,
                presynaptic_spikes=read_presynaptic_spike_file(presynaptic_file) if presynaptic_file else None,
            )


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _runs_of(folder: Path, pattern: re.Pattern[str]) -> dict[int, Path]:
    out: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        m = pattern.fullmatch(path.name)
        if m and path.is_file():
            run = int(m.group(1))
            if run in out:
                raise LegacyFormatError(path, None, f"run {run} also has {out[run].name}")
            out[run] = path
    return out


def _cell_description(neuron_param: Path, search_roots: Sequence[str | os.PathLike[str]]) -> dict[str, Any]:
    """The typed cell and simulation of the neuron parameter file, or why they could not be read."""
    from isf.dsl.cell_param import read_cell_param
    from isf.model.codec import to_data
    from isf.errors import ModelValueError

    try:
        params = read_cell_param(neuron_param, search_roots)
        return {"cell": to_data(params.cell), "simulation": to_data(params.simulation)}
    except (FileNotFoundError, LegacyFormatError, ModelValueError, ValueError, TypeError) as exc:
        return {"cell_error": f"{type(exc).__name__}: {exc}"}


def read_legacy_simrun(folder: str | os.PathLike[str],
                       search_roots: Sequence[str | os.PathLike[str]] = ()) -> LegacySimrun:
    """Check a legacy simrun result folder and read its traces and descriptions (see the module
    documentation); the runs' activation files are read by :meth:`LegacySimrun.runs`.

    Args:
        folder: the result folder (``…/results/20150815-1530_20240``).
        search_roots: folders where files named in the cell parameter file (morphology, landmarks) are
            looked up (they are absolute paths from another machine).

    Raises:
        MissingFileError: ``folder`` does not exist (a ``FileNotFoundError``).
        LegacyFormatError: missing or inconsistent files (naming file and line).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError(f"no legacy simrun folder {folder}", folder)
    soma_files = sorted(folder.glob("*" + SOMA_TRACES_SUFFIX))
    if len(soma_files) != 1:
        found = ", ".join(p.name for p in soma_files) or "none"
        raise LegacyFormatError(folder, None, f"expected one '*{SOMA_TRACES_SUFFIX}' file, found {found} "
                                "(a folder still named '*_running' has not finished)")
    soma_file = soma_files[0]
    unique_id = soma_file.name[: -len(SOMA_TRACES_SUFFIX)]
    dend_files: dict[str, Path] = {}
    for path in sorted(folder.glob("*" + DEND_TRACES_SUFFIX)):
        if not path.name.startswith(unique_id + "_"):
            raise LegacyFormatError(path, None, f"dendritic trace file does not start with the folder's unique ID "
                                    f"{unique_id!r} (from {soma_file.name})")
        label = path.name[len(unique_id) + 1: -len(DEND_TRACES_SUFFIX)]
        if not label or label == SOMA_KEY:
            raise LegacyFormatError(path, None, f"cannot take a recording label from the file name ({label!r})")
        dend_files[label] = path

    soma = read_trace_file(soma_file)
    dend = {label: read_trace_file(path) for label, path in dend_files.items()}
    for label, table in dend.items():
        if table.runs != soma.runs:
            raise LegacyFormatError(dend_files[label], 1, f"runs {list(table.runs)} differ from the soma traces' "
                                    f"{list(soma.runs)} ({soma_file.name})")
    synapse_files = _runs_of(folder, _SYNAPSES)
    presynaptic_files = _runs_of(folder, _PRESYNAPTIC)
    for files in (synapse_files, presynaptic_files):
        for run, path in files.items():
            if run not in soma.runs:
                raise LegacyFormatError(path, None, f"run {run} has no traces in {soma_file.name} "
                                        f"(runs {list(soma.runs)})")

    params = {kind: folder / f"{unique_id}_{kind}_model.param" for kind in ("neuron", "network")}
    params = {kind: path for kind, path in params.items() if path.is_file()}
    seed = _SEED.fullmatch(unique_id)
    source: dict[str, Any] = {
        "source": "legacy_simrun",
        "unique_id": unique_id,
        "legacy_seed": int(seed.group(1)) if seed else None,
        "parameter_files_md5": {path.name: _md5(path) for path in params.values()},
    }
    if "neuron" in params:
        source.update(_cell_description(params["neuron"], search_roots))
    extra = {"legacy_simrun": {
        "folder": str(folder.resolve()),
        "unique_id": unique_id,
        "legacy_seed": source["legacy_seed"],
        "pid": int(seed.group(2)) if seed else (int(unique_id) if unique_id.isdigit() else None),
        "soma_traces_file": soma_file.name,
        "dendritic_traces_files": {label: path.name for label, path in dend_files.items()},
        "runs": list(soma.runs),
        "trials_with_synapse_files": sorted(synapse_files),
        "trials_with_presynaptic_files": sorted(presynaptic_files),
        "files_md5": {p.name: _md5(p) for p in [soma_file, *dend_files.values(), *params.values()]},
    }}
    return LegacySimrun(
        folder=folder,
        unique_id=unique_id,
        n_trials=max(soma.runs) + 1 if soma.runs else 0,
        source=source,
        extra=extra,
        parameter_files={path.name: path.read_text(encoding="utf-8", errors="surrogateescape")
                         for path in params.values()},
        soma=soma,
        dend=dend,
        synapse_files=synapse_files,
        presynaptic_files=presynaptic_files,
    )
