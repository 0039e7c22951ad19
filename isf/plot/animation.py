"""Animations of a simulated cell: voltage against soma distance along the dendrites (legacy
``cell_to_animation``, §10.3), and the 3D morphology coloured by voltage (legacy
``CellMorphologyVisualizer`` animation, §10.4).

Both need a :class:`~isf.model.result.Result` with a trace at every segment centre
(:func:`~isf.backends.neuron.segment_recording.simulate_segments`). Frames are the recorded samples
nearest to ``t_start_ms, t_start_ms + t_step_ms, …`` up to ``t_stop_ms``.

A :class:`CellAnimation` writes a GIF (Pillow, always available with matplotlib), an MP4 (when
``ffmpeg`` is on PATH) or one PNG per frame, and shows itself in a notebook (``_repr_html_``:
matplotlib's JavaScript player with the frames inlined).

Given a trial's synapse activations (``activations=``, e.g. :attr:`StoredTrial.activations
<isf.backends.replay.StoredTrial>` of a replayed trial), both mark the synapses that fire in each frame,
coloured by presynaptic cell type (:mod:`isf.plot.synapse_markers`).

Example — a back-propagating action potential in cell 86::

    exp = isf.Experiment(cell, isf.Simulation(40), [isf.CurrentStep(1.9, delay_ms=20, duration_ms=5)])
    result = simulate_segments(exp)
    anim = animate_voltage_vs_distance(result, cell, t_start_ms=20, t_stop_ms=40, t_step_ms=0.5)
    anim.save("bap.gif")
    anim            # in a notebook: an inline player
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypeAlias, Union

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from isf.errors import ArgumentValueError
from isf.model.cell import Cell
from isf.model.morphology import canonical_label
from isf.model.result import Result
from isf.model.segment_table import segment_traces
from isf.model.soma_distance import geometric_soma_distance, segment_centres
from isf.plot.morphology import LABEL_COLORS, morphology_geometry
from isf.plot.output import atomic_output
from isf.plot.synapse_markers import SynapseMarkers, synapse_events

__all__ = [
    "CellAnimation",
    "animate_morphology",
    "animate_voltage_vs_distance",
    "distance_profile",
    "frame_indices",
]


def frame_indices(
    t_ms: NDArray[np.float64],
    t_start_ms: float | None,
    t_stop_ms: float | None,
    t_step_ms: float | None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Frame times (ms) ``t_start, t_start + t_step, …, ≤ t_stop`` and the index of the recorded
    sample nearest to each. Defaults: the whole recording in at most 100 frames."""
    t0 = float(t_ms[0]) if t_start_ms is None else float(t_start_ms)
    t1 = float(t_ms[-1]) if t_stop_ms is None else float(t_stop_ms)
    if not t_ms[0] <= t0 < t1 <= t_ms[-1] + 1e-9:
        raise ArgumentValueError(
            f"frames from {t0:g} to {t1:g} ms are invalid: allowed is "
            f"{t_ms[0]:g} <= t_start_ms < t_stop_ms <= {t_ms[-1]:g} (the recorded time)"
        )
    step = (t1 - t0) / 99 if t_step_ms is None else float(t_step_ms)
    if step <= 0:
        raise ArgumentValueError(
            f"t_step_ms = {t_step_ms} is invalid: allowed is a number > 0",
            field="t_step_ms",
            value=t_step_ms,
            allowed="a number > 0",
        )
    times = np.arange(t0, t1 + 1e-9 * step, step)
    idx = np.clip(np.searchsorted(t_ms, times), 1, len(t_ms) - 1)
    nearer_left = (times - t_ms[idx - 1]) <= (t_ms[idx] - times)
    return times, np.where(nearer_left, idx - 1, idx).astype(np.int64)


