"""Synapse tuner: single-event kinetics, short-term plasticity of trains, frequency response and a
fit of plasticity parameters, for the project's Tsodyks–Markram synapses (``tm_ampa_nmda``,
``tm_gabaa``) and the legacy ISF ones (``glutamate_syn``, ``gaba_syn``). See docs/synapse_tuner.md.
"""

from isf.backends.neuron.synapse_bench import Trace
from isf.synapse_tuner.cell import simple_cell
from isf.synapse_tuner.fit import (
    Bound,
    FitResult,
    FitTarget,
    fit_parameters,
    squared_error,
)
from isf.synapse_tuner.frequency import FrequencyResponse, frequency_response
from isf.synapse_tuner.metrics import EventMetrics, event_metrics
from isf.synapse_tuner.settings import (
    ConnectionSettings,
    GeneralSettings,
    TrainSettings,
)
from isf.synapse_tuner.synapse_types import SYNAPSE_TYPES, SynapseType
from isf.synapse_tuner.train import (
    TRAIN_METRICS,
    TrainMetrics,
    pulse_amplitudes,
    train_metrics,
)
from isf.synapse_tuner.tsodyks_markram import tm_release
from isf.synapse_tuner.tuner import EventResult, SynapseTuner, TrainResult

__all__ = [
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
    "SynapseTuner",
    "SynapseType",
    "Trace",
    "TrainMetrics",
    "TrainResult",
    "TrainSettings",
    "event_metrics",
    "fit_parameters",
    "frequency_response",
    "pulse_amplitudes",
    "simple_cell",
    "squared_error",
    "tm_release",
    "train_metrics",
]
