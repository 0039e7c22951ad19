"""A cheap analytic two-objective problem (ZDT1) for optimiser and walk tests; importable by subprocesses."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from isf.fitting.parameters import ParameterSpace

_CALLS = {"n": 0}


class ZDT1:
    """ZDT1 on [0, 1]^5; ``ISF_TEST_CRASH_AFTER`` = N kills the process at the N-th batch evaluation."""

    space = ParameterSpace(tuple(f"x{i}" for i in range(5)), [0.0] * 5, [1.0] * 5)
    objective_names = ("f1", "f2")

    def evaluate(self, vectors: np.ndarray, label: str = "") -> tuple[np.ndarray, pd.DataFrame]:
        _CALLS["n"] += 1
        crash = os.environ.get("ISF_TEST_CRASH_AFTER")
        if crash is not None and _CALLS["n"] > int(crash):
            os._exit(3)  # a hard kill in the middle of a generation
        f1 = vectors[:, 0]
        g = 1.0 + 9.0 * vectors[:, 1:].mean(axis=1)
        f2 = g * (1.0 - np.sqrt(f1 / g))
        objectives = np.c_[f1, f2]
        return objectives, pd.DataFrame(np.c_[vectors, objectives], columns=[*self.space.names, "f1", "f2"])


def ball_inside(params: dict[str, float]) -> tuple[bool, pd.Series]:
    """Inside iff within 0.3 of (0.5, …) — a stand-in for the Hay inside test."""
    x = np.array([params[f"x{i}"] for i in range(5)])
    distance = float(np.linalg.norm(x - 0.5))
    return distance <= 0.3, pd.Series({"distance": distance, **params}, dtype=object)