class CellAnimation:
    """Frames of a figure over time: save as GIF/MP4/PNGs, or show inline in a notebook.

    Attributes:
        figure: the matplotlib figure (on an Agg canvas) that each frame redraws.
        times_ms: time of every frame, ms.
    """

    def __init__(
        self,
        figure: Figure,
        draw_frame: Callable[[int], None],
        times_ms: NDArray[np.float64],
    ) -> None:
        self.figure = figure
        self.times_ms = times_ms
        self._draw_frame = draw_frame
        FigureCanvasAgg(figure)

    def __repr__(self) -> str:
        t = self.times_ms
        return f"<CellAnimation: {len(t)} frames, {t[0]:g}–{t[-1]:g} ms>"

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.times_ms.shape[0])

    def frame(self, k: int) -> Figure:
        """Draw frame ``k`` into :attr:`figure` and return it."""
        self._draw_frame(k)
        return self.figure

    def _animation(self, fps: int) -> FuncAnimation:
        return FuncAnimation(
            self.figure,
            self._draw_frame,
            frames=self.n_frames,
            interval=1000.0 / fps,
            blit=False,
            repeat=True,
        )

    def save(
        self,
        path: str | os.PathLike[str],
        fps: int = 10,
        dpi: float = 80.0,
        progress: bool = True,
    ) -> Path:
        """Write a ``.gif`` (Pillow) or ``.mp4`` (needs ``ffmpeg`` on PATH); atomically.

        Args:
            fps: frames per second of the file.
            dpi: resolution (pixels per inch of the figure size).
            progress: show a progress bar.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".gif":
            writer: Any = PillowWriter(fps=fps)
        elif suffix == ".mp4":
            if shutil.which("ffmpeg") is None:
                raise RuntimeError(
                    f"cannot write {path}: MP4 needs ffmpeg on PATH (install it, or save a .gif)"
                )
            writer = FFMpegWriter(fps=fps)
        else:
            raise ArgumentValueError(
                f"cannot write {path}: allowed suffixes are .gif and .mp4 (or use save_frames)"
            )
        bar = tqdm(
            total=self.n_frames,
            desc=f"writing {path.name}",
            unit="frame",
            disable=not progress,
        )
        with atomic_output(path) as tmp:
            self._animation(fps).save(
                tmp,
                writer=writer,
                dpi=dpi,
                progress_callback=lambda i, n: bar.update(1),
            )
        bar.close()
        return path

    def save_frames(
        self, folder: str | os.PathLike[str], dpi: float = 80.0, progress: bool = True
    ) -> list[Path]:
        """Write every frame as ``000000.png``, ``000001.png`` … into ``folder`` (created if needed),
        as the legacy ``cell_to_animation`` does; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for k in tqdm(
            range(self.n_frames), desc="frames", unit="frame", disable=not progress
        ):
            self._draw_frame(k)
            path = folder / f"{k:06d}.png"
            with atomic_output(path) as tmp:
                self.figure.savefig(tmp, dpi=dpi)
            paths.append(path)
        return paths

    def to_jshtml(self, fps: int = 10) -> str:
        """HTML with a JavaScript player and the frames inlined (as PNG)."""
        return str(self._animation(fps).to_jshtml(fps=fps))

    def _repr_html_(self) -> str:
        return self.to_jshtml()


#: A trial's synapse activations in long form (a frame, or a mapping of columns).
Activations: TypeAlias = Union[pd.DataFrame, Mapping[str, ArrayLike]]


def _markers(ax: Any, cell: Cell, activations: Activations | None, labels: Collection[str] | None,
             times: NDArray[np.float64], window_ms: float | None, size: float, three_d: bool
             ) -> SynapseMarkers | None:
    """Markers of the releases on the sections with ``labels`` (and the soma), or ``None``."""
    if activations is None:
        return None
    morph = cell.morphology
    wanted = None if labels is None else {canonical_label(lab) for lab in labels} | {"soma"}
    keep = np.array([wanted is None or s.label in wanted for s in morph.sections], dtype=bool)
    events = synapse_events(activations, cell).only_sections(keep)
    return SynapseMarkers(ax, events, times, window_ms, size, three_d)


def _v_range(values: NDArray[np.float64]) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -80.0, 40.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * max(hi - lo, 1.0)
    return lo - pad, hi + pad


