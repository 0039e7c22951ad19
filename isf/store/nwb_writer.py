"""Writing trials to one NWB file in a streaming fashion (used by :func:`isf.store.nwb.write_nwb`).

The NWB containers are built first with *lazy* data: every trace is a :class:`_LazyTrace`, a one-chunk
iterator that decodes the trace from its run store only when pynwb writes that dataset, so one trace
at a time is in memory whatever the number of trials. Data are written chunked and compressed
(``H5DataIO``: gzip with the shuffle filter, one chunk per trace up to :data:`CHUNK_SAMPLES` samples).
Trials of a study carry their run and condition labels as columns of the trials and units tables.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf._version import __version__
from isf.errors import StoreError

__all__ = ["CHUNK_SAMPLES", "RESERVED_COLUMNS", "TraceSource", "TrialSource", "VARIABLE_UNITS", "write_trials"]

#: Units of non-voltage range variables (NEURON's).
VARIABLE_UNITS = {"cai": "mM", "cao": "mM", "nai": "mM", "ki": "mM", "ik": "mA/cm2", "ina": "mA/cm2",
                  "ica": "mA/cm2", "i_pas": "mA/cm2"}
#: Samples per HDF5 chunk of a trace (a 300 ms trace at dt 0.025 ms is one chunk of 94 KiB).
CHUNK_SAMPLES = 16_384
#: Column names the NWB trials/units tables own (condition names must differ).
RESERVED_COLUMNS = frozenset({"id", "start_time", "stop_time", "tags", "timeseries", "spike_times", "obs_intervals",
                              "electrodes", "electrode_group", "waveform_mean", "waveform_sd", "waveforms",
                              "trial_index", "study_trial", "run", "recording"})
MODULE = "isf_recordings"


@attrs.frozen(eq=False)
class TraceSource:
    """One trace of a trial: its sample times (ms) and a loader of its values (called when written)."""

    key: str
    t_ms: NDArray[np.float64]
    load: Callable[[], NDArray[np.float64]]


@attrs.frozen(eq=False)
class TrialSource:
    """One trial to write: index in its run, position in the study (``None`` for a single run), its run's
    name and condition labels, traces and soma spike times (ms)."""

    index: int
    study_trial: int | None
    run: str
    conditions: Mapping[str, str]
    traces: Sequence[TraceSource]
    spikes_ms: NDArray[np.float64]


def _lazy_trace(load: Callable[[], NDArray[np.float64]], n: int) -> Any:
    """A one-chunk data iterator: ``load()`` runs when pynwb writes the dataset, not before."""
    from hdmf.data_utils import AbstractDataChunkIterator, DataChunk

    class _LazyTrace(AbstractDataChunkIterator):
        def __init__(self) -> None:
            self._done = False

        def __iter__(self) -> _LazyTrace:
            return self

        def __next__(self) -> DataChunk:
            if self._done:
                raise StopIteration
            self._done = True
            values = np.asarray(load(), dtype=np.float64)
            if values.shape != (n,):
                raise StoreError(f"a trace changed while it was exported: {values.shape[0]} samples, expected {n}")
            return DataChunk(data=values, selection=np.s_[0:n])

        def recommended_chunk_shape(self) -> tuple[int, ...]:
            return (min(n, CHUNK_SAMPLES),)

        def recommended_data_shape(self) -> tuple[int, ...]:
            return (n,)

        @property
        def dtype(self) -> np.dtype[Any]:
            return np.dtype(np.float64)

        @property
        def maxshape(self) -> tuple[int, ...]:
            return (n,)

    return _LazyTrace()


def _number(trial: TrialSource) -> int:
    """The trial's number in the file: its index in the run, or its position in the study."""
    return trial.index if trial.study_trial is None else trial.study_trial


def _series_name(trial: TrialSource, key: str) -> str:
    return f"trial_{_number(trial):04d}_{key.replace('/', '|')}"


