"""Multi-objective optimisation of model parameters with deap (LEGACY_FORMATS §8.8), resumable.

ISF's loop (BluePyOpt's μ+λ with checkpoints): generation 1 evaluates ``offspring_size`` random vectors
(uniform within the bounds); each later generation makes offspring with ``varAnd`` (bounded SBX
crossover with probability ``cxpb``, bounded polynomial mutation with probability ``mutpb`` and per-gene
``indpb``, both with ``eta``), evaluates the changed ones, and selects ``offspring_size`` parents from
parents + offspring with IBEA (default) or NSGA-II. Fitness = the combined objectives, minimised.

Every generation's evaluated individuals are written to ``<run_dir>/generation_NNNN.h5`` and then an
atomic checkpoint (``checkpoint.pickle``: parents, generation, Python ``random`` state); calling
:func:`optimize` again with the same run folder and settings resumes after the last checkpoint and
gives the same result as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import numpy as np
import pandas as pd
from deap import algorithms, base, creator, tools
from numpy.typing import NDArray
from tqdm.auto import tqdm

from isf.errors import FittingError
from isf.fitting.ibea import sel_ibea
from isf.fitting.parameters import ParameterSpace
from isf.model.validation import (
    fail,
    non_negative_int,
    positive,
    positive_int,
    to_float,
)

CHECKPOINT = "checkpoint.pickle"
SELECTORS = ("IBEA", "NSGA2")


class Problem(Protocol):
    """What the optimiser needs: a space, objective names, and a batch evaluation."""

    @property
    def space(self) -> ParameterSpace:
        """The parameters searched (names and bounds)."""

    @property
    def objective_names(self) -> tuple[str, ...]:
        """Names of the minimised objectives."""

    def evaluate(self, vectors: NDArray[np.float64], label: str) -> tuple[NDArray[np.float64], pd.DataFrame]:
        """Objectives (rows = vectors) and one record row per vector to store."""


def _probability(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        fail(instance, attribute, value, "a probability 0 ≤ p ≤ 1")


def _selector(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in SELECTORS:
        fail(instance, attribute, value, " or ".join(SELECTORS))


@attrs.frozen
class OptimizerSettings:
    """Settings of :func:`optimize` (ISF's ``start_run`` defaults except the sizes).

    Attributes:
        seed: seed of Python's ``random`` (deap's source of randomness).
        offspring_size: μ = λ, individuals per generation.
        max_generations: last generation (≥ 1); may be raised when resuming.
        selector: ``"IBEA"`` or ``"NSGA2"``.
        eta: crowding degree of SBX crossover and polynomial mutation.
        cxpb, mutpb: crossover and mutation probabilities of ``varAnd``.
        indpb: per-gene mutation probability.
        kappa: IBEA fitness scaling.
        tournament: IBEA tournament size.
    """

    seed: int = attrs.field(validator=non_negative_int)
    offspring_size: int = attrs.field(default=1000, validator=positive_int)
    max_generations: int = attrs.field(default=600, validator=positive_int)
    selector: str = attrs.field(default="IBEA", validator=_selector)
    eta: float = attrs.field(default=10.0, converter=to_float, validator=positive)
    cxpb: float = attrs.field(default=0.7, converter=to_float, validator=_probability)
    mutpb: float = attrs.field(default=0.3, converter=to_float, validator=_probability)
    indpb: float = attrs.field(default=0.5, converter=to_float, validator=_probability)
    kappa: float = attrs.field(default=0.05, converter=to_float, validator=positive)
    tournament: int = attrs.field(default=4, validator=positive_int)

    def identity(self) -> dict[str, Any]:
        """Everything that must match to resume a run (all but ``max_generations``)."""
        d = attrs.asdict(self)
        d.pop("max_generations")
        return d


@attrs.frozen(eq=False)
class OptimizationResult:
    """The state after the last generation.

    Attributes:
        generation: last completed generation.
        parents: the selected parents (parameters, then objectives), one row each.
        run_dir: folder with the generation files and the checkpoint.
    """

    generation: int
    parents: pd.DataFrame
    run_dir: Path


def _classes(n_objectives: int) -> tuple[type, type]:
    fitness, individual = f"IsfFitnessMin{n_objectives}", f"IsfIndividual{n_objectives}"
    if not hasattr(creator, fitness):
        creator.create(fitness, base.Fitness, weights=(-1.0,) * n_objectives)
        creator.create(individual, list, fitness=getattr(creator, fitness))
    return getattr(creator, fitness), getattr(creator, individual)


def _toolbox(space: ParameterSpace, settings: OptimizerSettings) -> base.Toolbox:
    low, up = list(map(float, space.lower)), list(map(float, space.upper))
    tb = base.Toolbox()
    tb.register("mate", tools.cxSimulatedBinaryBounded, eta=settings.eta, low=low, up=up)
    tb.register("mutate", tools.mutPolynomialBounded, eta=settings.eta, low=low, up=up, indpb=settings.indpb)
    if settings.selector == "IBEA":
        tb.register("select", sel_ibea, kappa=settings.kappa, tournament=settings.tournament)
    else:
        tb.register("select", tools.selNSGA2)
    return tb


def _atomic_pickle(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def storable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every cell HDF5-friendly: arrays/lists → JSON text, booleans and check values → float."""
    out: dict[Any, Any] = {}
    for col in frame.columns:
        values = frame[col].tolist()
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in values):
            out[col] = [json.dumps(np.asarray(v, float).tolist()) if isinstance(v, (list, tuple, np.ndarray))
                        else json.dumps(v if v is None or not isinstance(v, float) or np.isfinite(v) else None)
                        for v in values]
        else:
            try:
                out[col] = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                out[col] = [str(v) for v in values]
    return pd.DataFrame(out, index=frame.index)