def distance_profile(
    cell: Cell, labels: Collection[str] | None = None
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.float64]], list[str]]:
    """For every non-soma section: the segment rows to plot (the parent's segment at the branch
    point first, so branches connect), their geometric soma distances (µm, ``dist + x·L`` as the
    legacy animation) and the section's label."""
    morph = cell.morphology
    wanted = None if labels is None else {canonical_label(lab) for lab in labels}
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    rows, dists, labs = [], [], []
    for sid, section in enumerate(morph.sections):
        if section.parent is None or (
            wanted is not None and section.label not in wanted
        ):
            continue
        parent = section.parent
        j = min(int(section.parent_x * cell.nseg[parent]), cell.nseg[parent] - 1)
        start = geometric_soma_distance(morph, sid, 0.0)
        own = np.arange(offsets[sid], offsets[sid + 1])
        rows.append(np.concatenate([[offsets[parent] + j], own]).astype(np.int64))
        dists.append(
            np.concatenate(
                [[start], start + segment_centres(cell.nseg[sid]) * morph.lengths[sid]]
            )
        )
        labs.append(section.label)
    return rows, dists, labs


def animate_voltage_vs_distance(
    result: Result,
    cell: Cell,
    *,
    t_start_ms: float | None = None,
    t_stop_ms: float | None = None,
    t_step_ms: float | None = None,
    variable: str = "v",
    labels: Collection[str] | None = ("dend", "apic"),
    xlim_um: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    ylabel: str = "V (mV)",
    figsize: tuple[float, float] = (7.0, 4.0),
    activations: Activations | None = None,
    synapse_window_ms: float | None = None,
    synapse_size: float = 18.0,
) -> CellAnimation:
    """Voltage (or ``variable``) of every segment against its distance from the soma, over time.

    Each section is a line from its branch point through its segment centres, coloured by label
    (dendrites blue, apical red …); the soma is a black dot at 0 µm. A back-propagating action
    potential shows as a peak that travels to larger distances while it shrinks.

    Args:
        result: a run with per-segment traces (:func:`~isf.backends.neuron.segment_recording.simulate_segments`).
        cell: the simulated cell.
        t_start_ms, t_stop_ms, t_step_ms: frame times, ms (see :func:`frame_indices`).
        variable: the per-segment variable recorded (``v``, mV).
        labels: labels of the sections drawn (default the dendrites; ``None`` = all non-soma).
        xlim_um: distance axis, µm (default 0 … farthest segment).
        ylim: value axis (default the range of the shown frames).
        activations: the trial's synapse activations (long form: population, section_id,
            section_pt_id, soma_distance_um, time_ms): the synapses firing in a frame are marked at
            their soma distance on the value of their segment, coloured by presynaptic cell type.
        synapse_window_ms: a release at ``t`` is marked in the frame at ``T`` if ``T − window < t ≤ T``
            (default the frame step: each release in one frame).
        synapse_size: marker area, points².
    """
    values = segment_traces(result, cell, variable)
    times, idx = frame_indices(result.t_ms, t_start_ms, t_stop_ms, t_step_ms)
    rows, dists, labs = distance_profile(cell, labels)
    if not rows:
        raise ArgumentValueError(
            f"no section with labels {labels}; the cell has {sorted(set(cell.morphology.labels))}"
        )
    flat_rows = np.concatenate(rows)
    flat_x = np.concatenate(dists)
    splits = np.cumsum([r.shape[0] for r in rows])[:-1]
    soma_row = int(
        np.concatenate([[0], np.cumsum(cell.nseg)])[cell.morphology.soma_id]
        + cell.nseg[cell.morphology.soma_id] // 2
    )

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    lines = LineCollection(
        [], colors=[LABEL_COLORS[lab] for lab in labs], linewidths=0.8
    )
    ax.add_collection(lines)
    (soma,) = ax.plot(
        [0.0], [values[soma_row, idx[0]]], "o", color=LABEL_COLORS["soma"], ms=5
    )
    ax.set_xlim(*(xlim_um or (0.0, float(flat_x.max()) * 1.02)))
    ax.set_ylim(*(ylim or _v_range(values[:, idx])))
    ax.set_xlabel("distance from soma (µm)")
    ax.set_ylabel(ylabel)
    present = list(dict.fromkeys(["soma", *labs]))
    ax.legend(
        handles=[
            Line2D([], [], color=LABEL_COLORS[lab], lw=2, label=lab) for lab in present
        ],
        fontsize=8,
        frameon=False,
        loc="upper right",
    )
    title = ax.set_title("")
    markers = _markers(ax, cell, activations, labels, times, synapse_window_ms, synapse_size, False)

    def draw(k: int) -> None:
        if markers is not None:
            markers.update(k, values[:, idx[k]])
        y = values[flat_rows, idx[k]]
        lines.set_segments(
            [
                np.column_stack(p)
                for p in zip(np.split(flat_x, splits), np.split(y, splits))
            ]
        )
        soma.set_ydata([values[soma_row, idx[k]]])
        title.set_text(f"t = {times[k]:.1f} ms")

    draw(0)
    return CellAnimation(fig, draw, times)


