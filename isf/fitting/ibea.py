"""IBEA selection (Zitzler & Künzli 2004, "Indicator-based selection in multiobjective search") as used by
ISF's optimiser: additive-ε indicator fitness with scaling κ over the whole population, no environmental
reduction, parents chosen by tournaments."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray


def indicator_fitness(objectives: NDArray[np.float64], kappa: float = 0.05) -> NDArray[np.float64]:
    """IBEA fitness of each row of ``objectives`` (to be minimised); larger fitness is better.

    Objectives are rescaled to [0, 1] per column; ``I(a, b) = max_k (f_k(a) − f_k(b))`` is the additive-ε
    indicator, ``c = max |I|`` and ``F(b) = Σ_{a≠b} −exp(−I(a, b)/(c·κ))``.
    """
    f = np.asarray(objectives, dtype=float)
    lo, hi = f.min(axis=0), f.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    f = (f - lo) / span
    indicator = (f[:, None, :] - f[None, :, :]).max(axis=2)
    c = float(np.abs(indicator).max()) or 1.0
    contrib = -np.exp(-indicator / (c * kappa))
    np.fill_diagonal(contrib, 0.0)
    return contrib.sum(axis=0)


def sel_ibea(individuals: Sequence[Any], mu: int, kappa: float = 0.05, tournament: int = 4) -> list[Any]:
    """``mu`` parents by tournaments of ``tournament`` on the IBEA fitness (draws from Python's ``random``,
    like deap's operators). Individuals need ``fitness.values`` (objectives, minimised)."""
    objectives = np.array([ind.fitness.values for ind in individuals], dtype=float)
    fitness = indicator_fitness(objectives, kappa)
    n = len(individuals)
    parents = []
    for _ in range(mu):
        picks = [random.randrange(n) for _ in range(tournament)]
        parents.append(individuals[max(picks, key=lambda i: fitness[i])])
    return parents
