"""Re-simulate one stored trial exactly, with any extra recordings (the legacy ``simtrial_to_cell_object``).

:func:`open_trial` reads what a trial needs from its run store — the experiment, the stored traces and
synapse activations — as a :class:`StoredTrial`; :func:`replay_trial` runs it again on NEURON and
returns a :class:`~isf.model.result.Result` with the run's own recordings plus the ones asked for:
any :class:`~isf.model.recording.Recording` (``ica`` at the soma, ``gIh_Ih`` on the trunk …), a
variable at every segment centre (``segments=("v",)``, read back with
:func:`~isf.model.segment_table.segment_traces`), and receptor variables of the active synapses
(:class:`~isf.backends.neuron.synapse_probe.SynapseRecording`: AMPA/NMDA/GABA conductances and currents).

* **isf runs**: the trial's input is drawn again from the stored run seed and trial index with the
  stored experiment, exactly as the run drew it (:meth:`TrialSimulator.realize
  <isf.backends.neuron.trials.TrialSimulator.realize>`), so the replayed traces equal the stored ones
  bit for bit (recording more changes no number NEURON computes). A re-drawn input that differs from
  the stored activations (a store written by an isf that drew differently) is warned about.
* **legacy imports** (:func:`~isf.backends.legacy_import.import_legacy_simrun`): the saved synapse
  activations are replayed with ISF's semantics (:mod:`isf.backends.legacy_replay`), receptors and
  weights from the run's network parameter file, the cell and run settings of its neuron parameter
  file (pass ``cell=`` to replay on another cell, e.g. with the apical trunk scaled). See
  ``docs/replay.md`` for how closely this reproduces the legacy traces.

Sources: a run-store file (path, or ``mdb://`` URL), an open :class:`~isf.store.RunStore`, a study
database item as ``(database, key)``, or a :class:`StoredTrial`.

Example::

    stored = open_trial("runs/C2.h5", 3)
    result = replay_trial(stored, segments=("v",), recordings=[isf.Recording(isf.Soma(), "ica"),
                                                                SynapseRecording("g_ampa")])
    assert (result["soma"] == stored.stored["soma"]).all()
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Union

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.backends.legacy_replay import legacy_populations, legacy_recordings, legacy_simulation, legacy_trial
from isf.backends.neuron.synapse_probe import SynapseProbe, SynapseRecording
from isf.errors import ArgumentValueError, ModelTypeError, StoreError, UnknownNameError
from isf.model.cell import Cell
from isf.model.codec import from_data
from isf.model.experiment import Experiment
from isf.model.recording import Recording
from isf.model.result import Result
from isf.model.segment_table import segment_recordings
from isf.model.trial_input import TrialInput
from isf.model.trial_result import activation_columns
from isf.store import Database, RunStore
from isf.store.db_keys import Key
from isf.store.database import resolve_url

__all__ = ["ReplaySource", "StoredTrial", "SynapseRecording", "open_trial", "replay_trial"]

#: Where a stored trial is read from.
ReplaySource = Union[str, os.PathLike, RunStore, tuple[Database, Key]]


@attrs.frozen(eq=False)
class StoredTrial:
    """One stored trial, ready to be replayed.

    Attributes:
        trial: the trial index.
        kind: ``"isf"`` (a run of :func:`~isf.backends.runner.run_trials`) or ``"legacy"`` (an import).
        experiment: cell, run settings, stimuli, recordings (the stored keys) and network; for legacy
            trials a network of the saved active synapses.
        run_seed: the run's seed (``-1`` for legacy imports).
        activations: the stored synapse activations of the trial, long form (population, synapse_id,
            soma_distance_um, section_id, section_pt_id, label, time_ms; one row per release).
        stored: the stored traces of the trial (the keys sharing the soma's time vector).
        input: the input to replay: legacy — the saved releases; isf — ``None``, drawn again from
            ``run_seed`` when replayed.
        synapse_ids: legacy trials: per population, the saved synapse ID of each synapse of the
            replay network (whose synapses are renumbered); empty for isf trials.
        path: the store file.
    """

    trial: int
    kind: Literal["isf", "legacy"]
    experiment: Experiment
    run_seed: int
    activations: pd.DataFrame
    stored: Result
    input: TrialInput | None = None
    synapse_ids: dict[str, NDArray[np.int64]] = attrs.field(factory=dict)
    path: Path | None = None

    @property
    def cell(self) -> Cell:
        """The cell of the replay."""
        return self.experiment.cell

    @property
    def soma_key(self) -> str:
        """Key of the stored soma trace (the first of :attr:`stored`)."""
        return next(iter(self.stored.traces))

    def __repr__(self) -> str:
        return (f"<StoredTrial {self.trial} ({self.kind}) of {self.path}: {len(self.activations)} activations, "
                f"traces {', '.join(self.stored.traces)}>")


@contextlib.contextmanager
def _store(source: ReplaySource) -> Iterator[RunStore]:
    if isinstance(source, RunStore):
        yield source
        return
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], Database):
        item = source[0].get(source[1])
        if not isinstance(item, RunStore):
            raise StoreError(f"database item {source[1]!r} of {source[0].path} is a {type(item).__name__}, "
                             "not a run store")
        store = item
    elif isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text.startswith("db://"):
            raise ArgumentValueError(f"{text!r}: a db:// URL names an item of a database; pass (database, key)")
        store = RunStore.open(resolve_url(text) if text.startswith("mdb://") else Path(text), "r")
    else:
        raise ModelTypeError(f"cannot replay from a {type(source).__name__}: allowed are a run-store path, an open "
                             "RunStore, a (Database, key) pair or a StoredTrial")
    try:
        yield store
    finally:
        store.close()


def _stored_traces(store: RunStore, trial: int) -> Result:
    t_soma, soma = store.trace(store.soma_key, trial)
    traces = {store.soma_key: soma}
    for key in store.trace_keys():
        if key == store.soma_key:
            continue
        try:
            t, values = store.trace(key, trial)
        except KeyError:
            continue
        if t.shape == t_soma.shape and np.array_equal(t, t_soma):
            traces[key] = values
    return Result(t_soma, traces)


def _legacy_cell(data: dict[str, Any], files: dict[str, str], search_roots: Sequence[str | os.PathLike[str]]) -> Cell:
    if "cell" in data:
        return from_data(data["cell"], Cell)
    names = [n for n in files if n.endswith("_neuron_model.param")]
    if names and search_roots:
        from isf.dsl.cell_param import read_cell_param

        with tempfile.TemporaryDirectory(prefix="isf-replay-") as tmp:
            path = Path(tmp) / names[0]
            path.write_text(files[names[0]], encoding="utf-8")
            return read_cell_param(path, search_roots).cell
    raise StoreError(f"the legacy import holds no readable cell ({data.get('cell_error', 'no neuron parameter file')});"
                     " pass cell= (or search_roots= where its morphology is found)")


def _open_legacy(store: RunStore, trial: int, data: dict[str, Any], activations: pd.DataFrame, stored: Result,
                 cell: Cell | None, search_roots: Sequence[str | os.PathLike[str]], weight_seed: int) -> StoredTrial:
    if not len(activations):
        raise StoreError(f"{store.path}: trial {trial} of the legacy import has no synapse activations (its run kept "
                         "no simulation_run*_synapses.csv file); replayable trials: "
                         f"{sorted(set(store.read('synapse_activations', columns=['synapse_id']).index))}")
    files = store.provenance_files()
    cell = cell if cell is not None else _legacy_cell(data, files, search_roots)
    network_files = [n for n in files if n.endswith("_network_model.param")]
    if not network_files:
        raise StoreError(f"{store.path}: the legacy import keeps no '*_network_model.param' file, which gives the "
                         f"receptors and weights (kept files: {sorted(files)})")
    populations = legacy_populations(files[network_files[0]], cell.morphology, network_files[0])
    rebuilt = legacy_trial(activations, cell, populations, weight_seed)
    simulation = legacy_simulation(from_data(data["simulation"]), stored.t_ms)
    recordings = legacy_recordings(store.soma_key, list(stored.traces))
    experiment = Experiment(cell, simulation, recordings=recordings, network=rebuilt.network)
    return StoredTrial(trial, "legacy", experiment, store.run_seed, activations, stored, rebuilt.input,
                       rebuilt.synapse_ids, store.path)


def open_trial(source: ReplaySource, trial: int, *, cell: Cell | None = None,
               search_roots: Sequence[str | os.PathLike[str]] = (), weight_seed: int = 0) -> StoredTrial:
    """Read what replaying trial ``trial`` of ``source`` needs.

    Args:
        source: a run-store path (or ``mdb://`` URL), an open :class:`~isf.store.RunStore`, or a
            ``(Database, key)`` pair naming a run-store item.
        trial: the trial index (a completed trial of the run).
        cell: replay on this cell instead of the stored one (same section IDs).
        search_roots: legacy imports without a stored cell: where the morphology of the neuron
            parameter file is found.
        weight_seed: legacy imports with lognormal weights: the seed of the newly drawn weights.

    Raises:
        UnknownNameError: the trial is not stored (a ``KeyError``).
        StoreError: the store is neither an isf run nor a legacy import, or lacks what a replay needs.
    """
    with _store(source) as store:
        done = store.completed_trials()
        if trial not in done:
            raise UnknownNameError(f"{store.path} has no trial {trial}; stored trials: {sorted(done)[:20]}"
                                   f"{' …' if len(done) > 20 else ''}")
        data = json.loads(store.experiment_json)
        activations = store.read("synapse_activations", [trial]).reset_index(drop=True)
        stored = _stored_traces(store, trial)
        if isinstance(data, dict) and data.get("source") == "legacy_simrun":
            return _open_legacy(store, trial, data, activations, stored, cell, search_roots, weight_seed)
        if not (isinstance(data, dict) and data.get("type") == "Experiment"):
            raise StoreError(f"{store.path}: the stored experiment is neither an isf Experiment nor a legacy import; "
                             "it cannot be replayed")
        experiment = from_data(data, Experiment)
        if experiment.network is None:
            raise StoreError(f"{store.path}: the stored experiment has no network; nothing to replay")
        if cell is not None:
            experiment = attrs.evolve(experiment, cell=cell)
        return StoredTrial(trial, "isf", experiment, store.run_seed, activations, stored, None, {}, store.path)


def _extra(experiment: Experiment, recordings: Sequence[Recording]) -> tuple[Recording, ...]:
    """``recordings`` not already among the experiment's (a different recording under a taken key fails)."""
    taken = {r.key: r for r in experiment.recordings}
    out = []
    for rec in recordings:
        if rec.key in taken:
            if taken[rec.key] != rec:
                raise ArgumentValueError(f"recording {rec!r}: the key {rec.key!r} is taken by the run's "
                                         f"{taken[rec.key]!r}; set Recording.name")
            continue
        taken[rec.key] = rec
        out.append(rec)
    return tuple(out)


def _check_input(stored: StoredTrial, network: Any, trial_input: TrialInput) -> None:
    drawn = np.sort(np.asarray(activation_columns(network, trial_input)["time_ms"], dtype=float))
    saved = np.sort(stored.activations["time_ms"].to_numpy(float))
    if drawn.shape != saved.shape or not np.array_equal(drawn, saved):
        warnings.warn(f"trial {stored.trial} of {stored.path}: the input drawn again from run seed {stored.run_seed} "
                      f"({drawn.shape[0]} releases) differs from the stored activations ({saved.shape[0]}); the store "
                      "was probably written by an isf that draws differently, so the replay is not that trial",
                      stacklevel=3)


def replay_trial(source: ReplaySource | StoredTrial, trial: int | None = None, *,
                 recordings: Sequence[Recording | SynapseRecording] = (), segments: Sequence[str] = (),
                 cell: Cell | None = None, search_roots: Sequence[str | os.PathLike[str]] = (),
                 check_input: bool = True) -> Result:
    """Simulate a stored trial again, with extra recordings.

    Args:
        source: a :class:`StoredTrial` (from :func:`open_trial`), or what :func:`open_trial` reads.
        trial: the trial index (not needed with a :class:`StoredTrial`).
        recordings: extra :class:`~isf.model.recording.Recording` and
            :class:`~isf.backends.neuron.synapse_probe.SynapseRecording` values.
        segments: variables recorded at every segment centre (``"v"``, ``"ica"`` …; keys
            ``"v@<section>/<segment>"``, see :func:`~isf.model.segment_table.segment_traces`). Memory:
            one trace per segment (cell 86: 1,142).
        cell, search_roots: as :func:`open_trial`.
        check_input: isf trials: warn when the re-drawn input differs from the stored activations.

    Returns:
        The traces of the run's recordings (the stored keys) and of the extra ones, ``sites`` of the
        cell recordings.
    """
    if isinstance(source, StoredTrial):
        if trial is not None and trial != source.trial:
            raise ArgumentValueError(f"trial={trial} differs from the StoredTrial's trial {source.trial}")
        stored = source if cell is None else attrs.evolve(
            source, experiment=attrs.evolve(source.experiment, cell=cell))
    else:
        if trial is None:
            raise ArgumentValueError("replay_trial needs the trial index (or a StoredTrial from open_trial)")
        stored = open_trial(source, trial, cell=cell, search_roots=search_roots)
    plain: list[Recording] = []
    synaptic: list[SynapseRecording] = []
    for rec in recordings:
        if isinstance(rec, Recording):
            plain.append(rec)
        elif isinstance(rec, SynapseRecording):
            synaptic.append(rec)
        else:
            raise ModelTypeError(f"recordings: {rec!r} is neither a Recording nor a SynapseRecording")
    for variable in segments:
        plain.extend(segment_recordings(stored.cell, variable))
    experiment = stored.experiment
    experiment = attrs.evolve(experiment, recordings=experiment.recordings + _extra(experiment, plain))

    from isf.backends.neuron.trials import TrialSimulator

    with TrialSimulator(experiment) as sim:
        network = sim.experiment.network
        assert network is not None
        trial_input = stored.input if stored.input is not None else sim.realize(stored.run_seed, stored.trial)
        if stored.input is None and check_input:
            _check_input(stored, network, trial_input)
        probe = SynapseProbe(network, trial_input, synaptic, stored.synapse_ids) if synaptic else None
        ran = sim.run(stored.run_seed, stored.trial, trial_input, probe.attach if probe else None)
    traces = dict(ran.traces)
    if probe is not None:
        traces.update(probe.traces(ran.t_ms.shape[0]))
    sites = {rec.key: rec.site.resolve(stored.cell, snap=True) for rec in experiment.recordings}
    return Result(ran.t_ms, traces, sites)