def animate_morphology(
    result: Result,
    cell: Cell,
    *,
    t_start_ms: float | None = None,
    t_stop_ms: float | None = None,
    t_step_ms: float | None = None,
    variable: str = "v",
    labels: Collection[str] | None = ("soma", "dend", "apic"),
    cmap: str = "jet",
    vmin: float | None = None,
    vmax: float | None = None,
    value_label: str = "V (mV)",
    elevation_deg: float = 10.0,
    azimuth_deg: float = -60.0,
    linewidth_scale: float = 0.6,
    figsize: tuple[float, float] = (5.0, 6.0),
    activations: Activations | None = None,
    synapse_window_ms: float | None = None,
    synapse_size: float = 18.0,
) -> CellAnimation:
    """The cell in 3D, each segment coloured by its voltage (or ``variable``), over time.

    Args:
        result, cell, t_start_ms, t_stop_ms, t_step_ms, variable: as :func:`animate_voltage_vs_distance`.
        labels: labels drawn (default soma and dendrites; the legacy viewer omits AIS and myelin).
        cmap, vmin, vmax: colour map (legacy default ``jet``) and range (default: the shown frames').
        value_label: colour-bar label, with units.
        elevation_deg, azimuth_deg: viewing angles, degrees.
        linewidth_scale: line width in points per µm of diameter (clipped to 0.3 … 5 pt).
        activations, synapse_window_ms, synapse_size: the synapses firing in a frame, marked at their
            3D position (see :func:`animate_voltage_vs_distance`).
    """
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    values = segment_traces(result, cell, variable)
    times, idx = frame_indices(result.t_ms, t_start_ms, t_stop_ms, t_step_ms)
    geom = morphology_geometry(cell, labels)
    lo, hi = _v_range(values[:, idx])
    norm = Normalize(vmin if vmin is not None else lo, vmax if vmax is not None else hi)
    colormap = colormaps[cmap]

    fig = Figure(figsize=figsize, layout="constrained")
    ax: Any = fig.add_subplot(projection="3d")
    collection = Line3DCollection(
        geom.pieces, linewidths=np.clip(geom.diameters * linewidth_scale, 0.3, 5.0)
    )
    ax.add_collection3d(collection)
    pts = geom.pieces.reshape(-1, 3)
    centre, half = (
        0.5 * (pts.min(0) + pts.max(0)),
        0.5 * float((pts.max(0) - pts.min(0)).max()),
    )
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[1] - half, centre[1] + half)
    ax.set_zlim(centre[2] - half, centre[2] + half)
    ax.view_init(elev=elevation_deg, azim=azimuth_deg)
    ax.set_axis_off()
    fig.colorbar(
        ScalarMappable(norm=norm, cmap=colormap), ax=ax, label=value_label, shrink=0.6
    )
    title = ax.set_title("")
    markers = _markers(ax, cell, activations, labels, times, synapse_window_ms, synapse_size, True)

    def draw(k: int) -> None:
        if markers is not None:
            markers.update(k)
        collection.set_color(colormap(norm(values[geom.segment, idx[k]])))
        title.set_text(f"t = {times[k]:.1f} ms")

    draw(0)
    return CellAnimation(fig, draw, times)
