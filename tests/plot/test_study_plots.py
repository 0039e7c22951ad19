"""Plots over a study: the streamed many-trace plot equals plot_traces on the same traces; the summary
plots draw one artist per condition."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.image import AxesImage

from isf.analysis import study
from isf.plot import plot_traces
from isf.plot.study import plot_mean_sd, plot_psths, plot_spike_probability, plot_study_traces
from isf.store import StudyView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from study_data import write_store  # noqa: E402


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> StudyView:
    folder = tmp_path_factory.mktemp("plots")
    paths = [write_store(folder / "a.h5", 1, 5), write_store(folder / "b.h5", 2, 4)]
    return StudyView.of_stores(paths, [{"whisker": "B1"}, {"whisker": "C2"}], chunk_trials=2)


def _image(fig: matplotlib.figure.Figure) -> np.ndarray:
    (image,) = [a for a in fig.axes[0].get_children() if isinstance(a, AxesImage)]
    return np.asarray(image.get_array())


def test_streamed_traces_equal_the_in_memory_raster(view: StudyView) -> None:
    t = view.time_ms("soma")
    groups = view.trials.whisker.astype(str).tolist()
    streamed = plot_study_traces(view.trace_array("soma"), t, groups=groups, v_range=(-90.0, -50.0))
    values = view.trace_array("soma").compute()
    whole = plot_traces(t, values, groups=groups, method="raster", alpha=0.05, v_range=(-90.0, -50.0))
    np.testing.assert_allclose(_image(streamed), _image(whole))
    assert [t.get_text() for t in streamed.axes[0].get_legend().get_texts()] == ["B1", "C2"]
    assert plot_study_traces(values, t).axes[0].get_ylim()[0] < values.min()


def test_summary_plots(view: StudyView) -> None:
    p = study.spike_probability(view.spike_times, view.trials, (10.0, 30.0), ["whisker"])
    assert len(plot_spike_probability(p).axes[0].patches) == 2
    rates = study.psth_by_condition(view.spike_times, view.trials, ["whisker"], bin_ms=5.0, t_stop_ms=50.0)
    assert len(plot_psths(rates).axes[0].patches) == 2
    stats = study.trace_mean_sd(view.trace_array("soma"), by=["whisker"], labels=view.trials,
                                t_ms=view.time_ms("soma"))
    assert len(plot_mean_sd(stats).axes[0].lines) == 2
    assert len(plot_mean_sd(study.trace_mean_sd(view.voltage_traces)).axes[0].lines) == 1
