"""Plots of reduced models draw what the model holds: one line per block, the kernel map's pixels, the
lookup curve, the two PSTHs and the modular filters."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.image import AxesImage

from isf.errors import ArgumentValueError
from isf.plot.reduced import plot_kernel_map, plot_kernels, plot_lookup, plot_modular_filters, plot_psth_prediction
from isf.reduced import LdaModel, LdaSettings, apply_rolling, fit_lda


@pytest.fixture(scope="module")
def model() -> LdaModel:
    rng = np.random.default_rng(0)
    blocks = {f"EXC/{50 * k}to{50 * k + 50}": rng.poisson(1.0, (600, 40)) for k in (0, 2)}
    blocks["INH/0to50"] = rng.poisson(1.0, (600, 40))
    drive = sum(b[:, 25:30].sum(1) for k, b in blocks.items() if k.startswith("EXC")) + rng.normal(0, 2, 600)
    spikes = [[32.0] if d > np.quantile(drive, 0.7) else [] for d in drive]
    return fit_lda(blocks, spikes, LdaSettings(window_width_ms=15, output_window_min_ms=30,
                                               output_window_max_ms=35, lookup_step=2, n_fits=2))


def test_kernels_one_line_per_block(model: LdaModel) -> None:
    fig = plot_kernels(model)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() in model.labels]
    assert len(lines) == 3
    assert np.allclose(lines[0].get_ydata(), model.kernel(model.labels[0]))
    assert lines[0].get_xdata()[-1] == -1.0  # the most recent bin of the window [20, 35)
    assert len(plot_kernels(model, fit=None).axes[0].get_lines()) > 3


def test_kernel_map_places_distance_bins(model: LdaModel) -> None:
    fig = plot_kernel_map(model, "EXC")
    (image,) = [a for a in fig.axes[0].get_children() if isinstance(a, AxesImage)]
    pixels = np.asarray(image.get_array())
    assert pixels.shape == (3, 15) and np.allclose(pixels[1], 0.0)
    assert np.allclose(pixels[2], model.kernel("EXC/100to150"))
    with pytest.raises(ArgumentValueError, match="no blocks"):
        plot_kernel_map(model, "L5tt")


def test_lookup_and_psth(model: LdaModel) -> None:
    fig = plot_lookup(model)
    assert np.allclose(fig.axes[0].get_lines()[0].get_ydata(), model.lookups[0].p)
    rolled = apply_rolling(model, {label: np.zeros((3, 40)) + 1 for label in model.labels})
    fig = plot_psth_prediction(rolled.psth, np.zeros(40))
    assert len(fig.axes[0].get_lines()) == 2
    with pytest.raises(ArgumentValueError):
        plot_psth_prediction(rolled.psth, np.zeros(3))


def test_modular_filters() -> None:
    fig = plot_modular_filters({"EXC": (np.ones(80), np.ones(6)), "INH": (-np.ones(80), np.ones(6))})
    assert len(fig.axes) == 2 and len(fig.axes[1].get_lines()) == 3
