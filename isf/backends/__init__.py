"""Backends: the ways out of the model — running experiments on NEURON, alone or fanned out over workers.

Where each concept lives:

* :mod:`isf.backends.neuron` — the NEURON backend (model values → NEURON objects → numpy results).
* :mod:`isf.backends.parallel` — the one :class:`Parallel` settings value (loky, dask or serial) and
  :func:`map_unordered`, the fan-out every parallel job uses.
* :mod:`isf.backends.runner` — network trials (:func:`run_trials`) written to a run store.
* :mod:`isf.backends.legacy_import` — a legacy ISF simrun folder imported into a run store.
* :mod:`isf.backends.replay` — a stored trial (isf run or legacy import) simulated again with extra
  recordings (:func:`replay_trial`, :func:`open_trial`); legacy semantics in :mod:`isf.backends.legacy_replay`.
* :mod:`isf.backends.synaptic_input` — a legacy cell parameter file's ``synaptic_input`` (a network
  file and saved activations replayed on the cell) run (:func:`run_synaptic_input`).
* :mod:`isf.backends.study_runs` — runs of a study: a condition's trials into a database item with
  its labels (:func:`run_condition`), a sweep of conditions (:func:`run_study`; one evoked network per
  whisker: :func:`whisker_sweep`).

The names below are imported on first use, so that importing a NEURON module (``isf.simulate``) does
not also bring joblib and PyTables, and ``isf.backends.neuron`` is never imported by this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from isf._lazy import lazy_face

if TYPE_CHECKING:
    from isf.backends.legacy_import import LEGACY_RUN_SEED, import_legacy_simrun
    from isf.backends.parallel import (
        BACKENDS,
        Backend,
        Parallel,
        dask_workers,
        default_batch_size,
        map_unordered,
        register_worker_cache,
    )
    from isf.backends.replay import StoredTrial, SynapseRecording, open_trial, replay_trial
    from isf.backends.runner import close_simulators, run_trial, run_trials, run_trials_mpi
    from isf.backends.study_runs import condition_seed, run_condition, run_study, whisker_sweep
    from isf.backends.synaptic_input import run_synaptic_input, synaptic_input_experiment

#: public name → the module of this package that defines it
_MODULE_OF: dict[str, str] = {
    "BACKENDS": "parallel",
    "Backend": "parallel",
    "LEGACY_RUN_SEED": "legacy_import",
    "Parallel": "parallel",
    "StoredTrial": "replay",
    "SynapseRecording": "replay",
    "close_simulators": "runner",
    "condition_seed": "study_runs",
    "dask_workers": "parallel",
    "default_batch_size": "parallel",
    "import_legacy_simrun": "legacy_import",
    "map_unordered": "parallel",
    "open_trial": "replay",
    "register_worker_cache": "parallel",
    "replay_trial": "replay",
    "run_condition": "study_runs",
    "run_study": "study_runs",
    "run_synaptic_input": "synaptic_input",
    "run_trial": "runner",
    "run_trials": "runner",
    "run_trials_mpi": "runner",
    "synaptic_input_experiment": "synaptic_input",
    "whisker_sweep": "study_runs",
}

__all__ = [
    "BACKENDS",
    "LEGACY_RUN_SEED",
    "Backend",
    "Parallel",
    "StoredTrial",
    "SynapseRecording",
    "close_simulators",
    "condition_seed",
    "dask_workers",
    "default_batch_size",
    "import_legacy_simrun",
    "map_unordered",
    "open_trial",
    "register_worker_cache",
    "replay_trial",
    "run_condition",
    "run_study",
    "run_synaptic_input",
    "run_trial",
    "run_trials",
    "run_trials_mpi",
    "synaptic_input_experiment",
    "whisker_sweep",
]


__getattr__, __dir__ = lazy_face(globals(), _MODULE_OF)
