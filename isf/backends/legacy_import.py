"""Import a legacy simrun result folder into a new run store.

The folder is read by :func:`isf.dsl.legacy_simrun.read_legacy_simrun` (whose documentation says what
goes where) and kept by :class:`isf.store.RunStore`; this module joins the two, so that neither the
readers nor the store know each other. The store is built in a temporary file next to ``store_path``
and moved into place at the end: a failed import leaves nothing behind.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from isf.dsl.legacy_simrun import read_legacy_simrun
from isf.errors import MissingFileError
from isf.store import RunStore
from isf.store.study_view import write_conditions

__all__ = ["LEGACY_RUN_SEED", "import_legacy_simrun"]

#: Run seed recorded for legacy imports (the legacy seed seeds numpy's global RNG, not ``trial_rng``).
LEGACY_RUN_SEED = -1


def import_legacy_simrun(folder: str | os.PathLike[str], store_path: str | os.PathLike[str],
                         search_roots: Sequence[str | os.PathLike[str]] = (), *, overwrite: bool = False,
                         conditions: Mapping[str, Any] | None = None) -> Path:
    """Import a legacy simrun result folder into a new :class:`~isf.store.RunStore` (see
    :mod:`isf.dsl.legacy_simrun` for what goes where).

    Args:
        folder: the result folder (``…/results/20150815-1530_20240``).
        store_path: the HDF5 file to write.
        search_roots: folders where files named in the cell parameter file (morphology, landmarks) are
            looked up (they are absolute paths from another machine).
        overwrite: replace an existing ``store_path``.
        conditions: condition labels of the run (kept in the store as
            :func:`~isf.store.study_view.write_conditions` does, before it is moved into place).

    Returns:
        ``store_path``.

    Raises:
        MissingFileError: ``folder`` does not exist (a ``FileNotFoundError``).
        FileExistsError: ``store_path`` exists and ``overwrite`` is false.
        LegacyFormatError: missing or inconsistent files (naming file and line).
    """
    folder = Path(folder)
    store_path = Path(store_path)
    if not folder.is_dir():
        raise MissingFileError(f"no legacy simrun folder {folder}", folder)
    if store_path.exists() and not overwrite:
        raise FileExistsError(f"{store_path} exists; pass overwrite=True to replace it")
    simrun = read_legacy_simrun(folder, search_roots)
    tmp = store_path.with_name(f".{store_path.name}.{uuid.uuid4().hex}.importing")
    try:
        with RunStore.create(tmp, experiment_json=json.dumps(simrun.source, sort_keys=True),
                             run_seed=LEGACY_RUN_SEED, n_trials=simrun.n_trials, extra=simrun.extra) as store:
            for name, text in simrun.parameter_files.items():
                store.add_provenance_file(name, text)
            if conditions is not None:
                write_conditions(store, conditions)
            for run in simrun.runs():
                store.append_trial(
                    run.trial,
                    t_ms=run.t_ms,
                    traces=run.traces,
                    traces_t_ms=run.traces_t_ms,
                    spike_times_ms=run.spike_times_ms,
                    synapse_activations=run.synapse_activations,
                    presynaptic_spikes=run.presynaptic_spikes,
                    wall_s=math.nan,
                )
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
