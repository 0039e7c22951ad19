"""Many-trace plots: the raster equals what the traces cover, groups keep their colours, and both
methods draw the same picture."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import LineCollection
from matplotlib.image import AxesImage

from isf.plot import plot_traces, rasterise_traces


def covered_by_hand(
    t: np.ndarray,
    v: np.ndarray,
    w: int,
    h: int,
    t_range: tuple[float, float],
    v_range: tuple[float, float],
) -> np.ndarray:
    """Reference rasteriser: a plain loop over every step of every trace, divided by the steps per
    column."""
    out = np.zeros((h, w))
    for row in v:
        for k in range(len(t) - 1):
            c = int(np.floor((t[k] - t_range[0]) / (t_range[1] - t_range[0]) * w))
            if not 0 <= c < w or np.isnan(row[k]) or np.isnan(row[k + 1]):
                continue
            r = [
                (v_range[1] - y) * h / (v_range[1] - v_range[0])
                for y in (row[k], row[k + 1])
            ]
            lo, hi = int(np.floor(min(r))), int(np.floor(max(r)))
            lo, hi = max(lo, 0), min(hi, h - 1)
            if lo <= hi:
                out[lo : hi + 1, c] += 1
    steps = np.zeros(w)
    for k in range(len(t) - 1):
        c = int(np.floor((t[k] - t_range[0]) / (t_range[1] - t_range[0]) * w))
        if 0 <= c < w:
            steps[c] += 1
    return out / np.maximum(steps, 1)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5),
    m=st.integers(2, 30),
    w=st.integers(1, 20),
    h=st.integers(1, 20),
    seed=st.integers(0, 2**31),
    nan=st.booleans(),
)
def test_raster_equals_a_plain_loop(
    n: int, m: int, w: int, h: int, seed: int, nan: bool
) -> None:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(-1, 11, m))
    t[0], t[-1] = -1.0, 11.0
    v = rng.uniform(-100, 60, (n, m))
    if nan:
        v[rng.random((n, m)) < 0.2] = np.nan
    t_range, v_range = (
        (0.0, 10.0),
        (-80.0, 40.0),
    )  # some samples fall outside on purpose
    counts = rasterise_traces(t, v, w, h, t_range, v_range)
    assert counts.shape == (1, h, w)
    assert np.allclose(counts[0], covered_by_hand(t, v, w, h, t_range, v_range))


def test_groups_split_the_counts() -> None:
    t = np.linspace(0, 10, 50)
    v = np.vstack([np.full(50, -70.0), np.full(50, -70.0), np.full(50, 20.0)])
    counts = rasterise_traces(
        t, v, 10, 10, (0, 10), (-80, 40), codes=np.array([0, 0, 1]), n_groups=2
    )
    assert (
        counts[0].sum() == 2 * 10 and counts[1].sum() == 10
    )  # one pixel per column and trace, counted once
    assert counts[0].max() == 2 and counts[1].max() == 1


def test_auto_picks_lines_or_raster_and_colours_by_group(tmp_path: Path) -> None:
    t = np.arange(300) * 0.1
    rng = np.random.default_rng(1)
    few = -70 + rng.normal(size=(20, 300)).cumsum(axis=1)
    fig = plot_traces(
        t, few, groups=["a"] * 10 + ["b"] * 10, colors={"a": "red", "b": "blue"}
    )
    (lines,) = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 20
    assert np.allclose(lines.get_colors()[0], [1, 0, 0, 0.1]) and np.allclose(
        lines.get_colors()[-1], [0, 0, 1, 0.1]
    )
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    many = -70 + rng.normal(size=(500, 300)).cumsum(axis=1)
    many[:250] += 60  # group "up" sits 60 mV above group "down"
    fig = plot_traces(
        t,
        many,
        groups=["up"] * 250 + ["down"] * 250,
        colors={"up": "red", "down": "blue"},
    )
    (image,) = [a for a in fig.axes[0].get_children() if isinstance(a, AxesImage)]
    rgba = image.get_array()
    covered = rgba[..., 3] > 0
    top, bottom = covered[: covered.shape[0] // 3], covered[-covered.shape[0] // 3 :]
    assert top.any() and bottom.any()
    # red above, blue below
    assert rgba[: rgba.shape[0] // 3][..., 0][top].mean() > 0.9
    assert rgba[-rgba.shape[0] // 3 :][..., 2][bottom].mean() > 0.9
    fig.savefig(tmp_path / "traces.png", dpi=80)
    assert mpimg.imread(tmp_path / "traces.png").shape[:2] == (240, 800)


def test_lines_and_raster_draw_the_same_picture(tmp_path: Path) -> None:
    t = np.arange(2000) * 0.05
    rng = np.random.default_rng(2)
    v = -70 + rng.normal(0, 0.3, (300, 2000)).cumsum(axis=1)
    frame = pd.DataFrame(v, columns=t)  # legacy layout: columns are times
    dark = {}
    for method in ("lines", "raster"):
        fig = plot_traces(None, frame, method=method, alpha=0.3, v_range=(-120, -20))
        fig.savefig(tmp_path / f"{method}.png", dpi=60)
        image = mpimg.imread(tmp_path / f"{method}.png")[..., :3].mean(axis=2)
        dark[method] = image < 0.8
    # the same region is inked (pixel-level anti-aliasing differs)
    overlap = (dark["lines"] & dark["raster"]).sum() / max(
        dark["lines"].sum(), dark["raster"].sum()
    )
    assert overlap > 0.6


def test_bad_arguments() -> None:
    t = np.arange(5.0)
    with pytest.raises(ValueError, match="5 samples each but t_ms has shape"):
        plot_traces(np.arange(4.0), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="alpha = 0 is invalid"):
        plot_traces(t, np.zeros((2, 5)), alpha=0)
    with pytest.raises(ValueError, match="groups has 1 labels for 2 traces"):
        plot_traces(t, np.zeros((2, 5)), groups=["a"])
    with pytest.raises(ValueError, match="method = 'fast' is invalid"):
        plot_traces(t, np.zeros((2, 5)), method="fast")  # type: ignore[arg-type]
