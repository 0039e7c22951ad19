"""Fitting plots draw what they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from isf.fitting.parameters import ParameterSpace
from isf.fitting.setup import Traces
from isf.plot.fitting import objectives_boxplot, parameter_spread, protocol_traces


def test_objectives_boxplot() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, 0.7, 4.0], "other": [9, 9, 9]})
    fig = objectives_boxplot(frame, ["a", "b", "missing"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 6
    with pytest.raises(ValueError, match="none of the objectives"):
        objectives_boxplot(frame, ["zzz"])


def test_parameter_spread_normalises_to_ranges() -> None:
    space = ParameterSpace(("p", "q"), [0.0, 10.0], [2.0, 20.0])
    models = pd.DataFrame({"p": [0.0, 1.0, 2.0], "q": [10.0, 15.0, 20.0]})
    fig = parameter_spread(models, space, highlight=models.iloc[1])
    xs = np.concatenate([c.get_offsets()[:, 0] for c in fig.axes[0].collections])
    assert xs.min() == 0.0 and xs.max() == 1.0 and 0.5 in xs


def test_protocol_traces_grid() -> None:
    t = np.linspace(0, 600, 100)
    traces = {"bAP": Traces(t, np.vstack([np.sin(t), np.cos(t), t])), "BAC": Traces(t, np.vstack([t, t]))}
    fig = protocol_traces({"m0": traces, "m1": traces})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 5
    assert len(visible[0].lines) == 2
