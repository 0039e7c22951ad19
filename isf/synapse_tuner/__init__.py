"""Synapse tuner: single-event kinetics, short-term plasticity of trains, frequency response and a
fit of synapse parameters, for the project's Tsodyks–Markram synapses (``tm_ampa_nmda``,
``tm_gabaa``), the legacy ISF ones (``glutamate_syn``, ``gaba_syn``) and any point process with a
``NET_RECEIVE`` block compiled from a user's ``.mod`` folder, on an isf cell or a hoc template;
bmtool-style settings and an interactive (ipywidgets) tuner. See docs/synapse_tuner.md.

Where each concept lives:

* :mod:`isf.synapse_tuner.tuner` — :class:`SynapseTuner`, runs events and trains on a cell (the NEURON
  set-up is the backend's, :mod:`isf.backends.neuron.synapse_bench`, whose :class:`Trace` it returns).
* :mod:`isf.synapse_tuner.settings` — general, connection and train settings;
  :mod:`isf.synapse_tuner.synapse_types` — the synapse types the tuner knows;
  :mod:`isf.synapse_tuner.bmtool_settings` — bmtool's ``general_settings`` / ``conn_type_settings``
  dicts and files → :class:`TunerSettings` (several connections).
* :mod:`isf.synapse_tuner.cell` — the built-in postsynaptic cell (one passive compartment).
* :mod:`isf.synapse_tuner.metrics` — single-event metrics (current in voltage clamp, PSP in current
  clamp); :mod:`isf.synapse_tuner.train` — per-pulse amplitudes and short-term plasticity metrics.
* :mod:`isf.synapse_tuner.frequency` — short-term plasticity over a list of train frequencies.
* :mod:`isf.synapse_tuner.tsodyks_markram` — the closed-form Tsodyks–Markram recursion.
* :mod:`isf.synapse_tuner.fit` — fitting synapse parameters (``Use``, ``Dep``, ``Fac``, kinetics …)
  to target train and single-event metrics, with a printed report.
* :mod:`isf.synapse_tuner.plot` — figures and tables of the results (not re-exported: it imports
  matplotlib's pyplot, which the tuner itself does not need).
* :mod:`isf.synapse_tuner.interactive` — :class:`~isf.synapse_tuner.interactive.InteractiveTuner`,
  the ipywidgets tuner (not re-exported: it imports ipywidgets and the plots).
"""

from __future__ import annotations

from isf.backends.neuron.hoc_template import HocTemplateCell
from isf.backends.neuron.synapse_bench import Trace
from isf.synapse_tuner.bmtool_settings import TunerSettings, example_settings, read_tuner_settings
from isf.synapse_tuner.cell import simple_cell
from isf.synapse_tuner.fit import (
    EVENT_METRICS,
    INIT_GUESSES,
    METHODS,
    Bound,
    FitResult,
    FitTarget,
    StartResult,
    achieved_metrics,
    fit_parameters,
    relative_squared_error,
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
from isf.synapse_tuner.tuner import EventResult, SynapseTuner, TrainResult, resolve_synapse_type

__all__ = [
    "EVENT_METRICS",
    "INIT_GUESSES",
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
    "HocTemplateCell",
    "StartResult",
    "SynapseTuner",
    "SynapseType",
    "Trace",
    "TrainMetrics",
    "TrainResult",
    "TrainSettings",
    "TunerSettings",
    "achieved_metrics",
    "dual_exponential_rise_time",
    "event_metrics",
    "example_settings",
    "fit_dual_exponential",
    "fit_parameters",
    "frequency_response",
    "pulse_amplitudes",
    "read_tuner_settings",
    "relative_squared_error",
    "resolve_synapse_type",
    "simple_cell",
    "squared_error",
    "tm_conductance",
    "tm_release",
    "train_metrics",
    "window_mean",
]
