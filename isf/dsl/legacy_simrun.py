"""Import one result folder of ISF's legacy simulator (``simrun``, LEGACY_FORMATS §7) into a run store.

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
  at or above after one below, no interpolation — :func:`isf.analysis.spikes.spike_times`), so
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
  a failed import leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from isf.analysis.spikes import spike_times
from isf.backends.store import RunStore
from isf.dsl.errors import LegacyFormatError
from isf.dsl.simrun_files import (
    TraceTable,
    read_presynaptic_spike_file,
    read_synapse_activation_file,
    read_trace_file,
)

SOMA_TRACES_SUFFIX = "_vm_all_traces.csv"
DEND_TRACES_SUFFIX = "_vm_dend_traces.csv"
_SYNAPSES = re.compile(r"simulation_run(\d+)_synapses\.csv")
_PRESYNAPTIC = re.compile(r"simulation_run(\d+)_presynaptic_cells\.csv")
_SEED = re.compile(r"seed(\d+)_pid(\d+)")
#: Run seed recorded for legacy imports (the legacy seed seeds numpy's global RNG, not ``trial_rng``).
LEGACY_RUN_SEED = -1


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
    from isf.dsl.serialization import to_data
    from isf.model.validation import ModelValueError

    try:
        params = read_cell_param(neuron_param, search_roots)
        return {"cell": to_data(params.cell), "simulation": to_data(params.simulation)}
    except (FileNotFoundError, LegacyFormatError, ModelValueError, ValueError, TypeError) as exc:
        return {"cell_error": f"{type(exc).__name__}: {exc}"}


def import_legacy_simrun(folder: str | os.PathLike[str], store_path: str | os.PathLike[str],
                         search_roots: Sequence[str | os.PathLike[str]] = (), *, overwrite: bool = False) -> Path:
    """Import a legacy simrun result folder into a new :class:`~isf.backends.store.RunStore` (see the
    module documentation for what goes where).

    Args:
        folder: the result folder (``…/results/20150815-1530_20240``).
        store_path: the HDF5 file to write.
        search_roots: folders where files named in the cell parameter file (morphology, landmarks) are
            looked up (they are absolute paths from another machine).
        overwrite: replace an existing ``store_path``.

    Returns:
        ``store_path``.

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        FileExistsError: ``store_path`` exists and ``overwrite`` is false.
        LegacyFormatError: missing or inconsistent files (naming file and line).
    """
    folder = Path(folder)
    store_path = Path(store_path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no legacy simrun folder {folder}")
    if store_path.exists() and not overwrite:
        raise FileExistsError(f"{store_path} exists; pass overwrite=True to replace it")
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
        if not label or label == "soma":
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

    n_trials = max(soma.runs) + 1 if soma.runs else 0
    tmp = store_path.with_name(f".{store_path.name}.{uuid.uuid4().hex}.importing")
    try:
        with RunStore.create(tmp, experiment_json=json.dumps(source, sort_keys=True), run_seed=LEGACY_RUN_SEED,
                             n_trials=n_trials, extra=extra) as store:
            for path in params.values():
                store.add_provenance_file(path.name, path.read_text(encoding="utf-8", errors="surrogateescape"))
            for column, run in enumerate(soma.runs):
                _append_run(store, run, column, soma, dend, synapse_files.get(run), presynaptic_files.get(run))
        if overwrite:
            os.replace(tmp, store_path)
        else:
            try:
                os.link(tmp, store_path)
            except FileExistsError:
                raise FileExistsError(f"{store_path} was created during the import; pass overwrite=True") from None
            except OSError:
                os.replace(tmp, store_path)
    finally:
        tmp.unlink(missing_ok=True)
    return store_path


def _append_run(store: RunStore, run: int, column: int, soma: TraceTable, dend: dict[str, TraceTable],
                synapse_file: Path | None, presynaptic_file: Path | None) -> None:
    traces = {store.soma_key: soma.values[column]}
    own_t = {}
    for label, table in dend.items():
        traces[label] = table.values[column]
        if not (table.t_ms.shape == soma.t_ms.shape and np.array_equal(table.t_ms, soma.t_ms)):
            own_t[label] = table.t_ms
    store.append_trial(
        run,
        t_ms=soma.t_ms,
        traces=traces,
        traces_t_ms=own_t,
        spike_times_ms=spike_times(soma.t_ms, soma.values[column]),
        synapse_activations=read_synapse_activation_file(synapse_file) if synapse_file else None,
        presynaptic_spikes=read_presynaptic_spike_file(presynaptic_file) if presynaptic_file else None,
        wall_s=math.nan,
    )
