"""A run's trials (or a list of :class:`~isf.model.result.Result`) as one NWB file, and back.

What the file holds (NWB 2, written with pynwb):

* one ``IntracellularElectrode`` per recording key, under a device ``isf NEURON simulation``; its
  ``location`` gives the site (``section 0 (soma) x=0.5``) and its ``description`` the recording
  key, section ID, x and variable as JSON;
* every trial's voltage traces as ``CurrentClampSeries`` in ``acquisition``, named
  ``trial_<i>_<key>``: data in mV with ``conversion = 0.001`` (so the unit is volts, as NWB
  requires), timestamps in s (irregular under CVode; keys of one trial share one timestamps
  dataset), ``sweep_number`` = trial index, ``comments`` = JSON with the isf key and trial; traces
  of other variables as ``TimeSeries`` in the processing module ``isf_recordings`` with their unit;
* the trials table (start 0 s, stop = last sample, column ``trial_index``): every trial is its own
  simulation on its own clock starting at 0;
* soma spike times in the units table, one unit per trial (columns ``trial_index`` and
  ``recording``), in s;
* provenance: ``notes`` = JSON of the versions, run seed, trial count, creation time and ``extra``
  of the run; ``protocol`` = the experiment JSON; ``stimulus_notes`` = what was injected and how many
  presynaptic populations drove the cell; ``source_script`` = the isf version.

The file is written under a temporary name beside the target and renamed into place. pynwb and hdmf
are imported lazily (they are dependencies of isf).
"""

from __future__ import annotations

import datetime
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf._version import __version__
from isf.errors import MissingFileError, StoreError
from isf.model.result import Result
from isf.store.run_store import RunStore

__all__ = ["NwbRun", "NwbTrial", "read_nwb", "validate_nwb", "write_nwb"]

#: Units of non-voltage range variables (NEURON's).
VARIABLE_UNITS = {"cai": "mM", "cao": "mM", "nai": "mM", "ki": "mM", "ik": "mA/cm2", "ina": "mA/cm2",
                  "ica": "mA/cm2", "i_pas": "mA/cm2"}
_MODULE = "isf_recordings"


