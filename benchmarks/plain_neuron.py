"""A hand-written plain-NEURON model of an ISF cell, shared by the benchmarks.

Nothing here uses isf: it is the script a NEURON user would write by hand from
an ISF-style hoc file and the legacy ``neuron`` dict of a cell ``.param``
(LEGACY_FORMATS §1, §3). The benchmarks time it against isf doing the same
work in the same process.

* :func:`plain_build` reads the hoc file with a minimal line loop (``create`` /
  ``pt3dadd`` per point / ``connect``, soma children at soma(0.5)), appends the
  Hay-2013 axon if the dict has ``AIS``, sets Ra/cm, nseg (ISF's d-lambda
  rule), inserts the range mechanisms with their per-segment values
  (``uniform``, ``uniform_range`` with ``outsidescale_sections``,
  ``exponential``, ``linear``; distances with ``h.distance``), sets the ions,
  then applies the cell modifiers ``scale_apical`` and
  ``scale_apical_morph_86`` with ``pt3dchange``.
* :func:`plain_trunk_site` locates a point of the apical trunk at a
  ``D_soma0`` distance (LEGACY_FORMATS §8.2) with ``h.distance``.
* :func:`plain_integrate` runs as ISF does: CVode, dt 0.025 ms, 34 °C,
  v_init −75 mV, stdrun ``init()``, then ``while (t < tstop) fadvance()``.
* :func:`plain_run` is a soma current step on a built cell (the step-current
  benchmark).

Call ``h.load_file("stdrun.hoc")`` and load the compiled mechanisms before
building.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from neuron import h
from numpy.typing import NDArray

Trace = tuple[NDArray[np.float64], NDArray[np.float64]]

HOC_LABELS = (("soma", "Soma"), ("dend", "Dendrite"), ("BasalDendrite", "Dendrite"),
              ("apical", "ApicalDendrite"), ("axon", "Axon"))
#: Hay et al. 2013 axon: (name, label, length µm, points = nseg, diameter start, end µm)
HAY2013_AXON = (("axon_0", "AIS", 20.0, 5, 3.0, 1.75),
                ("axon_0_0", "AIS", 30.0, 7, 1.75, 1.0),
                ("axon_0_0_0", "Myelin", 1000.0, 21, 1.0, 1.0))
#: distribution keys (not RANGE parameters) of each supported ``spatial`` type
DISTRIBUTION_KEYS = {"uniform": (), "uniform_range": ("begin", "end", "outsidescale", "outsidescale_sections"),
                     "exponential": ("distance", "offset", "linScale", "_lambda", "xOffset"),
                     "linear": ("distance", "slope", "offset")}
REGION_LABELS = ("Soma", "Dendrite", "ApicalDendrite", "AIS", "Myelin")
#: far-end ``D_soma0`` (µm) beyond which an apical section reaches the tuft (LEGACY_FORMATS §8.2)
TUFT_REACH_UM = 1000.0


class PlainCell:
    """Sections of the plain-NEURON model; ``free()`` drops every reference to them."""

    def __init__(self) -> None:
        self.sections: list[Any] = []
        self.labels: list[str] = []
        self.parents: list[int | None] = []
        self.diameters: list[list[float]] = []
        self.soma_points: list[tuple[float, float, float]] = []

    @property
    def soma(self) -> Any:
        return self.sections[self.labels.index("Soma")]

    def ids(self, label: str) -> list[int]:
        return [i for i, lab in enumerate(self.labels) if lab == label]

    def children(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i, p in enumerate(self.parents):
            if p is not None:
                out.setdefault(p, []).append(i)
        return out

    def free(self) -> None:
        self.sections.clear()


def plain_read_hoc(path: Path, cell: PlainCell) -> None:
    """Create the sections of an ISF-style hoc file (pt3dadd per point) and connect them."""
    connects: dict[int, tuple[str, float]] = {}
    by_name: dict[str, int] = {}
    current = None
    with open(path) as f:
        for line in f:
            if current is not None:
                if "pt3dadd" in line:
                    x, y, z, d = (float(v) for v in line[line.index("(") + 1 : line.index(")")].split(","))
                    h.pt3dadd(x, y, z, d, sec=current)
                    cell.diameters[-1].append(d)
                    if cell.labels[-1] == "Soma":
                        cell.soma_points.append((x, y, z))
                    continue
                if cell.diameters[-1]:
                    current = None
            if "create" in line:
                name = line.replace("{", " ").replace("}", " ").split()[1]
                label = next((lab for needle, lab in HOC_LABELS if needle in line), None)
                if label is None:
                    current = None
                    continue
                current = h.Section(name=name)
                by_name[name] = len(cell.sections)
                cell.sections.append(current)
                cell.labels.append(label)
                cell.parents.append(None)
                cell.diameters.append([])
            if "connect" in line:
                target = line[line.index(",") + 1 :].strip().strip("{}").strip()
                connects[len(cell.sections) - 1] = (target[: target.index("(")], float(target[target.index("(") + 1 : target.index(")")]))
    for child, (parent_name, x) in connects.items():
        parent = by_name[parent_name]
        cell.parents[child] = parent
        cell.sections[child].connect(cell.sections[parent](0.5 if cell.labels[parent] == "Soma" else x), 0)


def plain_add_axon(cell: PlainCell) -> None:
    """Append the Hay-2013 axon straight down from the soma bottom (LEGACY_FORMATS §1.6)."""
    n = len(cell.soma_points)
    cx, cy, cz = cell.soma_points[n // 2]
    z0 = cz - 0.5 * cell.diameters[cell.labels.index("Soma")][n // 2]
    parent, parent_x, offset = cell.labels.index("Soma"), 0.5, 0.0
    for name, label, length, points, d0, d1 in HAY2013_AXON:
        sec = h.Section(name=name)
        diams = [d0 + (d1 - d0) * i / (points - 1) for i in range(points)]
        for i, d in enumerate(diams):
            h.pt3dadd(cx, cy, z0 - (offset + length * i / (points - 1)), d, sec=sec)
        sec.connect(cell.sections[parent](parent_x), 0)
        cell.sections.append(sec)
        cell.labels.append(label)
        cell.parents.append(parent)
        cell.diameters.append(diams)
        parent, parent_x, offset = len(cell.sections) - 1, 1.0, offset + length


def plain_nseg(cell: PlainCell, frequency_hz: float = 100.0) -> None:
    """ISF's d-lambda rule (mid-point diameter, +0.5 rounding); the axon keeps one segment per point."""
    for sec, label, diams in zip(cell.sections, cell.labels, cell.diameters):
        if label in ("AIS", "Myelin"):
            sec.nseg = len(diams)
            continue
        d = diams[len(diams) // 2]
        lam = 1e5 * math.sqrt(d / (4.0 * math.pi * frequency_hz * sec.Ra * sec.cm))
        sec.nseg = 2 * int((sec.L / (0.1 * lam) + 0.5) / 2.0) + 1


def plain_root_distance(cell: PlainCell, label: str) -> tuple[Callable[[Any], float], float]:
    """(D_root of a segment, maxDist) for a label: origin at the 0-end of its first section on the soma."""
    soma = cell.labels.index("Soma")
    roots = [i for i in cell.ids(label) if cell.parents[i] == soma]
    origin = cell.sections[roots[0]](0)
    children = cell.children()
    max_dist, stack = 0.0, list(roots)
    while stack:
        i = stack.pop()
        if i in children:
            stack.extend(children[i])
        else:
            max_dist = max(max_dist, h.distance(origin, cell.sections[i](1)))
    return (lambda seg: h.distance(origin, seg)), max_dist


def plain_mechanisms(cell: PlainCell, label: str, block: Mapping[str, Any]) -> None:
    """Insert one region's range mechanisms with their values, then its ions."""
    ids = cell.ids(label)
    secs = [cell.sections[i] for i in ids]
    distance: Callable[[Any], float] | None = None
    max_dist = 0.0
    soma0 = cell.soma(0)
    for mech, spec in block.get("mechanisms", {}).get("range", {}).items():
        spatial = spec["spatial"]
        if spatial not in DISTRIBUTION_KEYS:
            raise NotImplementedError(f"plain benchmark: spatial {spatial!r}")
        params = {k: v for k, v in spec.items() if k != "spatial" and k not in DISTRIBUTION_KEYS[spatial]}
        for sec in secs:
            sec.insert(mech)
        if spatial == "uniform":
            for name, value in params.items():
                for sec in secs:
                    setattr(sec, f"{name}_{mech}", value)
            continue
        if distance is None:
            distance, max_dist = plain_root_distance(cell, label)
        outside_ids = set(spec.get("outsidescale_sections", ()))
        for sid, sec in zip(ids, secs):
            for seg in sec:
                if spatial == "linear":  # D_soma0, relative: divided by the D_root-based maxDist
                    d = h.distance(soma0, seg)
                    x = d / max_dist if spec["distance"] == "relative" else d
                else:
                    d = distance(seg)
                for name, value in params.items():
                    if spatial == "uniform_range":
                        inside = sid not in outside_ids and spec["begin"] <= d <= spec["end"]
                        v = value if inside else value * spec["outsidescale"]
                    elif spatial == "linear":
                        v = max(value * (1.0 + spec["slope"] * x), value * spec["offset"])
                    else:
                        x = d / max_dist if spec["distance"] == "relative" else d
                        v = value * (spec["offset"] + spec["linScale"] * math.exp(spec["_lambda"] * (x - spec["xOffset"])))
                    setattr(seg, f"{name}_{mech}", v)
    for name, value in block.get("properties", {}).get("ions", {}).items():
        for sec in secs:
            setattr(sec, name, value)


def plain_scale_apical(cell: PlainCell, scale: float) -> None:
    """Every 3D-point diameter of every apical section × ``scale`` (``scale_apical``)."""
    for i in cell.ids("ApicalDendrite"):
        sec = cell.sections[i]
        for j, d in enumerate(cell.diameters[i]):
            h.pt3dchange(j, d * scale, sec=sec)


def plain_scale_apical_morph_86(cell: PlainCell, scale: float = 2.5, n_sections: int = 33) -> None:
    """×2.5 diameters of the first 33 apical sections whose far end is ≤ 1000 µm from soma(0)."""
    soma0 = cell.soma(0)
    done = 0
    for i in cell.ids("ApicalDendrite"):
        if done == n_sections:
            break
        sec = cell.sections[i]
        if h.distance(soma0, sec(1)) > 1000.0:
            continue
        for j, d in enumerate(cell.diameters[i]):
            h.pt3dchange(j, d * scale, sec=sec)
        done += 1


def plain_build(hoc_path: Path, neuron: Mapping[str, Any]) -> PlainCell:
    """The cell of a legacy ``neuron`` block, built with plain NEURON calls (ISF's create_cell order)."""
    cell = PlainCell()
    plain_read_hoc(hoc_path, cell)
    if "AIS" in neuron:
        plain_add_axon(cell)
    regions = {k: v for k, v in neuron.items() if k in REGION_LABELS}
    for label, block in regions.items():
        props = block.get("properties", {})
        for i in cell.ids(label):
            cell.sections[i].Ra = props["Ra"]
            cell.sections[i].cm = props["cm"]
    plain_nseg(cell)
    for label, block in regions.items():
        plain_mechanisms(cell, label, block)
    for name, kwargs in neuron.get("cell_modify_functions", {}).items():
        if name == "scale_apical":
            if kwargs.get("compartment", "ApicalDendrite") != "ApicalDendrite":
                raise NotImplementedError("plain benchmark: scale_apical of the trunk only")
            plain_scale_apical(cell, kwargs["scale"])
        elif name == "scale_apical_morph_86":
            plain_scale_apical_morph_86(cell)
        else:
            raise NotImplementedError(f"plain benchmark: cell_modify_function {name!r}")
    return cell


def plain_trunk_site(cell: PlainCell, distance_um: float) -> tuple[int, float]:
    """(section index, x) of the apical trunk point ``distance_um`` from soma(0) (LEGACY_FORMATS §8.2).

    Candidates: apical sections whose far end lies beyond 1000 µm or that have a candidate child; the
    one with the smallest far-end distance beyond ``distance_um`` (equal distances: the later wins)."""
    soma0 = cell.soma(0)
    apical = set(cell.ids("ApicalDendrite"))
    children = cell.children()
    end = {i: h.distance(soma0, cell.sections[i](1)) for i in apical}
    known: dict[int, bool] = {}

    def qualifies(i: int) -> bool:
        if i not in apical:
            return False
        if i not in known:
            known[i] = end[i] > TUFT_REACH_UM or any(qualifies(c) for c in children.get(i, ()))
        return known[i]

    by_end = {end[i]: i for i in sorted(apical) if qualifies(i)}
    sid = by_end[min(e for e in by_end if e > distance_um)]
    sec = cell.sections[sid]
    return sid, (distance_um - h.distance(soma0, sec(0))) / sec.L


def nearest_segment_centre(sec: Any, x: float) -> float:
    """Centre of the segment of ``sec`` whose centre is closest to ``x`` (first wins on ties)."""
    centres = [(j + 0.5) / sec.nseg for j in range(sec.nseg)]
    return min(centres, key=lambda c: abs(c - x))


def plain_integrate(tstop_ms: float) -> None:
    """ISF's run: CVode, dt 0.025 ms, 34 °C, v_init −75 mV, ``init()``, ``while (t < tstop) fadvance()``."""
    h.CVode().active(1)
    h.dt, h.celsius, h.v_init = 0.025, 34.0, -75.0
    h.tstop = float(f"{tstop_ms:g}")
    h.init()
    h("while (t < tstop) { fadvance() }")


def plain_run(cell: PlainCell, amplitude_nA: float, delay_ms: float, duration_ms: float, tstop_ms: float) -> Trace:
    """IClamp at soma(0.5), CVode, stdrun init() and the fadvance loop; (t, soma v)."""
    clamp = h.IClamp(cell.soma(0.5))
    clamp.amp, clamp.delay, clamp.dur = amplitude_nA, delay_ms, duration_ms
    t_vec, v_vec = h.Vector(), h.Vector()
    t_vec.record(h._ref_t)
    v_vec.record(cell.soma(0.5)._ref_v)
    plain_integrate(tstop_ms)
    trace = np.array(t_vec), np.array(v_vec)
    del clamp, t_vec, v_vec
    return trace


def segment_table(sections: Any, name: str) -> NDArray[np.float64]:
    """``name`` at every segment of ``sections`` (NaN where the mechanism or ion is absent)."""
    return np.array([getattr(seg, name) if hasattr(seg, name) else np.nan for sec in sections for seg in sec])
