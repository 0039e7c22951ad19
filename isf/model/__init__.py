"""The object model: frozen, validated attrs values and the pure functions every layer shares (no I/O, no
NEURON, nothing else of isf).

Where each concept lives:

* :mod:`isf.model.morphology` — :class:`Section`, :class:`Morphology`, section labels.
* :mod:`isf.model.soma_distance`, :mod:`isf.model.trunk` — path lengths to the soma, segment centres;
  the apical trunk, its main bifurcation and ISF's detailed labels.
* :mod:`isf.model.cell` — :class:`Cell` (morphology + regions + discretisation + modifiers);
  :mod:`isf.model.region`, :mod:`isf.model.mechanism`, :mod:`isf.model.distribution` (channel densities
  over a region), :mod:`isf.model.discretization` (nseg), :mod:`isf.model.modifier`,
  :mod:`isf.model.axon` (the Hay 2013 axon).
* :mod:`isf.model.site`, :mod:`isf.model.stimulus`, :mod:`isf.model.recording`,
  :mod:`isf.model.simulation`, :mod:`isf.model.experiment` — what to run and what to record.
* :mod:`isf.model.network` (populations), :mod:`isf.model.activity` (Poisson, PSTH and the other
  point-cell activities of :mod:`isf.model.pointcell`), :mod:`isf.model.network_modifier` (silencing,
  parameter modifiers),
  :mod:`isf.model.receptor`, :mod:`isf.model.synapse` (synapse tables, connectivity),
  :mod:`isf.model.cell_types` (cell-type tables, E/I class), :mod:`isf.model.trial_input` (one trial's
  presynaptic spikes), :mod:`isf.model.density_field` and :mod:`isf.model.pst` (the dense connectome's
  fields and postsynaptic-target densities).
* :mod:`isf.model.result`, :mod:`isf.model.trial_result` — simulation results as numpy arrays;
  :mod:`isf.model.spikes` (the one spike detector), :mod:`isf.model.segment_table` (per-segment traces).
* :mod:`isf.model.codec` — value ↔ plain data (JSON/YAML) and the file envelope;
  :mod:`isf.model.summary` — the readable text/HTML summaries behind the values' reprs.
* :mod:`isf.model.validation` — the attrs validators and converters the values are built with (imported
  from the module, not re-exported here: they are tools for writing values, not part of the model).
"""

from __future__ import annotations

from isf.model.activity import PSTH, Activity, ActivityComponent, Poisson
from isf.model.activity import (  # noqa: I001  (the point-cell activities)
    SPIKE_SOURCES,
    LogNormalSpike,
    NormalSpike,
    PoissonTrainModulated,
    PSTHAbsoluteNumber,
    PSTHPoissonTrain,
    PSTHPoissonTrainV2,
    UniformSpike,
)
from isf.model.network_modifier import (
    ChangeEvokedInhibitionScaling,
    ChangeGlutamateWeights,
    ChangeOngoingInterval,
    InactivateActivity,
    InactivateEvokedActivity,
    MultiStimulusTrial,
    NetworkModifier,
    SetStimulusOnset,
    SilenceBySomaDistance,
    SilenceBySomaDistanceAndSource,
)
from isf.model.stimulus import SynapticInput
from isf.model.axon import HAY2013_AXON, hay2013_axon_sections, with_hay2013_axon
from isf.model.cell import Cell
from isf.model.cell_types import (
    CELL_TYPES,
    EXCITATORY_CELL_TYPES,
    INHIBITORY_CELL_TYPES,
    ISF_EXCITATORY_CELL_TYPES,
    EIClass,
    ei_class,
)
from isf.model.codec import CONVERTER, FORMAT_VERSION, TOP_LEVEL, envelope, from_data, open_envelope, to_data
from isf.model.density_field import ScalarField
from isf.model.discretization import NEURON_DEFAULT_CM, NEURON_DEFAULT_RA, Discretization, isf_nseg, length_constant_um
from isf.model.distribution import (
    DISTRIBUTIONS,
    DistributionKind,
    CappedExponential,
    Distribution,
    Exponential,
    ExponentialByZDist,
    Linear,
    LinearCapped,
    SegmentContext,
    Sigmoid,
    Uniform,
    UniformRange,
)
from isf.model.experiment import Experiment
from isf.model.mechanism import Mechanism
from isf.model.modifier import MODIFIERS, Modifier, ScaleApical, ScaleApicalMorph86
from isf.model.morphology import (
    LABEL_TO_LEGACY,
    LEGACY_TO_LABEL,
    Label,
    LegacyLabel,
    Morphology,
    Section,
    canonical_label,
    legacy_label,
)
from isf.model.network import Network, Population
from isf.model.pst import PRESYNAPTIC_CLASSES, STRUCTURES, PSTDensities, Structure
from isf.model.receptor import RECEPTOR_MECHANISMS, Receptor, gaba, glutamate
from isf.model.recording import Recording
from isf.model.region import Region, Spines
from isf.model.result import Result
from isf.model.segment_table import segment_key, segment_recordings, segment_table, segment_traces
from isf.model.simulation import Simulation
from isf.model.site import ApicalTrunk, Landmark, SectionSite, Site, Soma
from isf.model.soma_distance import SomaDistances, geometric_soma_distance, node_x, segment_centres
from isf.model.spikes import spike_times
from isf.model.stimulus import CurrentStep, EPSPCurrent, Stimulus
from isf.model.summary import (
    cell_html,
    cell_text,
    label_rows,
    morphology_html,
    morphology_text,
    network_html,
    network_text,
    result_html,
    result_text,
    trial_result_html,
    trial_result_text,
)
from isf.model.synapse import Connectivity, SynapseLocation, Synapses
from isf.model.trial_input import PopulationInput, TrialInput, realize_input, realize_population, trial_rng
from isf.model.trial_result import TrialResult, activation_columns, presynaptic_columns
from isf.model.trunk import (
    TUFT_REACH_UM,
    detailed_labels,
    main_bifurcation,
    nearest_segment_x,
    trunk_connected,
    trunk_site,
)