@attrs.frozen(eq=False)
class NwbTrial:
    """One trial read back from NWB.

    Attributes:
        trial_index: index of the trial in its run.
        traces: recording key → (t_ms, values) (values in mV for voltages, else in the variable's unit).
        spike_times_ms: soma spike times, ms.
    """

    trial_index: int
    traces: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]
    spike_times_ms: NDArray[np.float64]

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
        trials: the trials, by ascending trial index.
        sites: recording key → (section ID, x), where known.
        provenance: the JSON of ``notes`` (versions, run seed …).
        experiment_json: the ``protocol`` text (the experiment JSON), or ``""``.
    """

    trials: tuple[NwbTrial, ...]
    sites: dict[str, tuple[int, float]]
    provenance: dict[str, Any]
    experiment_json: str


@attrs.frozen(eq=False)
class _Trial:
    index: int
    traces: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]
    spikes_ms: NDArray[np.float64]


def _recordings(experiment_json: str) -> dict[str, tuple[int, float, str]]:
    """Recording key → (section ID, x, variable) of an experiment JSON ({} if it is not an Experiment)."""
    from isf.model.codec import from_data
    from isf.model.experiment import Experiment

    try:
        experiment = from_data(json.loads(experiment_json), Experiment)
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


def _store_trials(store: RunStore, trials: Sequence[int] | None) -> Iterator[_Trial]:
    spikes = store["spikes"]
    done = sorted(store.completed_trials())
    wanted = done if trials is None else list(trials)
    missing = sorted(set(wanted) - set(done))
    if missing:
        raise StoreError(f"{store.path}: trials {missing[:5]} are not stored (stored: {len(done)} trials)")
    for i in wanted:
        traces = {}
        for key in store.trace_keys():
            try:
                traces[key] = store.trace(key, i)
            except KeyError:
                continue
        times = spikes.loc[[i], "time_ms"].to_numpy(dtype=float) if i in spikes.index else np.zeros(0)
        yield _Trial(i, traces, times)


def write_nwb(source: RunStore | str | os.PathLike[str] | Sequence[Result], path: str | os.PathLike[str], *,
              trials: Sequence[int] | None = None, session_description: str | None = None,
              soma_key: str = "soma", overwrite: bool = False, compression: int | None = 4) -> Path:
    """Write a run store's trials (a :class:`RunStore` or its path), or a list of results, as one NWB file.

    Args:
        source: an open store, a store file, or results (trial ``i`` = ``source[i]``).
        path: the NWB file to write (``.nwb``).
        trials: trial indices to export (default: all stored trials).
        session_description: NWB session description (default names the source).
        soma_key: recording key of the soma (spike times of results are detected on it, ≥ 0 mV).
        overwrite: replace an existing file.
        compression: gzip level of the data (``None``: none).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false.
        StoreError: trials not in the store, or nothing to export.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another file or pass overwrite")
    if isinstance(source, (str, os.PathLike)):
        with RunStore.open(source, "r") as store:
            return write_nwb(store, path, trials=trials, session_description=session_description,
                             soma_key=soma_key, overwrite=overwrite, compression=compression)
    if isinstance(source, RunStore):
        facts = source.provenance
        experiment_json = str(facts.pop("experiment_json"))
        facts.pop("files", None)
        soma_key = source.soma_key
        items: Iterable[_Trial] = _store_trials(source, trials)
        description = session_description or f"isf run {source.path.name}: {source.n_trials} trials"
        start = _start_time(str(facts.get("created_at", "")))
    else:
        results = list(source)
        chosen = range(len(results)) if trials is None else trials
        items = [_Trial(i, {k: (results[i].t_ms, v) for k, v in results[i].traces.items()},
                        results[i].spike_times(soma_key) if soma_key in results[i].traces else np.zeros(0))
                 for i in chosen]
        sites = {k: s for r in results for k, s in r.sites.items()}
        facts = {"isf_version": __version__, "n_trials": len(results)}
        experiment_json = json.dumps({"sites": {k: list(v) for k, v in sites.items()}})
        description = session_description or f"isf results: {len(results)} simulations"
        start = datetime.datetime.now(datetime.timezone.utc)
    recordings = _recordings(experiment_json)
    if not isinstance(source, (RunStore, str, os.PathLike)):
        recordings = {k: (int(s[0]), float(s[1]), "v") for k, s in sites.items()}
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp.nwb")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write(tmp, items, recordings, facts, experiment_json, description, start, soma_key, compression)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _start_time(text: str) -> datetime.datetime:
    try:
        start = datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.now(datetime.timezone.utc)
    return start if start.tzinfo else start.replace(tzinfo=datetime.timezone.utc)


def _series_name(trial: int, key: str) -> str:
    return f"trial_{trial:04d}_{key.replace('/', '|')}"


