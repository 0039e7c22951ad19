"""The NEURON backend: compiles model values into NEURON objects and returns numpy results (nothing
NEURON-specific leaves this package).

Where each concept lives:

* :mod:`isf.backends.neuron.build` — a :class:`~isf.model.cell.Cell` → NEURON sections
  (:func:`build_cell`, :class:`BuiltCell`).
* :mod:`isf.backends.neuron.simulate` — one experiment run (:func:`isf.backends.neuron.simulate.simulate`,
  also :func:`isf.simulate`), stimuli, recorders, the run loop with its timeout.
* :mod:`isf.backends.neuron.trials` — network trials on one built cell (:class:`TrialSimulator`).
* :mod:`isf.backends.neuron.segment_recording` — voltage of every segment (:func:`simulate_segments`).
* :mod:`isf.backends.neuron.synapse_probe` — receptor variables of a trial's active synapses
  (:class:`SynapseRecording`, :class:`SynapseProbe`), for replays.
* :mod:`isf.backends.neuron.synapse_bench` — the synapse tuner's clamp and stimulus set-up.
* :mod:`isf.backends.neuron.mechanisms` — compiling and loading the NMODL mechanisms (its own face;
  importing it imports neither NEURON nor a compiler).

Importing this package imports no NEURON: the names below are imported on first use (lazy, as the face
of :mod:`isf.backends`, because ``isf.backends.neuron.mechanisms`` must stay importable without NEURON),
and NEURON is told to start without its GUI (no ``DISPLAY`` warning on servers). The function ``simulate``
is not re-exported here, as its module has the same name: use :func:`isf.simulate`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from isf._lazy import lazy_face

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

if TYPE_CHECKING:
    from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell, section_count, segment_values
    from isf.backends.neuron.segment_recording import simulate_segments
    from isf.backends.neuron.simulate import Recorder, SimulationTimeout, place_stimulus, run
    from isf.backends.neuron.synapse_bench import (
        Integration,
        Measure,
        SynapseBench,
        SynapseSetup,
        Trace,
        VoltageClamp,
    )
    from isf.backends.neuron.synapse_probe import SynapseProbe, SynapseRecording
    from isf.backends.neuron.trials import TrialSimulator, attach_input

#: public name → the module of this package that defines it
_MODULE_OF: dict[str, str] = {
    "BuiltCell": "build",
    "Integration": "synapse_bench",
    "Measure": "synapse_bench",
    "NeuronBuildError": "build",
    "Recorder": "simulate",
    "SimulationTimeout": "simulate",
    "SynapseBench": "synapse_bench",
    "SynapseProbe": "synapse_probe",
    "SynapseRecording": "synapse_probe",
    "SynapseSetup": "synapse_bench",
    "Trace": "synapse_bench",
    "TrialSimulator": "trials",
    "VoltageClamp": "synapse_bench",
    "attach_input": "trials",
    "build_cell": "build",
    "place_stimulus": "simulate",
    "run": "simulate",
    "section_count": "build",
    "segment_values": "build",
    "simulate_segments": "segment_recording",
}

__all__ = [
    "BuiltCell",
    "Integration",
    "Measure",
    "NeuronBuildError",
    "Recorder",
    "SimulationTimeout",
    "SynapseBench",
    "SynapseProbe",
    "SynapseRecording",
    "SynapseSetup",
    "Trace",
    "TrialSimulator",
    "VoltageClamp",
    "attach_input",
    "build_cell",
    "place_stimulus",
    "run",
    "section_count",
    "segment_values",
    "simulate_segments",
]


__getattr__, __dir__ = lazy_face(globals(), _MODULE_OF)
