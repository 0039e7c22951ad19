"""Animations of cell 86: a back-propagating action potential (bAP) along the apical dendrite.

The soma gets a 1.9 nA, 5 ms pulse (the Hay bAP protocol, moved from 295 ms to 10 ms to keep the
run short) and every segment's voltage is recorded. Physics checked: the peak arrives later and
smaller with distance from the soma, and in the animation the depolarised front moves outwards.
The frames are kept as a test artefact in ``tests/artefacts/bap_cell86/`` (PNG per frame + GIF).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np
import pytest
from PIL import Image
from scipy.stats import spearmanr

import isf
from isf.backends.neuron.segment_recording import simulate_segments
from isf.data import cell86
from isf.model.segment_table import segment_recordings, segment_table, segment_traces
from isf.plot import CellAnimation, animate_morphology, animate_voltage_vs_distance
from isf.plot.animation import frame_indices

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts" / "bap_cell86"
PULSE_MS = 10.0


@pytest.fixture(scope="module")
def cell() -> isf.Cell:
    return isf.read_cell_param(cell86("86_C2_center.param")).cell


@pytest.fixture(scope="module")
def bap(cell: isf.Cell) -> isf.Result:
    experiment = isf.Experiment(
        cell,
        isf.Simulation(30.0, dt_ms=0.025),
        [isf.CurrentStep(1.9, delay_ms=PULSE_MS, duration_ms=5.0)],
    )
    return simulate_segments(experiment)


def test_segment_recordings_cover_every_segment(
    cell: isf.Cell, bap: isf.Result
) -> None:
    recs = segment_recordings(cell)
    assert len(recs) == cell.n_segments == 1142
    sid, x = segment_table(cell)
    assert [r.site.section_id for r in recs] == sid.tolist()
    assert np.allclose([r.site.x for r in recs], x)
    apical = segment_recordings(cell, labels=("ApicalDendrite",))
    assert {cell.morphology.sections[r.site.section_id].label for r in apical} == {
        "apic"
    }
    v = segment_traces(bap, cell)
    assert v.shape == (1142, bap.t_ms.shape[0]) and not np.isnan(v).any()
    # the soma's own recording and the soma segment's trace are the same vector
    soma_row = int(np.flatnonzero(sid == cell.morphology.soma_id)[0])
    assert np.array_equal(v[soma_row], bap["soma"])
    with pytest.raises(ValueError, match="no per-segment traces of 'cai'"):
        segment_traces(bap, cell, "cai")


def test_the_spike_back_propagates(cell: isf.Cell, bap: isf.Result) -> None:
    v = segment_traces(bap, cell)
    sid, x = segment_table(cell)
    dist = np.array([cell.distances.soma0(s, xx) for s, xx in zip(sid, x)])
    labels = np.array([cell.morphology.sections[s].label for s in sid])
    after = bap.t_ms >= PULSE_MS
    baseline = v[:, np.searchsorted(bap.t_ms, PULSE_MS)]
    peak_t = bap.t_ms[after][np.argmax(v[:, after], axis=1)]
    amplitude = v[:, after].max(axis=1) - baseline
    assert len(bap.spike_times("soma")) == 1
    reached = (labels == "apic") & (amplitude > 10.0)
    assert reached.sum() > 150 and dist[reached].max() > 700
    # later with distance ...
    assert spearmanr(dist[reached], peak_t[reached]).statistic > 0.85
    # ... and smaller with distance (not strictly: active oblique branches near the trunk swell)
    assert spearmanr(dist[reached], amplitude[reached]).statistic < -0.5
    near, far_ = reached & (dist < 100), reached & (dist > 600)
    assert amplitude[far_].mean() < 0.5 * amplitude[near].mean()
    soma = labels == "soma"
    far = reached & (dist > 600)
    assert peak_t[far].min() > peak_t[soma].max() + 1.0  # ≥ 1 ms later 600 µm out


def test_voltage_vs_distance_animation_shows_the_front_moving_out(
    cell: isf.Cell, bap: isf.Result
) -> None:
    anim = animate_voltage_vs_distance(
        bap, cell, t_start_ms=14.0, t_stop_ms=24.0, t_step_ms=0.5
    )
    assert anim.n_frames == 21 and np.allclose(
        anim.times_ms, np.arange(14.0, 24.01, 0.5)
    )
    ax = anim.figure.axes[0]
    assert ax.get_xlabel() == "distance from soma (µm)" and ax.get_ylabel() == "V (mV)"
    front = []
    for k in range(anim.n_frames):
        anim.frame(k)
        xy = np.concatenate(ax.collections[0].get_segments())
        depolarised = xy[:, 1] > -40.0
        front.append(xy[depolarised, 0].max() if depolarised.any() else 0.0)
        assert ax.get_title() == f"t = {anim.times_ms[k]:.1f} ms"
    front = np.array(front)
    first = int(np.argmax(front > 0))
    # the front moves outwards, monotonically, for the first 2 ms after the spike starts
    assert np.all(np.diff(front[first : first + 5]) >= 0)
    assert front[first + 3] > front[first] + 200.0
    paths = anim.save_frames(ARTEFACTS, progress=False)
    assert [p.name for p in paths[:2]] == ["000000.png", "000001.png"] and len(
        paths
    ) == 21
    for path in (paths[0], paths[first + 2]):
        image = mpimg.imread(path)
        assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 10
    gif = anim.save(ARTEFACTS / "bap.gif", fps=5, progress=False)
    with Image.open(gif) as im:
        assert im.n_frames == 21 and im.size == (560, 320)


def test_morphology_animation_colours_change_with_the_spike(
    cell: isf.Cell, bap: isf.Result, tmp_path: Path
) -> None:
    anim = animate_morphology(bap, cell, t_start_ms=14.0, t_stop_ms=17.0, t_step_ms=1.0)
    assert anim.n_frames == 4
    colours = []
    for k in range(anim.n_frames):
        anim.frame(k)
        colours.append(np.array(anim.figure.axes[0].collections[0].get_colors()))
    assert not np.allclose(colours[0], colours[2])
    gif = anim.save(tmp_path / "bap3d.gif", progress=False)
    with Image.open(gif) as im:
        assert im.n_frames == 4
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_animation_in_a_notebook(
    cell: isf.Cell, bap: isf.Result, tmp_path: Path
) -> None:
    anim = animate_voltage_vs_distance(
        bap, cell, t_start_ms=14.0, t_stop_ms=15.0, t_step_ms=0.5, figsize=(3, 2)
    )
    assert (
        isinstance(anim, CellAnimation)
        and repr(anim) == "<CellAnimation: 3 frames, 14–15 ms>"
    )
    html = anim._repr_html_()
    assert "<script" in html and html.count("data:image/png;base64") == 3
    with pytest.raises(ValueError, match="allowed suffixes are .gif and .mp4"):
        anim.save(tmp_path / "a.avi")


def test_frame_indices() -> None:
    t = np.arange(0.0, 10.0001, 0.1)
    times, idx = frame_indices(t, 1.0, 2.0, 0.25)
    assert np.allclose(times, [1.0, 1.25, 1.5, 1.75, 2.0])
    assert np.allclose(t[idx], [1.0, 1.2, 1.5, 1.7, 2.0], atol=0.051)
    times, idx = frame_indices(t, None, None, None)
    assert len(times) == 100 and idx[0] == 0 and idx[-1] == len(t) - 1
    with pytest.raises(ValueError, match="frames from 5 to 20 ms are invalid"):
        frame_indices(t, 5.0, 20.0, 1.0)
    with pytest.raises(ValueError, match="t_step_ms = -1 is invalid"):
        frame_indices(t, 1.0, 2.0, -1)
