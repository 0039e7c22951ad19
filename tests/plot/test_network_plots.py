"""Network-trial plots: what they draw (artists, colours, counts), that they write real images, and
that hundreds of trials stay fast (one collection, not one artist per trial)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from isf.analysis import synapse_stats as ss  # noqa: E402
from isf.model import cell_types as ct  # noqa: E402
from isf.plot import (  # noqa: E402
    celltype_colors,
    psth_plot,
    raster,
    synapse_activation_raster,
    synapses_by_celltype,
    voltage_mean_std,
)

SPIKES = [np.array([10.0, 50.0, 51.0]), np.zeros(0), np.array([245.0]), np.array([1.0, 2.0, 3.0, 4.0])]


def written(fig: Figure, path: Path, min_colours: int = 2) -> np.ndarray:
    """Save, read back, and check the image is not blank."""
    fig.savefig(path, dpi=80)
    assert path.stat().st_size > 2000
    image = mpimg.imread(path)
    pixels = image.reshape(-1, image.shape[-1])[:, :3]
    assert np.unique(pixels, axis=0).shape[0] >= min_colours
    assert np.mean(np.all(pixels < 0.9, axis=1)) > 0.002  # some ink beyond the white background
    return image


def line_collections(fig: Figure) -> list[LineCollection]:
    return [c for ax in fig.axes for c in ax.collections if isinstance(c, LineCollection)]


def test_raster_one_segment_per_spike_from_any_input(tmp_path: Path) -> None:
    fig = raster(SPIKES)
    (ticks,) = line_collections(fig)
    segments = ticks.get_segments()
    assert len(segments) == 8
    # a vertical tick at (time, trial row)
    assert [tuple(np.round(s.mean(axis=0), 6)) for s in segments[:4]] == [(10, 0), (50, 0), (51, 0), (245, 2)]
    ax = fig.axes[0]
    assert ax.get_ylim() == (-0.5, 3.5) and ax.get_xlim() == (0.0, 245.0)
    wide = pd.DataFrame([[10.0, 50.0, 51.0, np.nan], [np.nan] * 4, [245.0, np.nan, np.nan, np.nan], [1, 2, 3, 4]],
                        index=pd.Index([0, 1, 2, 3], name="trial"))
    assert len(line_collections(raster(wide))[0].get_segments()) == 8
    mapping = raster({7: [1.0], 9: [2.0, 3.0]}, t_range_ms=(0, 300))
    assert [t.get_text() for t in mapping.axes[0].get_yticklabels()] == ["7", "9"]
    assert mapping.axes[0].get_xlim() == (0.0, 300.0)
    written(fig, tmp_path / "raster.png")


def test_draws_into_a_given_axes() -> None:
    fig = Figure()
    ax1, ax2 = fig.subplots(2)
    assert raster(SPIKES, ax2) is fig
    assert not ax1.collections and len(ax2.collections) == 1


def test_psth_plot(tmp_path: Path) -> None:
    fig = psth_plot([0, 5, 10, 15], [20.0, 0.0, 40.0], label="soma")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 15.0) and ax.get_ylim()[0] == 0.0 and ax.get_ylabel() == "rate (Hz)"
    outline = [p for p in ax.patches if p.get_label() == "soma"]
    assert len(outline) == 1
    with pytest.raises(ValueError, match="one edge more"):
        psth_plot([0, 5, 10], [1.0, 2.0, 3.0])
    written(fig, tmp_path / "psth.png")


def test_voltage_mean_std_one_segment_per_trial(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    t = np.linspace(0, 100, 401)
    v = -65 + 5 * np.sin(t / 10)[None, :] + rng.normal(0, 2, (12, t.size))
    fig = voltage_mean_std(t, v)
    (traces,) = line_collections(fig)
    assert len(traces.get_segments()) == 12
    ax = fig.axes[0]
    (mean_line,) = ax.get_lines()
    assert np.allclose(mean_line.get_ydata(), v.mean(axis=0))
    band = ax.collections[-1]
    assert not isinstance(band, LineCollection)  # the fill_between band
    assert len(line_collections(voltage_mean_std(t, v, max_traces=5))[0].get_segments()) == 5
    assert not line_collections(voltage_mean_std(t, v, show_traces=False))
    frame = pd.DataFrame(v, columns=pd.Index(t, name="t_ms"))
    assert len(line_collections(voltage_mean_std(frame.columns, frame))[0].get_segments()) == 12
    voltage_mean_std(t, v[0])  # one trial: SD 0
    with pytest.raises(ValueError, match="sample times"):
        voltage_mean_std(t[:-1], v)
    written(fig, tmp_path / "voltage.png", min_colours=20)


def test_hundreds_of_trials_are_one_collection_each(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n_trials, t = 300, np.arange(0, 300.0, 0.1)
    v = -65 + rng.normal(0, 1, (n_trials, t.size))
    spikes = [np.sort(rng.uniform(0, 300, rng.integers(0, 8))) for _ in range(n_trials)]
    fig = Figure(figsize=(8, 6))
    ax1, ax2 = fig.subplots(2)
    raster(spikes, ax1)
    voltage_mean_std(t, v, ax2)
    fig.savefig(tmp_path / "many.png", dpi=80)
    assert len(ax1.collections) == 1 and len(line_collections(fig)) == 2
    assert len(line_collections(fig)[1].get_segments()) == n_trials


@pytest.fixture()
def activations() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    pops = ["L5tt_C2", "L1_C2", "SymLocal1_C2", "L45Peak_D1", "VPM_C2"]
    n = 600
    frame = pd.DataFrame({
        "trial": np.repeat([0, 1, 2], n // 3),
        "population": pd.Categorical(rng.choice(pops, n)),
        "synapse_id": rng.integers(0, 50, n),
        "soma_distance_um": rng.uniform(0, 1500, n),
        "time_ms": rng.uniform(0, 400, n),
    })
    return frame.set_index("trial")


def _dot_colours(fig: Figure) -> np.ndarray:
    (dots,) = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    return np.asarray(dots.get_facecolors())


def test_celltype_colours_are_red_for_exc_blue_for_inh() -> None:
    colours = celltype_colors(["L5tt", "VPM", "L1", "SymLocal1", "L45Peak"])
    for name in ("L5tt", "VPM", "L1"):  # L1 is EXC as in ISF
        r, g, b, _ = colours[name]
        assert r > b and r > g, name
    for name in ("SymLocal1", "L45Peak"):
        r, g, b, _ = colours[name]
        assert b > r, name
    assert len(set(colours.values())) == 5
    r, g, b, _ = celltype_colors(["L1"], ct.EXCITATORY_CELL_TYPES)["L1"]
    assert b > r
    # stable: a type has the same colour whichever other types are plotted
    assert celltype_colors(["L45Peak"])["L45Peak"] == colours["L45Peak"]
    assert celltype_colors(["L5tt", "Martinotti"])["L5tt"] == colours["L5tt"]


def test_empty_inputs_still_make_figures(tmp_path: Path) -> None:
    empty = pd.DataFrame({"population": pd.Categorical([]), "soma_distance_um": np.zeros(0), "time_ms": np.zeros(0)},
                         index=pd.Index(np.zeros(0, np.int64), name="trial"))
    for fig in (raster([]), raster([np.zeros(0)]), synapse_activation_raster(empty),
                synapse_activation_raster(empty, y="cell_type"), voltage_mean_std(np.arange(3.0), np.zeros((0, 3)))):
        fig.savefig(tmp_path / "empty.png")


def test_synapse_activation_raster_by_distance(activations: pd.DataFrame, tmp_path: Path) -> None:
    fig = synapse_activation_raster(activations, t_range_ms=(0, 300))
    colours = _dot_colours(fig)
    frame = activations[activations["time_ms"] <= 300]
    assert colours.shape[0] == len(frame)
    exc = frame["population"].astype(str).str.split("_").str[0].map(ct.ei_class).to_numpy() == "EXC"
    assert np.all(colours[exc, 0] > colours[exc, 2]) and np.all(colours[~exc, 2] > colours[~exc, 0])
    (dots,) = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert np.allclose(dots.get_offsets()[:, 1], frame["soma_distance_um"])
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["VPM", "L5tt", "L1", "SymLocal1", "L45Peak"]
    one = synapse_activation_raster(activations, trials=[1], legend=False)
    assert _dot_colours(one).shape[0] == 200 and one.axes[0].get_legend() is None
    written(fig, tmp_path / "activations.png", min_colours=10)


def test_synapse_activation_raster_by_cell_type(activations: pd.DataFrame, tmp_path: Path) -> None:
    fig = synapse_activation_raster(activations, y="cell_type")
    ax = fig.axes[0]
    rows = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert rows == {"VPM": 4, "L5tt": 3, "L1": 2, "SymLocal1": 1, "L45Peak": 0}  # EXC at the top
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    y = dots.get_offsets()[:, 1]
    band = np.rint(y)
    l5 = (activations["population"] == "L5tt_C2").to_numpy()
    assert np.all(band[l5] == 3)  # VPM top (4), L5tt next
    # inside a band, one sub-row per trial, in trial order
    trial = np.asarray(activations.index)
    assert np.all(np.diff([y[l5 & (trial == k)].mean() for k in (0, 1, 2)]) > 0)
    with pytest.raises(ValueError, match="choose"):
        synapse_activation_raster(activations, y="label")  # type: ignore[arg-type]
    written(fig, tmp_path / "by_type.png", min_colours=10)


def test_synapses_by_celltype_bars(tmp_path: Path) -> None:
    stats = pd.DataFrame({"EI": ["EXC", "EXC", "INH"], "n_synapses": [807, 319, 120],
                          "soma_distance_mean_um": [235.0, 1400.0, 1159.0],
                          "soma_distance_sd_um": [308.0, 80.0, 243.0]},
                         index=pd.Index(["L5tt", "L1", "SymLocal1"], name="cell_type"))
    fig = synapses_by_celltype(stats)
    ax = fig.axes[0]
    bars = ax.patches
    assert [b.get_height() for b in bars] == [807, 319, 120]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["L5tt", "L1", "SymLocal1"]
    r, _, b, _ = bars[0].get_facecolor()
    assert r > b
    r, _, b, _ = bars[2].get_facecolor()
    assert b > r
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["EXC", "INH"]
    with_sd = synapses_by_celltype(stats, value="soma_distance_mean_um", error="soma_distance_sd_um")
    assert [b.get_height() for b in with_sd.axes[0].patches] == [235.0, 1400.0, 1159.0]
    assert any(isinstance(c, LineCollection) for c in with_sd.axes[0].collections)  # error bars
    with pytest.raises(KeyError, match="n_cells"):
        synapses_by_celltype(stats, value="n_cells")
    written(fig, tmp_path / "bars.png", min_colours=10)
