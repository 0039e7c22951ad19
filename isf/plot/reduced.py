"""Figures of reduced models: LDA kernels per group over time (and over soma distance for
distance-binned groups), the lookup curve, predicted against simulated PSTHs, and the modular model's
separable filters."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.plot.axes import figure_of, new_axes
from isf.plot.network import EI_COLORS
from isf.reduced.groups import distance_bin_lower_um
from isf.reduced.lda import LdaModel

__all__ = ["plot_kernel_map", "plot_kernels", "plot_lookup", "plot_modular_filters", "plot_psth_prediction"]


def _colour(label: str, i: int) -> str:
    head = label.split("/", 1)[0]
    return EI_COLORS.get(head, f"C{i}")


def _time_axis(model: LdaModel, n: int, bin_ms: float) -> NDArray[np.float64]:
    """Bin starts relative to the end of the output window (ms; with 1-ms bins the most recent bin of
    the window is −1)."""
    lo, _ = model.window
    return bin_ms * (lo + np.arange(n, dtype=np.float64)) - model.settings.output_window_max_ms


def plot_kernels(model: LdaModel, *, fit: int | None = 0, bin_ms: float = 1.0, ax: Axes | None = None) -> Figure:
    """Each block's kernel over time (x: start of each bin, ms relative to the end of the output window;
    the output window is shaded). ``fit=None`` draws every fit thin and their mean thick; ``bin_ms`` is
    the width of the input's bins."""
    ax = new_axes(ax, (7.0, 3.8))
    fits = range(model.kernels.shape[0]) if fit is None else [fit]
    for i, label in enumerate(model.labels):
        kernels = np.stack([model.kernel(label, f) for f in fits])
        t = _time_axis(model, kernels.shape[1], bin_ms)
        colour = _colour(label, i)
        if fit is None:
            ax.plot(t, kernels.T, color=colour, lw=0.6, alpha=0.4)
        ax.plot(t, kernels.mean(axis=0), color=colour, lw=1.8, label=label)
    start = model.settings.output_window_min_ms - model.settings.output_window_max_ms
    ax.axvspan(start, 0, color="0.9", zorder=0, label="output window")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xlabel("time relative to the end of the output window (ms)")
    ax.set_ylabel("kernel weight (per release)")
    ax.set_title(f"LDA kernels (held-out AUROC {model.auroc:.2f})")
    ax.legend(fontsize=8, ncol=2)
    return figure_of(ax)


def plot_kernel_map(model: LdaModel, group: str, *, fit: int = 0, bin_ms: float = 1.0,
                    ax: Axes | None = None) -> Figure:
    """Kernels of the distance-binned blocks ``<group>/<lo>to<hi>`` as an image: soma distance (µm) ×
    time (ms relative to the end of the output window)."""
    prefix = f"{group}/"
    labels = [label for label in model.labels if label.startswith(prefix)]
    if not labels:
        raise ArgumentValueError(f"the model has no blocks '{prefix}<distance bin>'", field="group", value=group,
                                 allowed=", ".join(model.labels))
    labels.sort(key=lambda label: distance_bin_lower_um(label.split("/")[-1]))
    lowers = np.array([distance_bin_lower_um(label.split("/")[-1]) for label in labels])
    lo, _, hi = labels[0].split("/")[-1].partition("to")
    width = float(hi) - float(lo)
    n_z = int(round(lowers[-1] / width)) + 1
    n_t = min(model.kernel(label, fit).shape[0] for label in labels)
    image = np.zeros((n_z, n_t))
    for label, lower in zip(labels, lowers):
        image[int(round(lower / width))] = model.kernel(label, fit)[:n_t]
    t = _time_axis(model, n_t, bin_ms)
    ax = new_axes(ax, (7.0, 4.0))
    limit = float(np.abs(image).max()) or 1.0
    mesh = ax.imshow(image, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit,
                     extent=(t[0], t[-1] + bin_ms, 0.0, n_z * width))
    figure_of(ax).colorbar(mesh, ax=ax, label="kernel weight")
    ax.set_xlabel("time relative to the end of the output window (ms)")
    ax.set_ylabel("soma distance (µm)")
    ax.set_title(f"{group} kernel over time and distance")
    return figure_of(ax)


def plot_lookup(model: LdaModel, *, fit: int = 0, refractory_period_ms: float | None = None,
                ax: Axes | None = None) -> Figure:
    """The lookup curve (WNI → spike probability) and the spike fraction per WNI bin of the trials."""
    ax = new_axes(ax, (5.5, 3.8))
    lut = model.lookup_for(refractory_period_ms, fit)
    ax.plot(lut.grid, lut.p, color="k", lw=1.5, label="lookup table")
    keep = ~model.spike_before(refractory_period_ms)
    step = model.settings.lookup_step
    keys = step * np.round(model.wni[fit][keep] / step)
    y = model.y[keep]
    occupied, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    fraction = np.bincount(inverse.reshape(-1), weights=y.astype(float)) / counts
    ax.scatter(occupied, fraction, s=8 + 40 * counts / counts.max(), color="C1", alpha=0.7, label="trials (per bin)")
    ax.set_xlabel("weighted net input")
    ax.set_ylabel("spike probability")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=8)
    return figure_of(ax)


def plot_psth_prediction(predicted: ArrayLike, simulated: ArrayLike, *, t_start_ms: float = 0.0,
                         bin_ms: float = 1.0, ax: Axes | None = None) -> Figure:
    """Predicted (rolling model) against simulated PSTH, both in spikes per trial per bin."""
    p, s = np.asarray(predicted, dtype=float), np.asarray(simulated, dtype=float)
    if p.shape != s.shape:
        raise ArgumentValueError(f"predicted PSTH has {p.shape}, simulated {s.shape}", field="simulated",
                                 value=s.shape, allowed=f"{p.shape}")
    t = t_start_ms + bin_ms * np.arange(p.shape[0])
    ax = new_axes(ax, (7.0, 3.5))
    ax.step(t, s, where="post", color="0.3", lw=1.2, label="simulated")
    ax.step(t, p, where="post", color="C3", lw=1.2, label="reduced model")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"spikes per trial per {bin_ms:g} ms")
    ax.legend(fontsize=8)
    return figure_of(ax)


def plot_modular_filters(filters: Mapping[str, tuple[ArrayLike, ArrayLike]], *, bin_ms: float = 1.0,
                         distance_bin_um: float = 50.0) -> Figure:
    """The separable filters of a modular model (``ModularFit.filters()``): temporal (left; the last
    bin is the most recent) and spatial (right) per group."""
    fig = Figure(figsize=(9.0, 3.5), layout="constrained")
    ax_t, ax_z = fig.subplots(1, 2)
    for i, (group, (wt, wz)) in enumerate(filters.items()):
        wt, wz = np.asarray(wt, dtype=float), np.asarray(wz, dtype=float)
        colour = _colour(str(group), i)
        ax_t.plot(bin_ms * (np.arange(wt.shape[0]) - wt.shape[0]), wt, color=colour, label=str(group))
        ax_z.plot(distance_bin_um * np.arange(wz.shape[0]), wz, color=colour, label=str(group))
    ax_t.set_xlabel("time before the prediction (ms)")
    ax_t.set_ylabel("temporal filter")
    ax_z.set_xlabel("soma distance (µm)")
    ax_z.set_ylabel("spatial filter")
    for ax in (ax_t, ax_z):
        ax.axhline(0, color="0.5", lw=0.6)
        ax.legend(fontsize=8)
    return fig
