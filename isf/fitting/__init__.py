"""Hay et al. (2011)-style biophysical model generation: protocols, features and objectives, typed
parameters over a template cell, evaluation, multi-objective optimisation (deap) and random-walk
exploration. See docs/fitting.md.

Where each concept lives:

* :mod:`isf.fitting.protocols` — the five Hay protocols (bAP, BAC, StepOne/Two/Three) and the
  morphology-specific :class:`HayFixedParameters`.
* :mod:`isf.fitting.features` — the Hay/eFEL features and their threshold-crossing rule.
* :mod:`isf.fitting.objectives` — features, checks, penalties and the combiner, as ISF scores them.
* :mod:`isf.fitting.cell_parameters` — typed parameters that apply themselves to a Cell
  (:class:`RangeParameter`, :class:`DistributionParameter`, :class:`HotZoneParameter`, …);
  :mod:`isf.fitting.legacy_names` maps ISF's dotted names onto them; :mod:`isf.fitting.template`
  reads ISF's L5tt template once into a typed base cell.
* :mod:`isf.fitting.parameters` — :class:`ParameterSpace` and the 35-parameter Hay space.
* :mod:`isf.fitting.setup` — :class:`HaySetup`: build, simulate and score one parameter vector;
  :mod:`isf.fitting.evaluation` — many vectors through one :class:`~isf.backends.parallel.Parallel`.
* :mod:`isf.fitting.problem`, :mod:`isf.fitting.optimize`, :mod:`isf.fitting.ibea` — the optimiser
  (IBEA / NSGA-II, checkpoints, resume); :mod:`isf.fitting.explore` — random-walk exploration.
"""

from __future__ import annotations

from isf.fitting.cell_parameters import (
    DistributionParameter,
    HotZoneParameter,
    LinkedParameter,
    RangeParameter,
    RegionProperty,
    ScaleApicalParameter,
)
from isf.fitting.evaluation import evaluate_many
from isf.fitting.explore import HayInsideTest, WalkSettings, explore, explore_particles, load_exploration
from isf.fitting.objectives import Feature, Objective, combine, hay_objectives
from isf.fitting.optimize import OptimizationResult, OptimizerSettings, load_generations, optimize
from isf.fitting.parameters import ParameterSpace, hay_parameter_space
from isf.fitting.problem import HayProblem
from isf.fitting.protocols import (
    PROTOCOL_NAMES,
    HayFixedParameters,
    Protocol,
    hay_protocols,
    morphology89_fixed_parameters,
)
from isf.fitting.setup import DEFAULT_CUTOFFS, HaySetup, Traces, example_models, morphology89_setup
from isf.fitting.template import CellTemplate, l5tt_template, read_template

__all__ = [
    "DEFAULT_CUTOFFS",
    "PROTOCOL_NAMES",
    "CellTemplate",
    "DistributionParameter",
    "Feature",
    "HayFixedParameters",
    "HayInsideTest",
    "HayProblem",
    "HaySetup",
    "HotZoneParameter",
    "LinkedParameter",
    "Objective",
    "OptimizationResult",
    "OptimizerSettings",
    "ParameterSpace",
    "Protocol",
    "RangeParameter",
    "RegionProperty",
    "ScaleApicalParameter",
    "Traces",
    "WalkSettings",
    "combine",
    "evaluate_many",
    "example_models",
    "explore",
    "explore_particles",
    "hay_objectives",
    "hay_parameter_space",
    "hay_protocols",
    "l5tt_template",
    "load_exploration",
    "load_generations",
    "morphology89_fixed_parameters",
    "morphology89_setup",
    "optimize",
    "read_template",
]
