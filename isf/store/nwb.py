"""A run's trials, a list of :class:`~isf.model.result.Result`, or a whole study as one NWB file, and back.

What the file holds (NWB 2, written with pynwb; the writer is :mod:`isf.store.nwb_writer`):

* one ``IntracellularElectrode`` per recording key (and site), under a device ``isf NEURON
  simulation``; its ``location`` gives the site (``section 0 x=0.5``) and its ``description`` the
  recording key, section ID, x and variable as JSON;
* every trial's voltage traces as ``CurrentClampSeries`` in ``acquisition``, named
  ``trial_<i>_<key>`` (``i``: the trial index, or its ``study_trial`` in a study): data in mV with
  ``conversion = 0.001`` (so the unit is volts, as NWB requires), a regular grid as
  ``starting_time`` + ``rate`` (s, Hz), else timestamps in s (irregular under CVode; keys of one
  trial share one timestamps dataset), ``sweep_number`` = the same number, ``comments`` = JSON with
  the isf key and trial (and in a study its ``study_trial``, run and conditions); traces of other
  variables as ``TimeSeries`` in the processing module ``isf_recordings`` with their unit; data
  chunked and gzip-compressed with the shuffle filter;
* the trials table (start 0 s, stop = last sample, column ``trial_index``; in a study also
  ``study_trial``, ``run`` and one column per condition name): every trial is its own simulation on
  its own clock starting at 0;
* soma spike times in the units table, one unit per trial (columns ``trial_index`` and
  ``recording``, and the study columns), in s;
* provenance: ``notes`` = JSON of the versions, run seed, trial count, creation time and ``extra``
  of the run (a study: ``{"isf_version", "study": {"condition_names", "n_trials", "runs": [...]}}``
  with each run's labels and provenance); ``protocol`` = the experiment JSON (a study:
  ``{"experiments": [...], "run_experiment": {run: index}}``, each distinct experiment once);
  ``stimulus_notes`` = what was injected and how many presynaptic populations drove the cell;
  ``source_script`` = the isf version.

The file is written under a temporary name beside the target and renamed into place; traces are
decoded from the run stores only while pynwb writes them (one at a time). pynwb and hdmf are
imported lazily (they are dependencies of isf).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf._version import __version__
from isf.errors import MissingFileError, StoreError
from isf.model.result import Result
from isf.store.nwb_writer import MODULE, TraceSource, TrialSource, write_trials
from isf.store.run_store import RunStore

if TYPE_CHECKING:
    from isf.store.database import Database
    from isf.store.study_view import StudyView

__all__ = ["NwbRun", "NwbTrial", "read_nwb", "validate_nwb", "write_nwb"]

_MODULE = MODULE


@attrs.frozen(eq=False)
class NwbTrial:
    """One trial read back from NWB.

    Attributes:
        trial_index: index of the trial in its run.
        traces: recording key → (t_ms, values) (values in mV for voltages, else in the variable's unit).
        spike_times_ms: soma spike times, ms.
        study_trial: position of the trial in its study (``None``: the file holds one run).
        run: the trial's run in the study (``""`` for one run).
        conditions: the condition labels of the trial's run (empty for one run).
    """

    trial_index: int
    traces: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]
    spike_times_ms: NDArray[np.float64]
    study_trial: int | None = None
    run: str = ""
    conditions: dict[str, str] = attrs.field(factory=dict)

    def to_result(self, sites: Mapping[str, tuple[int, float]] | None = None) -> Result:
        """The trial as a :class:`Result` (needs every trace on one time vector).

        Raises:
            StoreError: the traces have different time vectors.
        """
        times = [t for t, _ in self.traces.values()]
        if any(t.shape != times[0].shape or not np.array_equal(t, times[0]) for t in times[1:]):
            raise StoreError(f"trial {self.trial_index}: traces have different time vectors; use .traces")
        t_ms = times[0] if times else np.zeros(0)
        known = dict(sites or {})
        return Result(t_ms, {k: v for k, (_, v) in self.traces.items()},
                      {k: known[k] for k in self.traces if k in known})


@attrs.frozen(eq=False)
class NwbRun:
    """What :func:`read_nwb` returns.

    Attributes:
        trials: the trials, by ascending trial index (by ascending ``study_trial`` for a study).
        sites: recording key → (section ID, x), where known.
        provenance: the JSON of ``notes`` (versions, run seed …; a study's under ``"study"``).
        experiment_json: the ``protocol`` text (the experiment JSON; a study's experiments), or ``""``.
    """

    trials: tuple[NwbTrial, ...]
    sites: dict[str, tuple[int, float]]
    provenance: dict[str, Any]
    experiment_json: str


def _recordings(experiment_json: str) -> dict[str, tuple[int, float, str]]:
    """Recording key → (section ID, x, variable) of an experiment JSON ({} if it is not an Experiment)."""
    from isf.model.codec import from_data
    from isf.model.experiment import Experiment

    try:
        data = json.loads(experiment_json)
        if isinstance(data, dict) and "sites" in data and "value" not in data:  # written for plain results
            return {k: (int(v[0]), float(v[1]), "v") for k, v in data["sites"].items()}
        experiment = from_data(data, Experiment)
    except (ValueError, TypeError, KeyError, AttributeError):  # not a full Experiment: sites unknown
        return {}
    out = {}
    for recording in experiment.recordings:
        sid, x = recording.site.resolve(experiment.cell, snap=True)
        out[recording.key] = (int(sid), float(x), recording.variable)
    return out


def _stimulus_notes(experiment_json: str) -> str:
    try:
        data = json.loads(experiment_json).get("value", {})
    except (ValueError, AttributeError):
        return "unknown (the run's experiment is not an isf Experiment)"
    stimuli = data.get("stimuli") or []
    network = data.get("network") or {}
    parts = [f"{len(stimuli)} current injection(s): {json.dumps(stimuli)}" if stimuli else "no current injection"]
    if network:
        parts.append(f"synaptic input from {len(network.get('populations', []))} presynaptic populations "
                     "(isf network; export it with `isf export sonata`)")
    return "; ".join(parts)


def _store_trials(store: RunStore, trials: Sequence[int] | None, run: str = "",
                  conditions: Mapping[str, str] | None = None, first: int | None = None,
                  completed: Sequence[int] | None = None) -> Iterator[TrialSource]:
    """The trials of an open store as lazily loaded trial sources (``first``: study_trial of the first
    of the ``completed`` trials, for a study; ``None`` for a single run)."""
    spikes = store["spikes"]
    done = sorted(store.completed_trials()) if completed is None else list(completed)
    wanted = done if trials is None else list(trials)
    missing = sorted(set(wanted) - set(done))
    if missing:
        raise StoreError(f"{store.path}: trials {missing[:5]} are not stored (stored: {len(done)} trials)")
    keys = store.trace_keys()
    position = {trial: i for i, trial in enumerate(done)}
    for i in wanted:
        traces = []
        for key in keys:
            try:
                t_ms, _ = store.trace(key, i)  # the values are decoded again when written: one trace in memory
            except KeyError:
                continue
            traces.append(TraceSource(key, t_ms, functools.partial(_values, store, key, i)))
        times = spikes.loc[[i], "time_ms"].to_numpy(dtype=float) if i in spikes.index else np.zeros(0)
        yield TrialSource(i, None if first is None else first + position[i], run, dict(conditions or {}),
                          traces, times)


def _values(store: RunStore, key: str, trial: int) -> NDArray[np.float64]:
    return store.trace(key, trial)[1]


def _plain_facts(store: RunStore) -> tuple[dict[str, Any], str]:
    facts = store.provenance
    experiment_json = str(facts.pop("experiment_json"))
    facts.pop("files", None)
    return facts, experiment_json


def write_nwb(source: RunStore | str | os.PathLike[str] | Sequence[Result] | StudyView | Database,
              path: str | os.PathLike[str], *, trials: Sequence[int] | None = None,
              session_description: str | None = None, soma_key: str = "soma", overwrite: bool = False,
              compression: int | None = 4) -> Path:
    """Write a run's trials, a list of results, or a whole study as one NWB file (streamed: one trace
    in memory at a time).

    Args:
        source: an open store, a store file, results (trial ``i`` = ``source[i]``), a
            :class:`~isf.store.study_view.StudyView`, or a study :class:`~isf.store.database.Database`
            (or its folder: every labelled run, as ``StudyView.of_database``).
        path: the NWB file to write (``.nwb``).
        trials: trial indices to export (default: all stored trials); for a study, ``study_trial`` positions.
        session_description: NWB session description (default names the source).
        soma_key: recording key of the soma (spike times of results are detected on it, ≥ 0 mV).
        overwrite: replace an existing file.
        compression: gzip level of the data (``None``: none).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false.
        StoreError: trials not in the store, nothing to export, or a condition name NWB reserves.
    """
    from isf.store.database import Database
    from isf.store.study_view import StudyView

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another file or pass overwrite")
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        source = Database(source, create=False)
    if isinstance(source, Database):
        source = StudyView.of_database(source)
    if isinstance(source, StudyView):
        view = source
        return _atomic(path, lambda tmp: _write_study(view, tmp, trials, session_description=session_description,
                                                      soma_key=soma_key, compression=compression))
    if isinstance(source, (str, os.PathLike)):
        with RunStore.open(source, "r") as store:
            return write_nwb(store, path, trials=trials, overwrite=overwrite, session_description=session_description,
                             soma_key=soma_key, compression=compression)
    if isinstance(source, RunStore):
        facts, experiment_json = _plain_facts(source)
        items: Iterable[TrialSource] = _store_trials(source, trials)
        description = session_description or f"isf run {source.path.name}: {source.n_trials} trials"
        start = _start_time(str(facts.get("created_at", "")))
        soma_key = source.soma_key
    else:
        results = list(source)
        chosen = range(len(results)) if trials is None else trials
        items = [TrialSource(i, None, "", {}, [TraceSource(k, results[i].t_ms, functools.partial(np.asarray, v))
                                               for k, v in results[i].traces.items()],
                             results[i].spike_times(soma_key) if soma_key in results[i].traces else np.zeros(0))
                 for i in chosen]
        sites = {k: s for r in results for k, s in r.sites.items()}
        facts = {"isf_version": __version__, "n_trials": len(results)}
        experiment_json = json.dumps({"sites": {k: list(v) for k, v in sites.items()}})
        description = session_description or f"isf results: {len(results)} simulations"
        start = datetime.datetime.now(datetime.timezone.utc)
    recordings = _recordings(experiment_json)
    return _atomic(path, lambda tmp: write_trials(
        tmp, items, lambda run, key: recordings.get(key, (-1, float("nan"), "v")), facts, experiment_json,
        _stimulus_notes(experiment_json), description, start, soma_key, compression))


def _atomic(path: Path, write: Callable[[Path], Any]) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp.nwb")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_study(view: StudyView, tmp: Path, trials: Sequence[int] | None, *, session_description: str | None,
                 soma_key: str, compression: int | None) -> int:
    """A study view's trials (``trials``: study_trial positions, default all) into ``tmp``."""
    table = view.trials
    wanted = set(table.index.tolist()) if trials is None else set(trials)
    missing = sorted(wanted - set(table.index.tolist()))
    if missing:
        raise StoreError(f"study trials {missing[:5]} are not in the view ({view.n_trials} trials)")
    experiments: list[str] = []
    runs_facts, run_experiment, recordings, notes = [], {}, {}, []
    soma_keys = set()
    with contextlib.ExitStack() as stack:
        stores = [stack.enter_context(RunStore.open(run.path, "r")) for run in view.runs]
        for run, store in zip(view.runs, stores):
            facts, experiment_json = _plain_facts(store)
            if experiment_json not in experiments:
                experiments.append(experiment_json)
                notes.append(_stimulus_notes(experiment_json))
            number = experiments.index(experiment_json)
            run_experiment[run.name] = number
            if number not in recordings:
                recordings[number] = _recordings(experiment_json)
            soma_keys.add(store.soma_key)
            runs_facts.append({"run": run.name, "conditions": dict(run.conditions), "file": run.path.name,
                               "experiment": number, **facts})
        if len(soma_keys) > 1:
            raise StoreError(f"the runs record the soma under different keys {sorted(soma_keys)}")

        def items() -> Iterator[TrialSource]:
            for run, store, first in zip(view.runs, stores, view._starts):
                done = [int(t) for t in table.trial[table.run == run.name]]
                mine = [t for i, t in enumerate(done) if int(first) + i in wanted]
                if mine:
                    yield from _store_trials(store, mine, run.name, run.conditions, int(first), done)

        facts = {"isf_version": __version__, "study": {"condition_names": list(view.condition_names),
                                                       "n_trials": len(wanted), "runs": runs_facts}}
        protocol = json.dumps({"experiments": [json.loads(e) for e in experiments], "run_experiment": run_experiment})
        description = session_description or (f"isf study: {len(view.runs)} runs, {len(wanted)} trials, conditions "
                                              f"{', '.join(view.condition_names) or 'none'}")
        created = [str(f.get("created_at", "")) for f in runs_facts]
        start = _start_time(min(created)) if created else datetime.datetime.now(datetime.timezone.utc)
        return write_trials(tmp, items(), lambda run, key: recordings[run_experiment[run]].get(
            key, (-1, float("nan"), "v")), facts, protocol, " | ".join(dict.fromkeys(notes)), description, start,
            soma_keys.pop() if soma_keys else soma_key, compression, view.condition_names)


def _start_time(text: str) -> datetime.datetime:
    try:
        start = datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.now(datetime.timezone.utc)
    return start if start.tzinfo else start.replace(tzinfo=datetime.timezone.utc)


def validate_nwb(path: str | os.PathLike[str]) -> list[str]:
    """pynwb's schema validation of an NWB file: the list of problems (empty when valid)."""
    from pynwb import validate

    found = validate(path=str(path))
    errors = found[0] if isinstance(found, tuple) else found
    return [str(e) for e in errors]


def read_nwb(path: str | os.PathLike[str]) -> NwbRun:
    """Read an NWB file written by :func:`write_nwb` back to isf values (traces in mV, times in ms).

    Raises:
        MissingFileError: no such file.
        StoreError: the file holds no isf trials.
    """
    from pynwb import NWBHDF5IO

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"no NWB file at {path}", path)
    with NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        series = list(nwb.acquisition.values())
        if _MODULE in nwb.processing:
            series += list(nwb.processing[_MODULE].data_interfaces.values())
        traces: dict[int, dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]] = {}
        sites: dict[str, tuple[int, float]] = {}
        labels: dict[int, tuple[int, int | None, str, dict[str, str]]] = {}
        for item in series:
            try:
                meta = json.loads(item.comments)
                key, trial = str(meta["isf_key"]), int(meta.get("study_trial", meta["trial_index"]))
                labels.setdefault(trial, (int(meta["trial_index"]), meta.get("study_trial"), str(meta.get("run", "")),
                                          {str(k): str(v) for k, v in meta.get("conditions", {}).items()}))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # not ours
            if item.timestamps is not None:
                t_ms = np.asarray(item.timestamps[()], dtype=np.float64) * 1000.0
            else:  # a regular grid
                n = int(item.data.shape[0])
                t_ms = (item.starting_time + np.arange(n) / item.rate) * 1000.0
            unit_scale = item.conversion * (1000.0 if item.unit == "volts" else 1.0)
            values = np.asarray(item.data[()], dtype=np.float64) * unit_scale
            traces.setdefault(trial, {})[key] = (t_ms, values)
            electrode = getattr(item, "electrode", None)
            where = json.loads(electrode.description) if electrode is not None else json.loads(item.description)
            if int(where.get("section_id", -1)) >= 0:
                sites[key] = (int(where["section_id"]), float(where["x"]))
        spikes: dict[int, NDArray[np.float64]] = {}
        if nwb.units is not None:
            frame = nwb.units.to_dataframe()
            study = "study_trial" in frame.columns
            names = [c for c in frame.columns if c not in ("trial_index", "recording", "spike_times", "study_trial",
                                                            "run")]
            for _, row in frame.iterrows():
                number = int(row["study_trial"] if study else row["trial_index"])
                spikes[number] = np.asarray(row["spike_times"], dtype=np.float64) * 1000.0
                labels.setdefault(number, (int(row["trial_index"]), number if study else None,
                                           str(row["run"]) if study else "",
                                           {c: str(row[c]) for c in names} if study else {}))
        try:
            facts = json.loads(nwb.notes or "{}")
        except ValueError:
            facts = {}
        experiment = str(nwb.protocol or "")
    indices = sorted(set(traces) | set(spikes))
    if not indices:
        raise StoreError(f"{path} holds no isf trials (series with isf comments or units with trial_index)")
    out = []
    for i in indices:
        index, study_trial, run, conditions = labels[i]
        out.append(NwbTrial(index, traces.get(i, {}), spikes.get(i, np.zeros(0)), study_trial, run, conditions))
    return NwbRun(tuple(out), sites, facts, experiment)
