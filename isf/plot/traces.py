"""Many voltage traces in one plot, fast for thousands of traces (legacy ``manylines``, §10.2).

Two ways to draw, chosen by ``method``:

* ``"lines"``: every trace is one line of a single
  :class:`~matplotlib.collections.LineCollection` (vector output, exact; good up to a few hundred
  traces).
* ``"raster"``: the traces are rasterised by numpy straight into an image with the axes' pixel
  size, then shown with one ``imshow``. Each trace covers, in every pixel column, the vertical span
  between consecutive samples, so a spike that jumps 100 mV in one step is still a connected line.
  Overlapping traces darken the image as alpha blending would: a pixel covered by ``n`` traces has
  opacity ``1 − (1 − alpha)ⁿ``; with groups, its colour is the count-weighted mix of the groups'
  colours. Thousands of traces cost about as much as drawing one image.

``"auto"`` (default) uses lines up to 200 traces and the raster beyond.

Example::

    from isf.plot import plot_traces
    fig = plot_traces(t_ms, voltages, groups=["spiking" if s else "silent" for s in spiked])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.plot.axes import figure_of, new_axes

__all__ = ["AUTO_RASTER_ABOVE", "axes_pixels", "plot_traces", "rasterise_traces", "show_coverage"]

_BLOCK = 64

#: ``method="auto"`` rasterises when there are more traces than this.
AUTO_RASTER_ABOVE = 200


def _as_matrix(
    t_ms: ArrayLike | None, traces: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if isinstance(traces, pd.DataFrame):
        values = traces.to_numpy(dtype=float)
        t = (
            np.asarray(traces.columns, dtype=float)
            if t_ms is None
            else np.asarray(t_ms, dtype=float)
        )
    else:
        values = np.atleast_2d(np.asarray(traces, dtype=float))
        if t_ms is None:
            raise ArgumentValueError(
                "t_ms is required unless traces is a DataFrame whose columns are times (ms)"
            )
        t = np.asarray(t_ms, dtype=float)
    if t.ndim != 1 or values.shape[1] != t.shape[0]:
        raise ArgumentValueError(
            f"traces have {values.shape[1]} samples each but t_ms has shape {t.shape}"
        )
    return t, values


def _group_colors(
    groups: Sequence[Any], colors: Mapping[Any, Any] | None, cmap: str
) -> tuple[list[Any], NDArray[np.int64], NDArray[np.float64]]:
    names = list(dict.fromkeys(groups))
    codes = np.array([names.index(g) for g in groups], dtype=np.int64)
    if colors is not None:
        missing = [g for g in names if g not in colors]
        if missing:
            raise ArgumentValueError(f"colors has no entry for group(s) {missing[:5]}")
        rgba = np.array([to_rgba(colors[g]) for g in names])
    else:
        palette = colormaps[cmap]
        n = getattr(palette, "N", 256)
        rgba = np.array(
            [
                palette(i % n if n < 256 else i / max(len(names) - 1, 1))
                for i in range(len(names))
            ]
        )
    return names, codes, rgba


def rasterise_traces(
    t_ms: NDArray[np.float64],
    traces: NDArray[np.float64],
    width_px: int,
    height_px: int,
    t_range_ms: tuple[float, float],
    v_range: tuple[float, float],
    codes: NDArray[np.int64] | None = None,
    n_groups: int = 1,
) -> NDArray[np.float64]:
    """Coverage ``(n_groups, height_px, width_px)``: about how many traces of each group pass
    through each pixel (row 0 = top = ``v_range[1]``).

    Each step ``k → k + 1`` of a trace covers, in the column of sample ``k``, the rows between the
    two samples (vertical spans accumulated with a difference array, so the work is linear in the
    number of samples); a column's sum is divided by the number of steps starting in it, so a
    trace that stays within one pixel counts 1 there. NaN samples leave gaps.
    """
    m = traces.shape[1]
    if m < 2:
        raise ArgumentValueError("each trace needs at least 2 samples")
    t0, t1 = t_range_ms
    v0, v1 = v_range
    w1, h2 = width_px + 1, height_px + 2
    # samples outside the time range go to a spare column w (dropped at the end), so no masking
    col = np.floor((t_ms[:-1] - t0) / (t1 - t0) * width_px)
    col = np.where((col >= 0) & (col < width_px), col, width_px).astype(np.intp)
    size = n_groups * h2 * w1
    diff = np.zeros(size, dtype=np.int64)
    scale = np.float32(-height_px / (v1 - v0))
    shift = np.float32(v1 * height_px / (v1 - v0))
    group_offset = None if codes is None else codes.astype(np.intp) * (h2 * w1)
    # blocks of traces keep the temporaries in cache (one pass over the whole matrix per step would
    # stream hundreds of MB through memory for thousands of traces)
    for first in range(0, traces.shape[0], _BLOCK):
        rows = traces[first : first + _BLOCK].astype(np.float32)
        rows *= scale
        rows += shift
        lo = np.minimum(rows[:, :-1], rows[:, 1:])
        hi = np.maximum(rows[:, :-1], rows[:, 1:])
        if np.isnan(lo).any():
            # a span touching a NaN sample is moved above the image, where it cancels out
            lo[np.isnan(lo)] = -10.0
            hi[np.isnan(hi)] = -10.0
        # a span covers rows floor(lo) .. floor(hi): +1 at its first row, -1 one row after its
        # last. Clipping before truncation gives floor for the kept values, sends spans above the
        # image to row 0 (start and end cancel) and spans below it to the spare row h (dropped).
        np.clip(lo, 0, height_px, out=lo)
        hi += 1
        np.clip(hi, 0, height_px + 1, out=hi)
        offset = (
            col[None, :]
            if group_offset is None
            else col[None, :] + group_offset[first : first + _BLOCK, None]
        )
        start = lo.astype(np.intp)
        start *= w1
        start += offset
        stop = hi.astype(np.intp)
        stop *= w1
        stop += offset
        diff += np.bincount(start.ravel(), minlength=size)
        diff -= np.bincount(stop.ravel(), minlength=size)
    counts = np.cumsum(diff.reshape(n_groups, h2, w1), axis=1)[:, :height_px, :width_px]
    # a trace takes several steps within one pixel column; dividing by the steps per column makes
    # a trace that stays in one pixel count once (all traces share the time base)
    steps = np.bincount(col, minlength=w1)[:width_px]
    return counts / np.maximum(steps, 1)


def plot_traces(
    t_ms: ArrayLike | None,
    traces: ArrayLike | pd.DataFrame,
    *,
    groups: Sequence[Any] | None = None,
    colors: Mapping[Any, Any] | None = None,
    cmap: str = "tab10",
    color: Any = "k",
    method: Literal["auto", "lines", "raster"] = "auto",
    alpha: float = 0.1,
    linewidth: float = 0.5,
    t_range_ms: tuple[float, float] | None = None,
    v_range: tuple[float, float] | None = None,
    ylabel: str = "V (mV)",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (10.0, 3.0),
) -> Figure:
    """Plot every row of ``traces`` against ``t_ms``.

    Args:
        t_ms: sample times, ms (shared by all traces); ``None`` if ``traces`` is a DataFrame whose
            columns are the times (the legacy voltage-trace frames).
        traces: ``(n_traces, n_samples)`` values (mV for voltages), or a DataFrame with one row per
            trace.
        groups: a group label per trace (e.g. the cell type or "spiking"); colours each trace by its
            group and adds a legend.
        colors: group → colour; default colours from ``cmap``.
        color: colour of all traces when ``groups`` is ``None``.
        method: ``"lines"``, ``"raster"`` or ``"auto"`` (see the module documentation).
        alpha: opacity of one trace (0 < alpha ≤ 1).
        linewidth: line width in points (``"lines"`` only; raster lines are one pixel).
        t_range_ms, v_range: axis limits (default: the data's range).
        ylabel: y-axis label, with units.
        ax: axes to draw into (default: a new figure).
    Returns:
        The figure.
    """
    t, values = _as_matrix(t_ms, traces)
    if not 0 < alpha <= 1:
        raise ArgumentValueError(
            f"alpha = {alpha} is invalid: allowed is 0 < alpha <= 1",
            field="alpha",
            value=alpha,
            allowed="0 < alpha <= 1",
        )
    if method not in ("auto", "lines", "raster"):
        raise ArgumentValueError(
            f"method = {method!r} is invalid: allowed are 'auto', 'lines', 'raster'"
        )
    if groups is not None and len(groups) != values.shape[0]:
        raise ArgumentValueError(
            f"groups has {len(groups)} labels for {values.shape[0]} traces"
        )
    if method == "auto":
        method = "raster" if values.shape[0] > AUTO_RASTER_ABOVE else "lines"
    ax = new_axes(ax, figsize)
    fig = figure_of(ax)
    if t_range_ms is None:
        t_range_ms = (float(t[0]), float(t[-1]))
    if v_range is None:
        finite = values[np.isfinite(values)]
        lo, hi = (
            (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        )
        pad = 0.02 * (hi - lo if hi > lo else 1.0)
        v_range = (lo - pad, hi + pad)
    if groups is not None:
        names, codes, rgba = _group_colors(groups, colors, cmap)
    else:
        names, codes, rgba = (
            [None],
            np.zeros(values.shape[0], dtype=np.int64),
            np.array([to_rgba(color)]),
        )
    if method == "lines":
        segments = np.empty(values.shape + (2,))
        segments[:, :, 0] = t
        segments[:, :, 1] = values
        line_colors = rgba[codes].copy()
        line_colors[:, 3] *= alpha
        ax.add_collection(
            # matplotlib's stub wants a Sequence of segments; an (N, M, 2) array is documented input
            LineCollection(segments, colors=line_colors, linewidths=linewidth),  # type: ignore[arg-type]
            autolim=False,
        )
    else:
        _draw_raster(ax, fig, t, values, codes, rgba, alpha, t_range_ms, v_range)
    ax.set_xlim(*t_range_ms)
    ax.set_ylim(*v_range)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if groups is not None:
        ax.legend(
            handles=[
                Line2D([], [], color=c, lw=2, label=str(n)) for n, c in zip(names, rgba)
            ],
            fontsize=8,
            frameon=False,
        )
    return fig


def _draw_raster(
    ax: Axes,
    fig: Figure,
    t: NDArray[np.float64],
    values: NDArray[np.float64],
    codes: NDArray[np.int64],
    rgba: NDArray[np.float64],
    alpha: float,
    t_range_ms: tuple[float, float],
    v_range: tuple[float, float],
) -> None:
    width, height = axes_pixels(ax, fig)
    counts = rasterise_traces(
        t, values, width, height, t_range_ms, v_range, codes, rgba.shape[0]
    )
    show_coverage(ax, counts, rgba, alpha, t_range_ms, v_range)


def axes_pixels(ax: Axes, fig: Figure) -> tuple[int, int]:
    """``(width, height)`` of ``ax`` in pixels: a raster of that size maps one image pixel to one
    screen pixel (layout may shrink the axes slightly, which only resamples the image)."""
    bbox = ax.get_position()
    width = max(round(bbox.width * fig.get_figwidth() * fig.dpi), 16)
    height = max(round(bbox.height * fig.get_figheight() * fig.dpi), 16)
    return width, height


def show_coverage(
    ax: Axes,
    counts: NDArray[np.float64],
    rgba: NDArray[np.float64],
    alpha: float,
    t_range_ms: tuple[float, float],
    v_range: tuple[float, float],
) -> None:
    """Draw the coverage of :func:`rasterise_traces` (summed over blocks of traces, if they were
    rasterised block by block) as one image: opacity ``1 − (1 − alpha)ⁿ`` for ``n`` traces through a
    pixel, colour the count-weighted mix of the groups' colours ``rgba``."""
    height, width = counts.shape[1:]
    total = counts.sum(axis=0)
    opacity = 1.0 - np.power(1.0 - alpha, total)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix = np.einsum("ghw,gc->hwc", counts, rgba[:, :3]) / total[:, :, None]
    image = np.zeros((height, width, 4))
    image[:, :, :3] = np.nan_to_num(mix)
    image[:, :, 3] = opacity
    ax.imshow(
        image,
        extent=(t_range_ms[0], t_range_ms[1], v_range[0], v_range[1]),
        aspect="auto",
        interpolation="antialiased",
        origin="upper",
    )
