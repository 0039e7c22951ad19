"""Synapses that fire, marked in the animations of a trial (issue 15, part 4).

A short run of cell 86 (every segment recorded) with hand-made activations: releases of an excitatory
(L5tt) and an inhibitory (SymLocal1) population on the soma, a basal and an apical dendrite. Checked:
each frame shows exactly the releases of its window, at the synapse's soma distance on the voltage of
its segment (2D) or at its 3D point (3D), coloured by cell type (excitatory red, inhibitory blue), with
a legend; GIF and inline HTML work with the markers.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import isf
from isf.backends.neuron.segment_recording import simulate_segments
from isf.data import cell86
from isf.model.segment_table import segment_traces
from isf.plot.animation import animate_morphology, animate_voltage_vs_distance
from isf.plot.synapse_markers import synapse_events


@pytest.fixture(scope="module")
def cell() -> isf.Cell:
    return isf.read_cell_param(cell86("86_C2_center.param")).cell


@pytest.fixture(scope="module")
def run(cell: isf.Cell) -> isf.Result:
    return simulate_segments(isf.Experiment(cell, isf.Simulation(10.0)))


@pytest.fixture(scope="module")
def activations(cell: isf.Cell) -> pd.DataFrame:
    morph = cell.morphology
    apical = next(i for i, s in enumerate(morph.sections) if s.label == "apic" and s.points.shape[0] > 10)
    basal = next(i for i, s in enumerate(morph.sections) if s.label == "dend" and s.points.shape[0] > 10)
    rows = [  # population, section, point, time
        ("L5tt_C2", apical, 5, 2.0), ("L5tt_C2", apical, 5, 6.0), ("SymLocal1_C2", basal, 3, 2.2),
        ("SymLocal1_C2", morph.soma_id, 0, 4.0), ("L5tt_C2", basal, 7, 8.1),
    ]
    frame = pd.DataFrame(rows, columns=["population", "section_id", "section_pt_id", "time_ms"])
    frame["soma_distance_um"] = [
        0.0 if s == morph.soma_id else cell.distances.soma0(s, float(morph.sections[s].relative_points[p]))
        for _, s, p, _ in rows]
    return frame


def test_events_sit_on_their_segment_and_point(cell: isf.Cell, activations: pd.DataFrame) -> None:
    events = synapse_events(activations, cell)
    assert len(events) == 5 and np.all(np.diff(events.times_ms) >= 0)
    assert list(events.type_colors) == ["L5tt", "SymLocal1"]  # excitatory first
    red, blue = events.type_colors["L5tt"], events.type_colors["SymLocal1"]
    assert red[0] > red[2] and blue[2] > blue[0]
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    for k in range(len(events)):
        sid = int(events.section_ids[k])
        assert offsets[sid] <= events.rows[k] < offsets[sid + 1]
    first = activations.sort_values("time_ms", kind="stable").iloc[0]
    section = cell.morphology.sections[int(first.section_id)]
    assert np.allclose(events.xyz_um[0], section.points[int(first.section_pt_id)])
    assert events.between(1.9, 2.2).tolist() == [0, 1] and events.between(2.2, 5.0).tolist() == [2]
    with pytest.raises(ValueError, match=r"lack the columns \['section_pt_id'\]"):
        synapse_events(activations.drop(columns="section_pt_id"), cell)
    with pytest.raises(ValueError, match="a synapse on section 999"):
        synapse_events(activations.assign(section_id=999), cell)


def test_voltage_vs_distance_marks_the_synapses_firing_in_each_frame(
        cell: isf.Cell, run: isf.Result, activations: pd.DataFrame, tmp_path: Path) -> None:
    anim = animate_voltage_vs_distance(run, cell, t_start_ms=0.0, t_stop_ms=10.0, t_step_ms=1.0,
                                       labels=None, activations=activations)
    ax = anim.figure.axes[0]
    markers = ax.collections[-1]
    v = segment_traces(run, cell)
    events = synapse_events(activations, cell)
    seen = []
    for k in range(anim.n_frames):
        anim.frame(k)
        t = anim.times_ms[k]
        expected = np.flatnonzero((events.times_ms > t - 1.0) & (events.times_ms <= t))
        xy = markers.get_offsets()
        assert len(xy) == expected.size, t
        frame_sample = int(np.argmin(np.abs(run.t_ms - t)))
        assert np.allclose(xy[:, 0], events.distance_um[expected])
        assert np.allclose(xy[:, 1], v[events.rows[expected], frame_sample])
        if expected.size:
            assert np.allclose(markers.get_facecolors(), events.colors[expected])
        seen.extend(events.times_ms[expected].tolist())
    assert sorted(seen) == sorted(activations["time_ms"].tolist())  # every release in exactly one frame
    legend = anim.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["L5tt", "SymLocal1"]
    gif = anim.save(tmp_path / "trial.gif", fps=5, progress=False)
    with Image.open(gif) as im:
        assert im.n_frames == 11
    html = anim._repr_html_()
    assert html.count("data:image/png;base64") == 11


def test_morphology_animation_marks_synapses_in_3d(
        cell: isf.Cell, run: isf.Result, activations: pd.DataFrame) -> None:
    anim = animate_morphology(run, cell, t_start_ms=0.0, t_stop_ms=10.0, t_step_ms=2.0, activations=activations,
                              synapse_window_ms=4.0)
    ax = anim.figure.axes[0]
    markers = ax.collections[-1]
    events = synapse_events(activations, cell)
    anim.frame(3)  # t = 6 ms: releases in (2, 6]: 2.2 (basal), 4.0 (soma), 6.0 (apical)
    x, y, z = markers._offsets3d
    expected = np.flatnonzero((events.times_ms > 2.0) & (events.times_ms <= 6.0))
    assert expected.size == 3
    assert np.allclose(np.column_stack([x, y, z]), events.xyz_um[expected])
    anim.frame(0)
    assert len(markers._offsets3d[0]) == 0
    with pytest.raises(ValueError, match="synapse_window_ms = 0 is invalid"):
        animate_morphology(run, cell, t_start_ms=0.0, t_stop_ms=2.0, t_step_ms=1.0, activations=activations,
                           synapse_window_ms=0)
