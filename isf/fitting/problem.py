"""The Hay fitting problem for :func:`isf.fitting.optimize.optimize`: parameter vectors → combined
objectives (σ, minimised), evaluated in parallel."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.backends.parallel import Parallel
from isf.fitting.evaluation import evaluate_many
from isf.fitting.parameters import ParameterSpace
from isf.fitting.setup import HaySetup


@attrs.frozen(eq=False)
class HayProblem:
    """Evaluate vectors of ``setup.space`` with ``setup`` and return the combined objectives.

    Attributes:
        setup: the fitting set-up.
        parallel: where evaluations run (:func:`~isf.fitting.evaluation.evaluate_many`), and whether
            each batch shows a progress bar.
    """

    setup: HaySetup
    parallel: Parallel = Parallel()

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
        evaluations = evaluate_many(self.setup, table, parallel=self.parallel, description=label)
        combined = pd.DataFrame([self.setup.combined(row) for _, row in evaluations.iterrows()],
                                index=evaluations.index)
        return combined.to_numpy(float), pd.concat([evaluations, combined.add_prefix("combined.")], axis=1)