def write_trials(tmp: Path, trials: Iterable[TrialSource], recordings: Callable[[str, str], tuple[int, float, str]],
                 facts: dict[str, Any], protocol: str, stimulus_notes: str, description: str,
                 start: datetime.datetime, soma_key: str, compression: int | None,
                 condition_names: Sequence[str] = ()) -> int:
    """Write ``trials`` to the NWB file ``tmp``; the number of trials written.

    Args:
        recordings: (run name, recording key) → (section ID, x, variable) of the recording.
        condition_names: the study's condition names (columns of the trials and units tables, with
            ``run`` and ``study_trial``); empty for a single run.

    Raises:
        StoreError: no trials, or a condition name NWB reserves.
    """
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.icephys import CurrentClampSeries

    clash = sorted(set(condition_names) & RESERVED_COLUMNS)
    if clash:
        raise StoreError(f"condition names {clash} are column names of NWB's trials/units tables; rename them")

    def packed(data: Any, n: int) -> Any:
        if compression is None or n < 2:
            return H5DataIO(data, chunks=(min(n, CHUNK_SAMPLES),)) if n else data
        return H5DataIO(data, compression="gzip", compression_opts=compression, shuffle=True,
                        chunks=(min(n, CHUNK_SAMPLES),))

    nwb = NWBFile(session_description=description, identifier=str(uuid.uuid4()), session_start_time=start,
                  notes=json.dumps(facts, sort_keys=True, default=str), protocol=protocol,
                  stimulus_notes=stimulus_notes, source_script=f"isf {__version__}",
                  source_script_file_name="isf", experiment_description="simulation with isf on NEURON")
    device = nwb.create_device(name="isf NEURON simulation", description="a NEURON simulation run by isf")
    electrodes: dict[tuple[str, int, float], Any] = {}
    module = None
    study = False
    nwb.add_trial_column("trial_index", "index of the trial in its run")
    nwb.add_unit_column("trial_index", "index of the trial in its run")
    nwb.add_unit_column("recording", "recording key the spikes were detected on (upward crossing of 0 mV)")
    count = 0
    for trial in trials:
        if count == 0 and trial.study_trial is not None:
            study = True
            for table in (nwb.add_trial_column, nwb.add_unit_column):
                table("study_trial", "position of the trial in the study (runs in order, trials ascending)")
                table("run", "the run of the trial (database key or store file)")
                for name in condition_names:
                    table(name, f"condition label {name!r} of the trial's run")
        count += 1
        timestamps: dict[bytes, Any] = {}
        last_ms = 0.0
        for trace in trial.traces:
            sid, x, variable = recordings(trial.run, trace.key)
            t_s = np.asarray(trace.t_ms, dtype=np.float64) / 1000.0
            n = t_s.shape[0]
            last_ms = max(last_ms, float(trace.t_ms[-1]) if n else 0.0)
            fingerprint = hashlib.sha1(t_s.tobytes()).digest()
            timing = _timing(t_s, timestamps.get(fingerprint), lambda a: packed(a, a.shape[0]))
            comments = {"isf_key": trace.key, "trial_index": trial.index}
            if trial.study_trial is not None:
                comments.update(study_trial=trial.study_trial, run=trial.run, conditions=dict(trial.conditions))
            data = packed(_lazy_trace(trace.load, n), n) if n else np.zeros(0)
            site = {"isf_key": trace.key, "section_id": sid, "x": x, "variable": variable}
            if variable == "v":
                where = (trace.key, sid, x)
                if where not in electrodes:
                    taken = {e.name for e in electrodes.values()}
                    name = trace.key.replace("/", "|")
                    name = name if name not in taken else f"{name} ({len(electrodes)})"
                    electrodes[where] = nwb.create_icephys_electrode(
                        name=name, device=device, location=f"section {sid} x={x:g}" if sid >= 0 else "unknown site",
                        description=json.dumps(site))
                series: Any = CurrentClampSeries(name=_series_name(trial, trace.key), data=data,
                                                 electrode=electrodes[where], gain=1.0, conversion=1e-3, **timing,
                                                 sweep_number=np.uint32(_number(trial)), comments=json.dumps(comments),
                                                 description=f"membrane potential at {trace.key} (mV × 0.001 = V)")
                nwb.add_acquisition(series)
            else:
                if module is None:
                    module = nwb.create_processing_module(MODULE, "isf recordings of other range variables")
                series = TimeSeries(name=_series_name(trial, trace.key), data=data, **timing,
                                    unit=VARIABLE_UNITS.get(variable, "unknown"), comments=json.dumps(comments),
                                    description=json.dumps(site))
                module.add(series)
            if "timestamps" in timing and fingerprint not in timestamps:
                timestamps[fingerprint] = series
        labels: dict[str, Any] = {}
        if study:
            labels = {"study_trial": trial.study_trial, "run": trial.run,
                      **{name: trial.conditions[name] for name in condition_names}}
        nwb.add_trial(start_time=0.0, stop_time=last_ms / 1000.0, trial_index=trial.index, **labels)
        nwb.add_unit(spike_times=np.asarray(trial.spikes_ms, dtype=np.float64) / 1000.0, trial_index=trial.index,
                     recording=soma_key, **labels)
    if not count:
        raise StoreError("nothing to export: no trials")
    with NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)
    return count


def _timing(t_s: NDArray[np.float64], linked: Any, packed: Callable[[NDArray[Any]], Any]) -> dict[str, Any]:
    """Timing of a series: a regular grid as starting time and rate, else timestamps (linked to an
    earlier series of the trial with the same ones)."""
    if linked is not None:
        return {"timestamps": linked}
    steps = np.diff(t_s)
    if steps.size and steps[0] > 0 and np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        rate = (t_s.shape[0] - 1) / (t_s[-1] - t_s[0])
        return {"starting_time": float(t_s[0]), "rate": float(rate)}
    return {"timestamps": packed(t_s)}
