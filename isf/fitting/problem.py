"""The Hay fitting problem for :func:`isf.fitting.optimize.optimize`: parameter vectors → combined
objectives (σ, minimised), evaluated in parallel."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.fitting.evaluation import evaluate_many
from isf.fitting.parameters import ParameterSpace
from isf.fitting.setup import HaySetup


@attrs.frozen(eq=False)
class HayProblem:
    """Evaluate vectors of ``setup.space`` with ``setup`` and return the combined objectives.

    Attributes:
        setup: the fitting set-up.
        backend, n_jobs, dask_client: where evaluations run (:func:`~isf.fitting.evaluation.evaluate_many`).
        progress: show a progress bar per batch.
    """

    setup: HaySetup
    backend: str = "loky"
    n_jobs: int = 2
    dask_client: Any = None
    progress: bool = True

    @property
    def space(self) -> ParameterSpace:
        """The fitted parameters."""
        return self.setup.space

    @property
    def objective_names(self) -> tuple[str, ...]:
        """The combined objectives (5 without, 13 with step protocols)."""
        return self.setup.combined_names

    def evaluate(self, vectors: NDArray[np.float64], label: str = "evaluations") -> tuple[NDArray[np.float64], pd.DataFrame]:
        """Combined objectives of each row of ``vectors`` and the full evaluation records."""
        table = pd.DataFrame(np.asarray(vectors, float), columns=list(self.space.names))
        evaluations = evaluate_many(self.setup, table, backend=self.backend, n_jobs=self.n_jobs,
                                    dask_client=self.dask_client, progress=self.progress, description=label)
        combined = pd.DataFrame([self.setup.combined(row) for _, row in evaluations.iterrows()],
                                index=evaluations.index)
        return combined.to_numpy(float), pd.concat([evaluations, combined.add_prefix("combined.")], axis=1)
