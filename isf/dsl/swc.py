"""Reader and writer of SWC morphologies.

Point types 1–4 map to soma / axon / dend / apic. Soma points form one soma
section; every other section runs between branch points (a new section starts
where the parent point is on the soma, branches, or has another type). A
non-soma section starts with its parent's last point, so the cable is
continuous; children of the soma hang at soma(0.5). SWC stores radii; isf
stores diameters.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import read_legacy_text
from isf.errors import ArgumentValueError, LegacyFormatError, ModelValueError
from isf.model.morphology import Morphology, Section

SWC_TYPES = {1: "soma", 2: "axon", 3: "dend", 4: "apic"}
_TYPE_OF_LABEL = {label: code for code, label in SWC_TYPES.items()}


def parse_swc(text: str, filename: str = "<text>") -> Morphology:
    """Parse SWC text (``id type x y z radius parent`` per line, ``#`` comments).

    Raises:
        LegacyFormatError: with file and line of the offending row.
    """
    rows: dict[int, tuple[int, float, float, float, float, int, int]] = {}
    order: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 7:
            raise LegacyFormatError(filename, lineno, f"expected 7 columns (id type x y z radius parent), found {len(fields)}")
        try:
            pid, ptype = int(fields[0]), int(float(fields[1]))
            x, y, z, r = (float(f) for f in fields[2:6])
            parent = int(fields[6])
        except (ValueError, OverflowError):
            raise LegacyFormatError(filename, lineno, f"non-numeric column in {line!r}") from None
        if not all(math.isfinite(v) for v in (x, y, z, r)):
            raise LegacyFormatError(filename, lineno, f"non-finite coordinate or radius in {line!r}")
        if ptype not in SWC_TYPES:
            raise LegacyFormatError(filename, lineno, f"point type {ptype} is not supported: allowed are "
                                    "1 (soma), 2 (axon), 3 (basal dendrite), 4 (apical dendrite)")
        if pid in rows:
            raise LegacyFormatError(filename, lineno, f"point id {pid} appears twice")
        if r < 0:
            raise LegacyFormatError(filename, lineno, f"negative radius {r}")
        rows[pid] = (ptype, x, y, z, r, parent, lineno)
        order.append(pid)
    if not rows:
        raise LegacyFormatError(filename, None, "no points")
    for pid in order:
        parent, lineno = rows[pid][5], rows[pid][6]
        if parent != -1 and parent not in rows:
            raise LegacyFormatError(filename, lineno, f"point {pid} has unknown parent {parent}")
    children: dict[int, list[int]] = {pid: [] for pid in order}
    for pid in order:
        if rows[pid][5] != -1:
            children[rows[pid][5]].append(pid)
    soma_ids = [pid for pid in order if rows[pid][0] == 1]
    if not soma_ids:
        raise LegacyFormatError(filename, None, "no soma point (type 1)")
    roots = [pid for pid in order if rows[pid][5] == -1]
    if len(roots) != 1 or rows[roots[0]][0] != 1:
        found = ", ".join(f"point {p} (line {rows[p][6]}, type {rows[p][0]})" for p in roots[:5])
        raise LegacyFormatError(filename, None, "the SWC tree must have exactly one root (parent -1), a soma "
                                f"point; found {len(roots)} roots: {found or 'none'}")

    for pid in soma_ids:
        parent, lineno = rows[pid][5], rows[pid][6]
        if parent != -1 and rows[parent][0] != 1:
            raise LegacyFormatError(filename, lineno, f"soma point {pid} hangs on point {parent} of type "
                                    f"{rows[parent][0]}: soma points must hang on soma points")

    def xyz(pid: int) -> tuple[float, float, float]:
        return rows[pid][1], rows[pid][2], rows[pid][3]

    soma_pts = [xyz(p) for p in soma_ids]
    soma_d = [2 * rows[p][4] for p in soma_ids]
    if len(soma_pts) == 1:
        # A one-point soma is a sphere; NEURON's convention is a cylinder of length = diameter.
        (cx, cy, cz), d = soma_pts[0], soma_d[0]
        soma_pts = [(cx, cy - d / 2, cz), (cx, cy, cz), (cx, cy + d / 2, cz)]
        soma_d = [d, d, d]
    sections: list[Section] = [
        _section(filename, rows[soma_ids[0]][6], name="soma", label="soma", parent=None, parent_x=0.0,
                 points=np.array(soma_pts), diameters=np.array(soma_d))
    ]
    section_of_point = {pid: 0 for pid in soma_ids}
    counters: dict[str, int] = {}
    pending = [c for p in soma_ids for c in children[p] if rows[c][0] != 1]
    pending.sort(key=order.index)
    stack = list(reversed(pending))
    while stack:
        start = stack.pop()
        parent_point = rows[start][5]
        label = SWC_TYPES[rows[start][0]]
        pts: list[tuple[float, float, float]] = []
        diams: list[float] = []
        parent_section = section_of_point[parent_point]
        if parent_section != 0:
            pts.append(xyz(parent_point))
            diams.append(2 * rows[parent_point][4])
        pid = start
        while True:
            pts.append(xyz(pid))
            diams.append(2 * rows[pid][4])
            kids = children[pid]
            if len(kids) == 1 and rows[kids[0]][0] == rows[pid][0]:
                section_of_point[pid] = len(sections)
                pid = kids[0]
                continue
            break
        sid = len(sections)
        for p in _walk_back(start, pid, rows):
            section_of_point[p] = sid
        counters[label] = counters.get(label, 0) + 1
        sections.append(
            _section(
                filename, rows[start][6],
                name=f"{label}_{counters[label] - 1}",
                label=label,
                parent=parent_section,
                parent_x=0.5 if parent_section == 0 else 1.0,
                points=np.array(pts),
                diameters=np.array(diams),
            )
        )
        stack.extend(reversed(children[pid]))
    unreached = [pid for pid in order if pid not in section_of_point]
    if unreached:
        raise LegacyFormatError(filename, rows[unreached[0]][6], f"{len(unreached)} points (from point "
                                f"{unreached[0]}) are not connected to the root: their parents form a cycle")
    try:
        return Morphology(tuple(sections), source=filename)
    except ModelValueError as exc:
        raise LegacyFormatError(filename, None, str(exc)) from None


def _section(filename: str, lineno: int, **fields: Any) -> Section:
    """A Section, or a LegacyFormatError at the line of its first point (e.g. every diameter 0)."""
    try:
        return Section(**fields)
    except ModelValueError as exc:
        raise LegacyFormatError(filename, lineno, f"section {fields['name']!r} starting here: {exc}") from None


def _walk_back(start: int, end: int, rows: dict[int, tuple[int, float, float, float, float, int, int]]) -> list[int]:
    out = [end]
    while out[-1] != start:
        out.append(rows[out[-1]][5])
    return out


def read_swc(path: str | os.PathLike[str]) -> Morphology:
    """Read an SWC morphology file."""
    text, filename = read_legacy_text(path, "morphology file")
    return parse_swc(text, filename=filename)


def format_swc(morphology: Morphology, *, generated_axon_as_axon: bool = False) -> str:
    """Write ``morphology`` as SWC (radius = diameter / 2).

    SWC types 1–4 express the labels soma/axon/dend/apic only; with ``generated_axon_as_axon`` the
    generated axon's ais/myelin/node sections are written as axon (type 2), which reads back as
    ``axon`` (lossy), otherwise they are an error.
    """
    lines = ["# written by isf", "# id type x y z radius parent"]
    last_point: dict[int, int] = {}
    next_id = 1
    for sid in morphology.topological_order:
        section = morphology.sections[sid]
        if generated_axon_as_axon and section.label in ("ais", "myelin", "node"):
            section = attrs.evolve(section, label="axon")
        if section.label not in _TYPE_OF_LABEL:
            raise ArgumentValueError(f"section {sid} has label {section.label!r}, which SWC types 1-4 cannot express "
                                     "(write the generated axon as axon with generated_axon_as_axon=True)")
        code = _TYPE_OF_LABEL[section.label]
        points, diams = section.points, section.diameters
        if section.parent is None:
            parent_id = -1
        else:
            parent_id = last_point[section.parent]
            if section.parent != morphology.soma_id and len(points) > 1:
                points, diams = points[1:], diams[1:]
        for (x, y, z), d in zip(points.tolist(), diams.tolist()):
            lines.append(f"{next_id} {code} {x!r} {y!r} {z!r} {d / 2!r} {parent_id}")
            parent_id = next_id
            next_id += 1
        last_point[sid] = parent_id
    return "\n".join(lines) + "\n"


def write_swc(morphology: Morphology, path: str | os.PathLike[str], *, generated_axon_as_axon: bool = False) -> Path:
    """Write ``morphology`` as SWC to ``path`` atomically (nothing is left behind on failure)."""
    path = Path(path)
    atomic_write_text(path, format_swc(morphology, generated_axon_as_axon=generated_axon_as_axon))
    return path
