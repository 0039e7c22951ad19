"""Fit synapse parameters (``Use``, ``Dep``, ``Fac``, time constants …) to target metrics.

Targets are train metrics (``ppr``, ``induction`` … at a frequency) and single-event metrics
(``amplitude``, ``rise_time_ms``, ``decay_tau_ms``, ``latency_ms``, ``half_width_ms`` …; the
aliases ``rise``, ``decay``, ``latency``, ``half_width`` are accepted). Each cost evaluation sets
the parameters on the tuner's synapse and simulates one single event (if any event target) and one
train per distinct target frequency. :func:`scipy.optimize.minimize` runs from ``n_starts``
initial guesses — the first by ``init_guess`` (the synapse's current values, the middle of the
bounds, or random), the others drawn uniformly within the bounds from
``numpy.random.default_rng(seed)`` — in coordinates scaled to [0, 1] per parameter, and the best
result is kept (and left set on the tuner). The default cost is ``Σ weight · (achieved − target)²``
(:func:`relative_squared_error` divides each error by its target); a user cost receives the
achieved values and the targets. :meth:`FitResult.report` prints each target's wanted and achieved
value and its contribution to the error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from tqdm import tqdm

from isf.backends.neuron.synapse_bench import Measure
from isf.errors import FittingError, ModelTypeError
from isf.model.validation import fail, finite, positive, to_float
from isf.synapse_tuner.settings import TrainSettings
from isf.synapse_tuner.train import TRAIN_METRICS
from isf.synapse_tuner.tuner import SynapseTuner

#: the scipy methods offered (all take bounds; gradients by finite differences)
METHODS: tuple[str, ...] = ("Nelder-Mead", "Powell", "L-BFGS-B", "SLSQP", "TNC")
#: single-event metrics a target may name (:class:`~isf.synapse_tuner.metrics.EventMetrics` fields)
EVENT_METRICS: tuple[str, ...] = (
    "amplitude",
    "latency_ms",
    "time_to_peak_ms",
    "rise_time_ms",
    "half_width_ms",
    "rise_tau_ms",
    "decay_tau_ms",
    "charge",
)
#: short names bmtool users type → the metric
METRIC_ALIASES: Mapping[str, str] = {
    "rise": "rise_time_ms",
    "rise_time": "rise_time_ms",
    "decay": "decay_tau_ms",
    "decay_tau": "decay_tau_ms",
    "latency": "latency_ms",
    "half_width": "half_width_ms",
    "time_to_peak": "time_to_peak_ms",
}
#: how the first initial guess is chosen
INIT_GUESSES: tuple[str, ...] = ("current", "middle", "random")


def _metric_name(value: Any) -> Any:
    return METRIC_ALIASES.get(value, value) if isinstance(value, str) else value


def _metric(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in TRAIN_METRICS and value not in EVENT_METRICS:
        fail(
            instance,
            attribute,
            value,
            "a train metric (" + ", ".join(TRAIN_METRICS) + ") or a single-event metric ("
            + ", ".join(EVENT_METRICS) + "; aliases " + ", ".join(METRIC_ALIASES) + ")",
        )


@attrs.frozen
class FitTarget:
    """A metric value the fitted synapse should reach.

    Attributes:
        metric: a train metric — ``ppr``, ``simple_ppr``, ``induction``, ``recovery``
            (:mod:`isf.synapse_tuner.train`) — or a single-event metric — ``amplitude`` (signed,
            trace unit), ``latency_ms``, ``time_to_peak_ms``, ``rise_time_ms``, ``half_width_ms``,
            ``rise_tau_ms``, ``decay_tau_ms``, ``charge`` (:mod:`isf.synapse_tuner.metrics`).
        value: the target value (the metric's unit).
        frequency_Hz: train frequency at which a train metric is measured, Hz (unused by event metrics).
        weight: weight of its squared error in the cost.
    """

    metric: str = attrs.field(converter=_metric_name, validator=_metric)
    value: float = attrs.field(converter=to_float, validator=finite)
    frequency_Hz: float = attrs.field(default=50.0, converter=to_float, validator=positive)
    weight: float = attrs.field(default=1.0, converter=to_float, validator=positive)

    @property
    def is_event(self) -> bool:
        """Whether the metric is read from a single event (else from a train)."""
        return self.metric in EVENT_METRICS

    @property
    def label(self) -> str:
        """``metric`` (event) or ``metric @ f Hz`` (train)."""
        return self.metric if self.is_event else f"{self.metric} @ {self.frequency_Hz:g} Hz"


@attrs.frozen
class Bound:
    """Search interval of one synapse parameter, in its unit (``Dep``/``Fac`` ms, ``Use`` 1)."""

    name: str
    low: float = attrs.field(converter=to_float, validator=finite)
    high: float = attrs.field(converter=to_float, validator=finite)

    @high.validator
    def _above_low(self, attribute: attrs.Attribute[Any], value: float) -> None:
        if not value > self.low:
            fail(self, attribute, value, f"a number > low = {self.low}")


@attrs.frozen
class StartResult:
    """One local optimisation: its initial guess, end point and cost."""

    initial: dict[str, float]
    parameters: dict[str, float]
    cost: float
    n_evaluations: int


@attrs.frozen
class FitResult:
    """Outcome of :func:`fit_parameters`.

    Attributes:
        parameters: best parameters found.
        cost: their cost.
        targets: the targets.
        achieved: each target's metric with the best parameters (same order as ``targets``).
        success: the best local optimisation reported convergence.
        method: the scipy method.
        seed: seed of the initial guesses.
        n_evaluations: cost evaluations over all starts.
        starts: every local optimisation.
        terms: each target's contribution to the cost (the cost function applied to that target
            alone; their sum is the cost for an additive cost).
    """

    parameters: dict[str, float]
    cost: float
    targets: tuple[FitTarget, ...]
    achieved: tuple[float, ...]
    success: bool
    method: str
    seed: int
    n_evaluations: int
    starts: tuple[StartResult, ...]
    terms: tuple[float, ...] = ()

    def contributions(self) -> tuple[float, ...]:
        """Each target's error term (:attr:`terms`; without them the default cost's
        ``weight · (achieved − target)²``)."""
        if self.terms:
            return self.terms
        return tuple(squared_error([a], [t]) for a, t in zip(self.achieved, self.targets))

    def report(self) -> str:
        """The calculation report: parameters, then per target the wanted and achieved values,
        the weight and the error contribution (share of the total squared error)."""
        terms = self.contributions()
        total = sum(terms)
        lines = [
            f"fit ({self.method}, seed {self.seed}, {self.n_evaluations} evaluations, "
            f"{'converged' if self.success else 'not converged'}): cost {self.cost:.6g}",
            "  parameters: " + ", ".join(f"{k} = {v:.6g}" for k, v in self.parameters.items()),
            f"  {'target':<26}{'wanted':>12}{'achieved':>12}{'weight':>8}{'error term':>13}{'share':>8}",
        ]
        for target, achieved, term in zip(self.targets, self.achieved, terms):
            share = term / total if total > 0 else 0.0
            lines.append(
                f"  {target.label:<26}{target.value:>12.5g}{achieved:>12.5g}{target.weight:>8.3g}"
                f"{term:>13.4g}{share:>8.1%}"
            )
        return "\n".join(lines)


CostFunction = Callable[[Sequence[float], Sequence[FitTarget]], float]


def squared_error(achieved: Sequence[float], targets: Sequence[FitTarget]) -> float:
    """The default cost: ``Σ weight · (achieved − target)²`` (1e6 per metric that is NaN)."""
    total = 0.0
    for a, target in zip(achieved, targets):
        total += 1e6 if not math.isfinite(a) else target.weight * (a - target.value) ** 2
    return total


def relative_squared_error(achieved: Sequence[float], targets: Sequence[FitTarget]) -> float:
    """``Σ weight · ((achieved − target) / target)²`` (targets of 0 use the absolute error; a NaN
    metric counts 1e6): metrics of different units weigh alike."""
    total = 0.0
    for a, target in zip(achieved, targets):
        scale = abs(target.value) if target.value != 0 else 1.0
        total += 1e6 if not math.isfinite(a) else target.weight * ((a - target.value) / scale) ** 2
    return total


def achieved_metrics(
    tuner: SynapseTuner,
    targets: Sequence[FitTarget],
    protocol: TrainSettings | None = None,
    measure: Measure = "response",
) -> tuple[float, ...]:
    """The targets' metrics with the tuner's current parameters (one single event if any target
    is an event metric, one train per distinct frequency of the train targets)."""
    protocol = protocol if protocol is not None else TrainSettings()
    by_frequency = {}
    for f in sorted({t.frequency_Hz for t in targets if not t.is_event}):
        by_frequency[f] = tuner.train(attrs.evolve(protocol, frequency_Hz=f), measure=measure).metrics
    event = tuner.single_event(measure=measure).metrics if any(t.is_event for t in targets) else None
    return tuple(
        float(getattr(event if t.is_event else by_frequency[t.frequency_Hz], t.metric)) for t in targets
    )


def _bounds(bounds: Mapping[str, tuple[float, float]] | Sequence[Bound], tuner: SynapseTuner) -> list[Bound]:
    items = list(bounds) if not isinstance(bounds, Mapping) else [Bound(k, *v) for k, v in bounds.items()]
    if not items:
        raise FittingError("bounds: name at least one parameter to fit")
    allowed = tuner.synapse_type.parameters
    for b in items:
        if not isinstance(b, Bound):
            raise ModelTypeError(f"bounds: expected Bound values or a mapping name -> (low, high), got {b!r}")
        if b.name not in allowed:
            raise FittingError(
                f"bounds: {b.name!r} is not a parameter of {tuner.synapse_type.mechanism} "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
    return items


def fit_parameters(
    tuner: SynapseTuner,
    targets: Sequence[FitTarget],
    bounds: Mapping[str, tuple[float, float]] | Sequence[Bound],
    protocol: TrainSettings | None = None,
    *,
    cost: CostFunction | None = None,
    n_starts: int = 3,
    seed: int = 0,
    method: str = "Nelder-Mead",
    max_evaluations: int = 200,
    measure: Measure = "response",
    progress: bool = True,
    init_guess: str = "current",
) -> FitResult:
    """Fit the parameters named in ``bounds`` so that the metrics reach ``targets``.

    Args:
        tuner: an open tuner; the best parameters are left set on it.
        targets: metrics at frequencies.
        bounds: parameter name → (low, high), or :class:`Bound` values.
        protocol: the train (its frequency is replaced by each target's).
        cost: ``cost(achieved, targets) -> float``; default :func:`squared_error`.
        n_starts: local optimisations (the first by ``init_guess``, the others random).
        seed: seed of the random initial guesses (recorded in the result).
        method: ``Nelder-Mead`` (default), ``Powell``, or with finite-difference gradients
            ``L-BFGS-B``, ``SLSQP``, ``TNC`` (use a fixed time step: CVode's noise spoils them).
        max_evaluations: cost evaluations per start (gradient methods: about this many).
        measure: fit the response or the conductance amplitudes.
        progress: show a tqdm bar of the evaluations.
        init_guess: the first start: ``current`` (the synapse's values, clipped into the bounds),
            ``middle`` (of the bounds) or ``random`` (every start drawn from the seed).
    """
    targets = tuple(targets)
    if not targets or not all(isinstance(t, FitTarget) for t in targets):
        raise FittingError(f"targets must be a non-empty sequence of FitTarget, got {targets!r}", field="targets")
    if method not in METHODS:
        raise FittingError(
            f"method = {method!r} is invalid: allowed is one of {', '.join(METHODS)}", field="method", value=method
        )
    if init_guess not in INIT_GUESSES:
        raise FittingError(
            f"init_guess = {init_guess!r} is invalid: allowed is one of {', '.join(INIT_GUESSES)}",
            field="init_guess",
            value=init_guess,
        )
    if not isinstance(n_starts, int) or n_starts < 1:
        raise FittingError(
            f"n_starts = {n_starts!r} is invalid: allowed is an integer >= 1", field="n_starts", value=n_starts
        )
    if not isinstance(max_evaluations, int) or max_evaluations < 1:
        raise FittingError(
            f"max_evaluations = {max_evaluations!r} is invalid: allowed is an integer >= 1",
            field="max_evaluations",
            value=max_evaluations,
        )
    items = _bounds(bounds, tuner)
    cost_fn = cost if cost is not None else squared_error
    low = np.array([b.low for b in items])
    span = np.array([b.high - b.low for b in items])
    names = [b.name for b in items]
    cache: dict[tuple[float, ...], tuple[float, tuple[float, ...]]] = {}
    bar = tqdm(desc="fit", unit="eval", disable=not progress)

    def to_params(z: NDArray[np.float64]) -> dict[str, float]:
        x = low + np.clip(z, 0.0, 1.0) * span
        return {n: float(v) for n, v in zip(names, x)}

    def evaluate(z: NDArray[np.float64]) -> float:
        params = to_params(z)
        key = tuple(params.values())
        if key not in cache:
            tuner.set_parameters(**params)
            achieved = achieved_metrics(tuner, targets, protocol, measure)
            cache[key] = (float(cost_fn(achieved, targets)), achieved)
            bar.update(1)
        return cache[key][0]

    rng = np.random.default_rng(seed)
    current = np.array([tuner.parameter(n) for n in names])
    if init_guess == "current":
        starts_z = [np.clip((current - low) / span, 0.0, 1.0)]
    elif init_guess == "middle":
        starts_z = [np.full(len(items), 0.5)]
    else:
        starts_z = [rng.uniform(0.0, 1.0, size=len(items))]
    starts_z += [rng.uniform(0.0, 1.0, size=len(items)) for _ in range(n_starts - 1)]
    starts: list[StartResult] = []
    best: tuple[float, NDArray[np.float64], bool] | None = None
    try:
        for z0 in starts_z:
            before = len(cache)
            options: dict[str, Any]
            if method == "Nelder-Mead":
                options = {"maxfev": max_evaluations, "xatol": 1e-4, "fatol": 1e-12}
            elif method == "Powell":
                options = {"maxfev": max_evaluations, "xtol": 1e-4, "ftol": 1e-12}
            elif method == "SLSQP":
                # one iteration costs a gradient (n evaluations) and a line search
                options = {"maxiter": max(1, max_evaluations // (len(items) + 2)), "eps": 1e-4, "ftol": 1e-12}
            elif method == "TNC":
                options = {"maxfun": max_evaluations, "eps": 1e-4, "ftol": 1e-12, "xtol": 1e-6}
            else:
                options = {"maxfun": max_evaluations, "eps": 1e-4}
            res = minimize(
                evaluate,
                z0,
                method=method,
                bounds=[(0.0, 1.0)] * len(items),
                options=options,
            )
            z = np.clip(np.asarray(res.x, dtype=float), 0.0, 1.0)
            value = evaluate(z)
            starts.append(StartResult(to_params(z0), to_params(z), value, len(cache) - before))
            if best is None or value < best[0]:
                best = (value, z, bool(res.success))
    finally:
        bar.close()
    assert best is not None
    params = to_params(best[1])
    tuner.set_parameters(**params)
    achieved = cache[tuple(params.values())][1]
    terms = tuple(float(cost_fn([a], [t])) for a, t in zip(achieved, targets))
    return FitResult(
        params,
        best[0],
        targets,
        achieved,
        best[2],
        method,
        seed,
        len(cache),
        tuple(starts),
        terms,
    )