__all__ = [
    "CELL_TYPES",
    "CONVERTER",
    "DISTRIBUTIONS",
    "EXCITATORY_CELL_TYPES",
    "FORMAT_VERSION",
    "HAY2013_AXON",
    "INHIBITORY_CELL_TYPES",
    "ISF_EXCITATORY_CELL_TYPES",
    "LABEL_TO_LEGACY",
    "LEGACY_TO_LABEL",
    "MODIFIERS",
    "NEURON_DEFAULT_CM",
    "NEURON_DEFAULT_RA",
    "PRESYNAPTIC_CLASSES",
    "PSTH",
    "RECEPTOR_MECHANISMS",
    "SPIKE_SOURCES",
    "STRUCTURES",
    "TOP_LEVEL",
    "TUFT_REACH_UM",
    "Activity",
    "ActivityComponent",
    "ApicalTrunk",
    "CappedExponential",
    "Cell",
    "ChangeEvokedInhibitionScaling",
    "ChangeGlutamateWeights",
    "ChangeOngoingInterval",
    "Connectivity",
    "CurrentStep",
    "Discretization",
    "Distribution",
    "DistributionKind",
    "EIClass",
    "EPSPCurrent",
    "Experiment",
    "Exponential",
    "ExponentialByZDist",
    "InactivateActivity",
    "InactivateEvokedActivity",
    "Label",
    "Landmark",
    "LegacyLabel",
    "Linear",
    "LinearCapped",
    "LogNormalSpike",
    "Mechanism",
    "Modifier",
    "Morphology",
    "MultiStimulusTrial",
    "Network",
    "NetworkModifier",
    "NormalSpike",
    "PSTDensities",
    "PSTHAbsoluteNumber",
    "PSTHPoissonTrain",
    "PSTHPoissonTrainV2",
    "Poisson",
    "PoissonTrainModulated",
    "Population",
    "PopulationInput",
    "Receptor",
    "Recording",
    "Region",
    "Result",
    "ScalarField",
    "ScaleApical",
    "ScaleApicalMorph86",
    "Section",
    "SectionSite",
    "SegmentContext",
    "SetStimulusOnset",
    "Sigmoid",
    "SilenceBySomaDistance",
    "SilenceBySomaDistanceAndSource",
    "Simulation",
    "Site",
    "Soma",
    "SomaDistances",
    "Spines",
    "Stimulus",
    "Structure",
    "SynapseLocation",
    "Synapses",
    "SynapticInput",
    "TrialInput",
    "TrialResult",
    "Uniform",
    "UniformRange",
    "UniformSpike",
    "activation_columns",
    "canonical_label",
    "cell_html",
    "cell_text",
    "detailed_labels",
    "ei_class",
    "envelope",
    "from_data",
    "gaba",
    "geometric_soma_distance",
    "glutamate",
    "hay2013_axon_sections",
    "isf_nseg",
    "label_rows",
    "legacy_label",
    "length_constant_um",
    "main_bifurcation",
    "morphology_html",
    "morphology_text",
    "nearest_segment_x",
    "network_html",
    "network_text",
    "node_x",
    "open_envelope",
    "presynaptic_columns",
    "realize_input",
    "realize_population",
    "result_html",
    "result_text",
    "segment_centres",
    "segment_key",
    "segment_recordings",
    "segment_table",
    "segment_traces",
    "spike_times",
    "to_data",
    "trial_result_html",
    "trial_result_text",
    "trial_rng",
    "trunk_connected",
    "trunk_site",
    "with_hay2013_axon",
]