def write_table(frame: pd.DataFrame, path: Path, key: str = "evaluations") -> None:
    """Write ``frame`` (made :func:`storable`) to an HDF5 file atomically (PyTables, fixed format)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        storable(frame).to_hdf(tmp, key=key, mode="w", complevel=5, complib="blosc:zstd")
    os.replace(tmp, path)


def load_generations(run_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every stored evaluation of an optimisation run as one DataFrame (column ``generation`` first)."""
    files = sorted(Path(run_dir).glob("generation_*.h5"))
    if not files:
        raise FileNotFoundError(f"no generation_*.h5 files in {run_dir}")
    frames = []
    for f in files:
        df = pd.read_hdf(f, "evaluations")
        df.insert(0, "generation", int(f.stem.split("_")[1]))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _frame(space: ParameterSpace, names: Sequence[str], population: Sequence[Any]) -> pd.DataFrame:
    values = np.array([list(ind) for ind in population], dtype=float).reshape(len(population), len(space))
    fit = np.array([ind.fitness.values for ind in population], dtype=float).reshape(len(population), len(names))
    return pd.concat([pd.DataFrame(values, columns=list(space.names)), pd.DataFrame(fit, columns=list(names))],
                     axis=1)


def optimize(problem: Problem, settings: OptimizerSettings, run_dir: str | os.PathLike[str], *,
             progress: bool = True) -> OptimizationResult:
    """Run (or resume) a multi-objective optimisation; see the module docstring.

    Args:
        problem: parameter space, objective names and batch evaluation.
        settings: seed, sizes and operator settings.
        run_dir: folder for generation files and the checkpoint (created; resumed if it has a checkpoint).
        progress: show a progress bar over generations with the best scores.
    """
    space, names = problem.space, tuple(problem.objective_names)
    _, individual_cls = _classes(len(names))
    tb = _toolbox(space, settings)
    folder = Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    identity = {"settings": settings.identity(), "parameters": list(space.names), "objectives": list(names),
                "lower": space.lower.tolist(), "upper": space.upper.tolist()}

    def individual(values: Sequence[float], fitness: Sequence[float] | None) -> Any:
        ind = individual_cls(float(v) for v in values)
        if fitness is not None:
            ind.fitness.values = tuple(fitness)
        return ind

    def evaluate(population: list[Any], generation: int) -> None:
        invalid = [ind for ind in population if not ind.fitness.valid]
        if invalid:
            objectives, records = problem.evaluate(np.array(invalid, dtype=float), f"generation {generation}")
            for ind, obj in zip(invalid, objectives):
                ind.fitness.values = tuple(float(x) for x in obj)
            write_table(records.reset_index(drop=True), folder / f"generation_{generation:04d}.h5")

    checkpoint_path = folder / CHECKPOINT
    if checkpoint_path.exists():
        with open(checkpoint_path, "rb") as handle:
            state = pickle.load(handle)
        if state["identity"] != identity:
            raise FittingError(f"{checkpoint_path}: the run was started with other settings, parameters or "
                                  "objectives; use another run folder or the same settings")
        generation = int(state["generation"])
        parents = [individual(v, f) for v, f in state["parents"]]
        rnd_state = state["random_state"]
    else:
        random.seed(settings.seed)
        population = [individual([random.uniform(lo, hi) for lo, hi in zip(space.lower, space.upper)], None)
                      for _ in range(settings.offspring_size)]
        rnd_state = random.getstate()
        evaluate(population, 1)
        random.setstate(rnd_state)
        parents = tb.select(population, len(population))
        generation = 1
        rnd_state = random.getstate()
        _atomic_pickle(_checkpoint(identity, generation, parents, rnd_state), checkpoint_path)

    def best() -> dict[str, str]:
        fit = np.array([p.fitness.values for p in parents])
        return {"best_max_sigma": f"{fit.max(axis=1).min():.2f}", "best_sum_sigma": f"{fit.sum(axis=1).min():.1f}"}

    with tqdm(total=settings.max_generations, initial=min(generation, settings.max_generations),
              desc="generations", unit="gen", disable=not progress) as bar:
        bar.set_postfix(best())
        while generation < settings.max_generations:
            generation += 1
            # deap draws from the global ``random``: give it the run's state, and keep whatever the
            # evaluation (worker pools, other libraries) does to it out of the run
            random.setstate(rnd_state)
            offspring = algorithms.varAnd(parents, tb, settings.cxpb, settings.mutpb)
            rnd_state = random.getstate()
            evaluate(offspring, generation)
            random.setstate(rnd_state)
            parents = tb.select(parents + offspring, settings.offspring_size)
            rnd_state = random.getstate()
            _atomic_pickle(_checkpoint(identity, generation, parents, rnd_state), checkpoint_path)
            bar.update(1)
            bar.set_postfix(best())
    return OptimizationResult(generation, _frame(space, names, parents), folder)


def _checkpoint(identity: dict[str, Any], generation: int, parents: list[Any], rnd_state: Any) -> dict[str, Any]:
    return {"identity": identity, "generation": generation, "random_state": rnd_state,
            "parents": [(list(map(float, p)), tuple(p.fitness.values)) for p in parents]}
