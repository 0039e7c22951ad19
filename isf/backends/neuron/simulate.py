"""Run an :class:`~isf.model.experiment.Experiment` on NEURON and return a :class:`~isf.model.result.Result`.

The run follows ISF's ``init_neuron_run`` + ``neuron.run``: stdrun's
``init()`` (``finitialize(v_init)`` …), then ``fadvance()`` while
``t < tstop`` with ``tstop`` formatted by ``%g``. CVode records every
integrator step. Every NEURON object made here is released before returning.
"""

from __future__ import annotations

from collections.abc import Sequence
import time
from typing import Any

import numpy as np
from neuron import h

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell
from isf.errors import ArgumentValueError, ModelTypeError, SimulationError
from isf.model.experiment import Experiment
from isf.model.recording import Recording
from isf.model.result import Result
from isf.model.simulation import Simulation
from isf.model.stimulus import CurrentStep, EPSPCurrent, Stimulus

_STDRUN_LOADED = False


def _stdrun() -> None:
    global _STDRUN_LOADED
    if not _STDRUN_LOADED:
        h.load_file("stdrun.hoc")
        _STDRUN_LOADED = True


def place_stimulus(built: BuiltCell, stimulus: Stimulus) -> Any:
    """Create the NEURON object of one stimulus on a built cell (returned: keep it alive)."""
    sid, x = stimulus.site.resolve(built.cell, snap=False)
    seg = built.segment(sid, x)
    if isinstance(stimulus, CurrentStep):
        clamp = h.IClamp(seg)
        clamp.amp, clamp.delay, clamp.dur = stimulus.amplitude_nA, stimulus.delay_ms, stimulus.duration_ms
        return clamp
    if isinstance(stimulus, EPSPCurrent):
        epsp = h.epsp(seg)
        epsp.onset, epsp.tau0, epsp.tau1, epsp.imax = (
            stimulus.onset_ms, stimulus.tau0_ms, stimulus.tau1_ms, stimulus.imax_nA)
        return epsp
    raise ModelTypeError(f"unsupported stimulus {stimulus!r}")


class SimulationTimeout(SimulationError):
    """A run exceeded its wall-clock limit (the model state is left where it stopped)."""


#: simulated time between two wall-clock checks of a time-limited run, ms
_CHECK_EVERY_MS = 25.0


def run(simulation: Simulation, time_limit_s: float | None = None) -> None:
    """Initialise and integrate the current NEURON model as ISF does.

    Args:
        simulation: run settings.
        time_limit_s: wall-clock limit, s; :class:`SimulationTimeout` is raised when it is exceeded.
            The steps taken are the same as without a limit (the ``fadvance`` loop is only paused
            every 25 ms of simulated time to look at the clock).
    """
    _stdrun()
    cvode = h.CVode()
    cvode.active(1 if simulation.cvode else 0)
    # NEURON's defaults unless set: tolerances left by earlier code in the process must not leak in
    cvode.atol(simulation.cvode_atol if simulation.cvode_atol is not None else 1e-3)
    cvode.rtol(0.0)
    h.dt = simulation.dt_ms
    h.celsius = simulation.celsius_degC
    h.v_init = simulation.v_init_mV
    h.tstop = float(f"{simulation.tstop_ms:g}")
    h.init()
    if time_limit_s is None:
        h("while (t < tstop) { fadvance() }")
        return
    deadline = time.monotonic() + time_limit_s
    while h.t < h.tstop:
        h(f"while (t < tstop && t < {h.t + _CHECK_EVERY_MS!r}) {{ fadvance() }}")
        if h.t < h.tstop and time.monotonic() > deadline:
            raise SimulationTimeout(f"simulation stopped at t = {h.t:.3f} ms of {h.tstop:g} ms: "
                                    f"wall-clock limit of {time_limit_s:g} s exceeded")


class Recorder:
    """Vectors recording time and every :class:`~isf.model.recording.Recording` of an experiment."""

    def __init__(self, built: BuiltCell, recordings: Sequence[Recording]) -> None:
        self.t = h.Vector()
        self.t.record(h._ref_t)
        self.vectors: dict[str, Any] = {}
        self.sites: dict[str, tuple[int, float]] = {}
        for rec in recordings:
            sid, x = rec.site.resolve(built.cell, snap=True)
            try:
                ref = getattr(built.segment(sid, x), f"_ref_{rec.variable}")
            except (AttributeError, NameError) as exc:
                raise NeuronBuildError(
                    f"recording {rec.key!r}: section {sid} has no range variable {rec.variable!r} ({exc})"
                ) from None
            vec = h.Vector()
            vec.record(ref)
            self.vectors[rec.key] = vec
            self.sites[rec.key] = (sid, x)

    def arrays(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Copies of the recorded time (ms) and traces."""
        return np.array(self.t), {k: np.array(v) for k, v in self.vectors.items()}

    def close(self) -> None:
        """Stop recording (drop the vectors)."""
        self.vectors.clear()


def simulate(experiment: Experiment, time_limit_s: float | None = None) -> Result:
    """Build the cell, place stimuli and recordings, run, and return the recorded arrays.

    ``time_limit_s`` (wall clock, s) raises :class:`SimulationTimeout` for runaway runs."""
    if experiment.network is not None:
        raise ArgumentValueError("simulate() runs experiments without a network; use isf.run_trials or TrialSimulator")
    built = build_cell(experiment.cell)
    stimuli: list[Any] = []
    recorder: Recorder | None = None
    try:
        stimuli = [place_stimulus(built, s) for s in experiment.stimuli]
        recorder = Recorder(built, experiment.recordings)
        run(experiment.simulation, time_limit_s)
        t, traces = recorder.arrays()
        return Result(t_ms=t, traces=traces, sites=dict(recorder.sites))
    finally:
        stimuli.clear()
        if recorder is not None:
            recorder.close()
        built.sections.clear()
