"""A Hay fitting set-up: morphology, fixed parameters, template, protocols and objectives — a parameter
vector in, traces and ISF's evaluation out (LEGACY_FORMATS §8.7, §8.9).

Every protocol is simulated on a freshly built cell, as ISF does. :meth:`HaySetup.evaluate` runs all
protocols; :meth:`HaySetup.evaluate_incremental` stops at the first protocol whose worst objective
exceeds its cutoff (the random walk's inside test).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.fitting.cell_parameters import CellParameter
from isf.errors import FittingError
from isf.fitting.legacy_names import parameter_items
from isf.fitting.objectives import (
    Objective,
    combine,
    combined_names,
    evaluate_protocol,
    hay_objectives,
    protocol_objectives,
)
from isf.fitting.parameters import ParameterSpace, hay_parameter_space
from isf.fitting.protocols import (
    PROTOCOL_NAMES,
    HayFixedParameters,
    Protocol,
    hay_protocols,
)
from isf.fitting.template import CellTemplate, l5tt_template, read_template
from isf.model.cell import Cell
from isf.model.experiment import Experiment
from isf.model.morphology import Morphology

#: ISF's default inside cutoffs of the random walk, σ
DEFAULT_CUTOFFS: dict[str, float] = {"bAP": 3.2, "BAC": 3.2, "StepOne": 4.5, "StepTwo": 4.5, "StepThree": 4.5}
#: score of every objective of an evaluation that hit its time limit (worse than any ISF penalty)
TIMEOUT_SCORE = 250.0


@attrs.frozen
class Traces:
    """Recorded voltages of one protocol.

    Attributes:
        t_ms: time, ms (CVode steps).
        v_mV: one row per recording site (soma first), mV.
    """

    t_ms: NDArray[np.float64]
    v_mV: NDArray[np.float64]


def _frozen_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _objectives(value: Iterable[Objective]) -> tuple[Objective, ...]:
    return tuple(value)


@attrs.frozen(eq=False)
class HaySetup:
    """Everything that turns a parameter vector into Hay objectives.

    Attributes:
        morphology: the cell's morphology (an AIS and myelin are generated, Hay 2013).
        fixed: morphology-specific protocol sites and hot zone.
        space: the fitted parameters and their ranges.
        template: ISF neuron-parameter template in its legacy form (:func:`~isf.fitting.template.l5tt_template`),
            read once into :attr:`cell_template`.
        protocols: protocol names to simulate, in order.
        objectives: the empirical targets.
        time_limit_s: wall-clock limit per protocol run, s (``None``: no limit).
        cell_template: (derived) the typed base cell with the fixed parameters applied and the typed
            parameters of :attr:`space`; every parameter vector is applied to it.
    """

    morphology: Morphology
    fixed: HayFixedParameters
    space: ParameterSpace = attrs.field(factory=hay_parameter_space)
    template: dict[str, Any] = attrs.field(factory=l5tt_template, converter=_frozen_dict)
    protocols: tuple[str, ...] = attrs.field(default=PROTOCOL_NAMES, converter=_names)
    objectives: tuple[Objective, ...] = attrs.field(factory=hay_objectives, converter=_objectives)
    time_limit_s: float | None = None
    cell_template: CellTemplate = attrs.field(init=False, repr=False)

    @cell_template.default
    def _read_template(self) -> CellTemplate:
        # once per set-up: the legacy template → a typed base cell, the fixed hot zone applied to it, and
        # the space's names → typed parameters
        template = read_template(self.template, self.morphology).with_values(parameter_items(self.fixed.as_params()))
        return template.with_parameters(zip(self.space.names, zip(self.space.lower.tolist(), self.space.upper.tolist())))

    def __attrs_post_init__(self) -> None:
        known = hay_protocols(self.fixed)
        bad = [p for p in self.protocols if p not in known]
        if bad or not self.protocols:
            raise FittingError(f"HaySetup.protocols: {bad or 'empty'}; allowed are {', '.join(known)}")

    @property
    def protocol_values(self) -> dict[str, Protocol]:
        """The protocols as typed values, in order."""
        known = hay_protocols(self.fixed)
        return {p: known[p] for p in self.protocols}

    @property
    def steps(self) -> bool:
        """Whether the step protocols are part of the set-up."""
        return any(p.startswith("Step") for p in self.protocols)

    @property
    def objective_names(self) -> tuple[str, ...]:
        """Objectives measured by the set-up's protocols, in protocol order."""
        return tuple(n for p in self.protocols for n in protocol_objectives(p, self.objectives))

    @property
    def parameters(self) -> tuple[CellParameter, ...]:
        """The typed parameters of :attr:`space`, in its order (with its bounds)."""
        return tuple(self.cell_template.parameters[n] for n in self.space.names if n in self.cell_template.parameters)

    def cell(self, params: Mapping[str, float] | pd.Series) -> Cell:
        """The typed cell of a parameter vector: its cell parameters
        (:func:`~isf.fitting.legacy_names.parameter_items`: evaluation columns of a stored row are ignored)
        applied to the base cell, which holds the fixed parameters (given values override them)."""
        return self.cell_template.cell(parameter_items(params))

    def simulate(self, params: Mapping[str, float] | pd.Series, protocols: Sequence[str] | None = None,
                 cell: Cell | None = None) -> dict[str, Traces]:
        """Traces of each protocol (default: all of the set-up's); ``cell`` = ``self.cell(params)`` if already
        made (each protocol still runs on a freshly built NEURON cell)."""
        from isf.backends.neuron.simulate import simulate

        cell = self.cell(params) if cell is None else cell
        out = {}
        for name in self.protocols if protocols is None else protocols:
            protocol = self.protocol_values[name]
            result = simulate(Experiment(cell, protocol.simulation, protocol.stimuli, protocol.recordings),
                              time_limit_s=self.time_limit_s)
            out[name] = Traces(result.t_ms, np.vstack([result.traces[r.key] for r in protocol.recordings]))
        return out

    def evaluate_traces(self, traces: Mapping[str, Traces]) -> dict[str, Any]:
        """ISF's evaluation keys of simulated traces."""
        out: dict[str, Any] = {}
        for name, tr in traces.items():
            out.update(evaluate_protocol(self.protocol_values[name], tr.t_ms, list(tr.v_mV), self.objectives))
        return out

    def evaluate(self, params: Mapping[str, float] | pd.Series) -> pd.Series:
        """Full evaluation: ISF's keys for every protocol, then the parameters (one Series)."""
        return self._run(params, None)

    def evaluate_incremental(self, params: Mapping[str, float] | pd.Series,
                             cutoffs: Mapping[str, float] | None = None) -> tuple[bool, pd.Series]:
        """Simulate protocols in order and stop at the first whose maximum final score exceeds its cutoff
        (σ, default :data:`DEFAULT_CUTOFFS`). Returns ``(inside, evaluation so far)``."""
        cut = {**DEFAULT_CUTOFFS, **(cutoffs or {})}
        result = self._run(params, cut)
        return bool(result["inside"]), result

    def combined(self, evaluation: Mapping[str, Any] | pd.Series) -> pd.Series:
        """The combined objectives (max over groups) of a full evaluation, σ."""
        return combine(evaluation, steps=self.steps, available=self.objective_names)

    @property
    def combined_names(self) -> tuple[str, ...]:
        """Names of the combined objectives of the set-up's protocols."""
        return combined_names(steps=self.steps, available=self.objective_names)

    def _run(self, params: Mapping[str, float] | pd.Series, cutoffs: Mapping[str, float] | None) -> pd.Series:
        from isf.backends.neuron.simulate import SimulationTimeout

        out: dict[str, Any] = {}
        inside = True
        timed_out = False
        start = time.perf_counter()
        # the typed cell caches its distances and per-segment values: make it once for all protocols
        cell = self.cell(params)
        for name in self.protocols:
            try:
                traces = self.simulate(params, [name], cell)
            except SimulationTimeout:
                timed_out, inside = True, False
                out.update({n: TIMEOUT_SCORE for n in protocol_objectives(name, self.objectives)})
                break
            out.update(self.evaluate_traces(traces))
            if cutoffs is not None:
                worst = max(out[n] for n in protocol_objectives(name, self.objectives))
                if worst > cutoffs[name]:
                    inside = False
                    break
        if timed_out and cutoffs is None:
            # later protocols were not run: score them like the runaway one
            for name in self.protocols:
                for n in protocol_objectives(name, self.objectives):
                    out.setdefault(n, TIMEOUT_SCORE)
        out["inside"] = inside
        out["timed_out"] = timed_out
        out["eval_s"] = time.perf_counter() - start
        given = dict(params.items()) if isinstance(params, pd.Series) else dict(params)
        out.update({k: v for k, v in given.items()})
        return pd.Series(out, dtype=object)


def morphology89_setup(protocols: Sequence[str] = PROTOCOL_NAMES, time_limit_s: float | None = None) -> HaySetup:
    """ISF's morphology-89 set-up (reference ``hay_89``) from the copy shipped in :mod:`isf.data`."""
    from isf.data import hay89
    from isf.dsl.hoc import read_hoc
    from isf.fitting.protocols import morphology89_fixed_parameters

    return HaySetup(read_hoc(hay89("89_C2.hoc")), morphology89_fixed_parameters(), protocols=tuple(protocols),
                    time_limit_s=time_limit_s)


def example_models() -> pd.DataFrame:
    """The five example models of morphology 89 shipped with isf (rows = models, ISF parameter names)."""
    from isf.data import hay89

    return pd.read_csv(hay89("example_models_params.csv"), index_col=0)
