"""isf: typed, validated models of biophysically detailed neurons, run on NEURON.

The names a script needs::

    import isf
    params = isf.read_cell_param("86_C2_center.param")
    exp = isf.Experiment(params.cell, isf.Simulation(3000, cvode=True), [isf.CurrentStep(0.793, 500, 2000)])
    result = isf.simulate(exp)          # numpy arrays, no NEURON objects

``simulate`` imports NEURON on first use only.
"""

from __future__ import annotations

from typing import Any

from isf.dsl.builder import CellBuilder
from isf.dsl.cell_param import CellParameterFile, read_cell_param, write_cell_param
from isf.dsl.evoked_network import create_evoked_network
from isf.dsl.hoc import read_hoc
from isf.dsl.network_param import read_network_param, write_network_param
from isf.dsl.serialization import load, save
from isf.dsl.swc import read_swc
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import (
    CappedExponential,
    Exponential,
    ExponentialByZDist,
    Linear,
    LinearCapped,
    Sigmoid,
    Uniform,
    UniformRange,
)
from isf.model.experiment import Experiment
from isf.model.activity import PSTH, Activity, Poisson
from isf.model.mechanism import Mechanism
from isf.model.network import Network, Population
from isf.model.receptor import Receptor, gaba, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.modifier import ScaleApical, ScaleApicalMorph86
from isf.model.morphology import Morphology, Section
from isf.model.recording import Recording
from isf.model.region import Region, Spines
from isf.model.result import Result
from isf.model.simulation import Simulation
from isf.model.site import ApicalTrunk, Landmark, SectionSite, Soma
from isf.model.stimulus import CurrentStep, EPSPCurrent
from isf._version import __version__
from isf.errors import IsfError, ModelValueError


__all__ = [
    "PSTH", "Activity", "Connectivity", "Network", "Parallel", "Poisson", "Population", "Receptor", "Synapses",
    "create_evoked_network", "gaba", "glutamate", "read_network_param", "run_trials", "write_network_param",
    "ApicalTrunk", "CappedExponential", "Cell", "CellBuilder", "CellParameterFile", "CurrentStep", "Database",
    "Discretization", "EPSPCurrent", "Experiment", "Exponential", "ExponentialByZDist", "Landmark", "Linear",
    "IsfError", "LinearCapped", "Mechanism", "ModelValueError", "Morphology", "Recording", "Region", "Result",
    "RunStore", "ScaleApical", "ScaleApicalMorph86", "Section", "SectionSite", "Sigmoid", "Simulation", "Soma",
    "Spines", "Uniform", "UniformRange", "load", "read_cell_param", "read_hoc", "read_swc", "save", "simulate",
    "write_cell_param",
]


def __getattr__(name: str) -> Any:
    if name == "simulate":
        from isf.backends.neuron.simulate import simulate

        return simulate
    if name == "run_trials":
        from isf.backends.runner import run_trials

        return run_trials
    if name == "Parallel":  # imported on use, as run_trials: it brings joblib
        from isf.backends.parallel import Parallel

        return Parallel
    if name == "RunStore":  # imported on use: PyTables and Blosc2 take ~0.4 s to import
        from isf.store import RunStore

        return RunStore
    if name == "Database":  # imported on use, as RunStore
        from isf.store import Database

        return Database
    raise AttributeError(f"module 'isf' has no attribute {name!r}")
