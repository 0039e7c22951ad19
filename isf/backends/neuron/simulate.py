"""Run an :class:`~isf.model.experiment.Experiment` on NEURON and return a :class:`~isf.model.result.Result`.

The run follows ISF's ``init_neuron_run`` + ``neuron.run``: stdrun's
``init()`` (``finitialize(v_init)`` …), then ``fadvance()`` while
``t < tstop`` with ``tstop`` formatted by ``%g``. CVode records every
integrator step. Every NEURON object made here is released before returning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from neuron import h

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell
from isf.model.experiment import Experiment
from isf.model.result import Result
from isf.model.simulation import Simulation
from isf.model.stimulus import CurrentStep, EPSPCurrent, Stimulus

_STDRUN_LOADED = False


def _stdrun() -> None:
    global _STDRUN_LOADED
    if not _STDRUN_LOADED:
        h.load_file("stdrun.hoc")
        _STDRUN_LOADED = True


def _place(built: BuiltCell, stimulus: Stimulus) -> Any:
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
    raise TypeError(f"unsupported stimulus {stimulus!r}")


def run(simulation: Simulation) -> None:
    """Initialise and integrate the current NEURON model as ISF does."""
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
    h("while (t < tstop) { fadvance() }")


def simulate(experiment: Experiment) -> Result:
    """Build the cell, place stimuli and recordings, run, and return the recorded arrays."""
    built = build_cell(experiment.cell)
    try:
        stimuli = [_place(built, s) for s in experiment.stimuli]
        t_vec = h.Vector()
        t_vec.record(h._ref_t)
        vectors: dict[str, Any] = {}
        sites: dict[str, tuple[int, float]] = {}
        for rec in experiment.recordings:
            sid, x = rec.site.resolve(built.cell, snap=True)
            seg = built.segment(sid, x)
            try:
                ref = getattr(seg, f"_ref_{rec.variable}")
            except (AttributeError, NameError) as exc:
                raise NeuronBuildError(
                    f"recording {rec.key!r}: section {sid} has no range variable {rec.variable!r} ({exc})"
                ) from None
            vec = h.Vector()
            vec.record(ref)
            vectors[rec.key] = vec
            sites[rec.key] = (sid, x)
        run(experiment.simulation)
        result = Result(
            t_ms=np.array(t_vec),
            traces={k: np.array(v) for k, v in vectors.items()},
            sites=sites,
        )
    finally:
        stimuli = []
        vectors = {}
        built.sections.clear()
    del stimuli, vectors, built
    return result