def _write(tmp: Path, items: Iterable[_Trial], recordings: Mapping[str, tuple[int, float, str]],
           facts: dict[str, Any], experiment_json: str, description: str, start: datetime.datetime,
           soma_key: str, compression: int | None) -> None:
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.icephys import CurrentClampSeries

    def packed(array: NDArray[Any]) -> Any:
        return array if compression is None or array.size < 2 else H5DataIO(array, compression="gzip",
                                                                              compression_opts=compression,
                                                                              shuffle=True)

    nwb = NWBFile(session_description=description, identifier=str(uuid.uuid4()), session_start_time=start,
                  notes=json.dumps(facts, sort_keys=True, default=str), protocol=experiment_json,
                  stimulus_notes=_stimulus_notes(experiment_json), source_script=f"isf {__version__}",
                  source_script_file_name="isf", experiment_description="simulation with isf on NEURON")
    device = nwb.create_device(name="isf NEURON simulation", description="a NEURON simulation run by isf")
    electrodes: dict[str, Any] = {}
    module = None
    nwb.add_trial_column("trial_index", "index of the trial in its run")
    nwb.add_unit_column("trial_index", "index of the trial in its run")
    nwb.add_unit_column("recording", "recording key the spikes were detected on (upward crossing of 0 mV)")
    count = 0
    for trial in items:
        count += 1
        shared: dict[bytes, Any] = {}
        last_ms = 0.0
        for key, (t_ms, values) in trial.traces.items():
            sid, x, variable = recordings.get(key, (-1, float("nan"), "v"))
            t_s = np.asarray(t_ms, dtype=np.float64) / 1000.0
            last_ms = max(last_ms, float(t_ms[-1]) if len(t_ms) else 0.0)
            fingerprint = t_s.tobytes()
            timing = _timing(t_s, shared.get(fingerprint), packed)
            comments = json.dumps({"isf_key": key, "trial_index": trial.index})
            data = packed(np.asarray(values, dtype=np.float64))
            if variable == "v":
                if key not in electrodes:
                    where = f"section {sid} x={x:g}" if sid >= 0 else "unknown site"
                    electrodes[key] = nwb.create_icephys_electrode(
                        name=key.replace("/", "|"), device=device, location=where,
                        description=json.dumps({"isf_key": key, "section_id": sid, "x": x, "variable": variable}))
                series: Any = CurrentClampSeries(name=_series_name(trial.index, key), data=data,
                                                 electrode=electrodes[key], gain=1.0, conversion=1e-3,
                                                 **timing, sweep_number=np.uint32(trial.index),
                                                 comments=comments,
                                                 description=f"membrane potential at {key} (mV × 0.001 = V)")
                nwb.add_acquisition(series)
            else:
                if module is None:
                    module = nwb.create_processing_module(_MODULE, "isf recordings of other range variables")
                series = TimeSeries(name=_series_name(trial.index, key), data=data, **timing,
                                    unit=VARIABLE_UNITS.get(variable, "unknown"), comments=comments,
                                    description=json.dumps({"isf_key": key, "section_id": sid, "x": x,
                                                            "variable": variable}))
                module.add(series)
            shared.setdefault(fingerprint, series)
        nwb.add_trial(start_time=0.0, stop_time=last_ms / 1000.0, trial_index=trial.index)
        nwb.add_unit(spike_times=np.asarray(trial.spikes_ms, dtype=np.float64) / 1000.0, trial_index=trial.index,
                     recording=soma_key)
    if not count:
        raise StoreError("nothing to export: no trials")
    with NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)


def _timing(t_s: NDArray[np.float64], linked: Any, packed: Any) -> dict[str, Any]:
    """Timing of a series: a regular grid as starting time and rate, else timestamps (linked to an
    earlier series of the trial with the same ones)."""
    if linked is not None and linked.timestamps is not None:
        return {"timestamps": linked}
    steps = np.diff(t_s)
    if steps.size and steps[0] > 0 and np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        rate = (t_s.shape[0] - 1) / (t_s[-1] - t_s[0])
        return {"starting_time": float(t_s[0]), "rate": float(rate)}
    return {"timestamps": packed(t_s)}


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
        for item in series:
            try:
                meta = json.loads(item.comments)
                key, trial = str(meta["isf_key"]), int(meta["trial_index"])
            except (ValueError, KeyError, TypeError):
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
            for _, row in frame.iterrows():
                spikes[int(row["trial_index"])] = np.asarray(row["spike_times"], dtype=np.float64) * 1000.0
        try:
            facts = json.loads(nwb.notes or "{}")
        except ValueError:
            facts = {}
        experiment = str(nwb.protocol or "")
    indices = sorted(set(traces) | set(spikes))
    if not indices:
        raise StoreError(f"{path} holds no isf trials (series with isf comments or units with trial_index)")
    return NwbRun(tuple(NwbTrial(i, traces.get(i, {}), spikes.get(i, np.zeros(0))) for i in indices), sites,
                  facts, experiment)
