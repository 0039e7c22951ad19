"""Synapse tuner: single-event kinetics, short-term plasticity of trains, frequency response and a
fit of plasticity parameters, for the project's Tsodyks–Markram synapses (``tm_ampa_nmda``,
``tm_gabaa``) and the legacy ISF ones (``glutamate_syn``, ``gaba_syn``). See docs/synapse_tuner.md.

Where each concept lives:

* :mod:`isf.synapse_tuner.tuner` — :class:`SynapseTuner`, runs events and trains on a cell (the NEURON
  set-up is the backend's, :mod:`isf.backends.neuron.synapse_bench`, whose :class:`Trace` it returns).
* :mod:`isf.synapse_tuner.settings` — general, connection and train settings;
  :mod:`isf.synapse_tuner.synapse_types` — the synapse types the tuner knows.
* :mod:`isf.synapse_tuner.cell` — the built-in postsynaptic cell (one passive compartment).
* :mod:`isf.synapse_tuner.metrics` — single-event metrics (current in voltage clamp, PSP in current
  clamp); :mod:`isf.synapse_tuner.train` — per-pulse amplitudes and short-term plasticity metrics.
* :mod:`isf.synapse_tuner.frequency` — short-term plasticity over a list of train frequencies.
* :mod:`isf.synapse_tuner.tsodyks_markram` — the closed-form Tsodyks–Markram recursion.
* :mod:`isf.synapse_tuner.fit` — fitting synapse parameters (``Use``, ``Dep``, ``Fac`` …) to target
  plasticity metrics.
* :mod:`isf.synapse_tuner.plot` — figures and tables of the results (not re-exported: it imports
  matplotlib's pyplot, which the tuner itself does not need).
"""

from __future__ import annotations

from isf.backends.neuron.synapse_bench import Trace
from isf.synapse_tuner.cell import simple_cell
from isf.synapse_tuner.fit import (
    METHODS,
    Bound,
    FitResult,
    FitTarget,
    StartResult,
    achieved_metrics,
    fit_parameters,
    squared_error,
)
from isf.synapse_tuner.frequency import FrequencyResponse, frequency_response
from isf.synapse_tuner.metrics import (
    EventMetrics,
    dual_exponential_rise_time,
    event_metrics,
    fit_dual_exponential,
    window_mean,
)
from isf.synapse_tuner.settings import ConnectionSettings, GeneralSettings, TrainSettings
from isf.synapse_tuner.synapse_types import SYNAPSE_TYPES, SynapseType
from isf.synapse_tuner.train import TRAIN_METRICS, TrainMetrics, pulse_amplitudes, train_metrics
from isf.synapse_tuner.tsodyks_markram import tm_conductance, tm_release
from isf.synapse_tuner.tuner import EventResult, SynapseTuner, TrainResult

__all__ = [
    "METHODS",
    "SYNAPSE_TYPES",
    "TRAIN_METRICS",
    "Bound",
    "ConnectionSettings",
    "EventMetrics",
    "EventResult",
    "FitResult",
    "FitTarget",
    "FrequencyResponse",
    "GeneralSettings",
    "StartResult",
    "SynapseTuner",
    "SynapseType",
    "Trace",
    "TrainMetrics",
    "TrainResult",
    "TrainSettings",
    "achieved_metrics",
    "dual_exponential_rise_time",
    "event_metrics",
    "fit_dual_exponential",
    "fit_parameters",
    "frequency_response",
    "pulse_amplitudes",
    "simple_cell",
    "squared_error",
    "tm_conductance",
    "tm_release",
    "train_metrics",
    "window_mean",
]
