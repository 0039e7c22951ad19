"""Reader and writer of ISF-style ``.hoc`` morphologies (LEGACY_FORMATS §1).

ISF does not interpret hoc: it scans lines for substrings. This reader
follows the same rules, so section IDs (the order of recognised ``create``
lines) agree with every legacy ``.syn`` file and recording label:

* a line with both ``/*`` and ``*/`` is skipped;
* ``create`` lines make a section labelled by case-sensitive substrings:
  ``soma`` → soma, ``dend``/``BasalDendrite`` → dend, ``apical`` → apic,
  ``axon`` → axon; other sections (e.g. barrel contours) are ignored;
* ``pt3dadd(x, y, z, d)`` lines add points (``d`` = diameter) to the section
  being read; ``Spine`` lines are skipped; the first other line after a
  point closes the section;
* a ``connect`` line sets the parent of the last recognised section to the
  ``name(x)`` after its first comma; children of the soma are re-attached at
  soma(0.5) and every child hangs by its 0-end.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from isf.dsl.text_fields import read_legacy_text
from isf.errors import ArgumentValueError, LegacyFormatError, ModelValueError
from isf.model.morphology import Morphology, Section

_LABEL_TESTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("soma",), "soma"),
    (("dend", "BasalDendrite"), "dend"),
    (("apical",), "apic"),
    (("axon",), "axon"),
)


class _Draft:
    def __init__(self, name: str, label: str, line: int) -> None:
        self.name = name
        self.label = label
        self.line = line
        self.points: list[tuple[float, float, float]] = []
        self.diameters: list[float] = []
        self.parent: str | None = None
        self.parent_x = 0.0
        self.connect_line = 0


def _labels_of(line: str) -> list[str]:
    return [label for needles, label in _LABEL_TESTS if any(n in line for n in needles)]


def _parse_pt3dadd(line: str, filename: str, lineno: int) -> tuple[float, float, float, float]:
    start = line.find("(")
    end = line.find(")", start + 1)
    if start < 0 or end < 0:
        raise LegacyFormatError(filename, lineno, f"pt3dadd without '(x, y, z, diameter)': {line.strip()!r}")
    fields = line[start + 1 : end].split(",")
    if len(fields) != 4:
        raise LegacyFormatError(
            filename, lineno, f"pt3dadd needs 4 numbers (x, y, z, diameter), found {len(fields)}: {line.strip()!r}"
        )
    try:
        x, y, z, d = (float(f) for f in fields)
    except ValueError:
        raise LegacyFormatError(filename, lineno, f"pt3dadd has a non-number: {line.strip()!r}") from None
    if not all(math.isfinite(v) for v in (x, y, z, d)):
        raise LegacyFormatError(filename, lineno, f"pt3dadd has a non-finite coordinate or diameter (allowed are "
                                f"finite numbers): {line.strip()!r}")
    if d < 0:
        raise LegacyFormatError(filename, lineno, f"pt3dadd has a negative diameter {d} (allowed is >= 0 µm): "
                                f"{line.strip()!r}")
    return x, y, z, d


def _parse_connect(line: str, filename: str, lineno: int) -> tuple[str, float]:
    comma = line.find(",")
    if comma < 0:
        raise LegacyFormatError(filename, lineno, f"connect without ', parent(x)': {line.strip()!r}")
    target = line[comma + 1 :].strip().strip("{}").strip()
    open_ = target.find("(")
    close = target.find(")", open_ + 1)
    if open_ <= 0 or close < 0:
        raise LegacyFormatError(filename, lineno, f"connect target is not 'parent(x)': {target!r}")
    name = target[:open_].strip()
    try:
        x = float(target[open_ + 1 : close])
    except ValueError:
        raise LegacyFormatError(filename, lineno, f"connect position is not a number: {target!r}") from None
    if not 0.0 <= x <= 1.0:
        raise LegacyFormatError(filename, lineno, f"connect position {x} is outside [0, 1]")
    return name, x


def parse_hoc(text: str, filename: str = "<text>") -> Morphology:
    """Parse the text of an ISF-style hoc morphology.

    Raises:
        LegacyFormatError: with file and line of the offending statement.
    """
    drafts: list[_Draft] = []
    by_name: dict[str, int] = {}
    reading: _Draft | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "/*" in line and "*/" in line:
            continue
        if reading is not None:
            if "Spine" in line:
                continue
            if "pt3dadd" in line:
                x, y, z, d = _parse_pt3dadd(line, filename, lineno)
                reading.points.append((x, y, z))
                reading.diameters.append(d)
                continue
            if reading.points:
                reading = None
        if "create" in line:
            tokens = line.replace("{", " ").replace("}", " ").split()
            if len(tokens) < 2:
                raise LegacyFormatError(filename, lineno, f"create without a section name: {line.strip()!r}")
            name = tokens[1]
            labels = _labels_of(line)
            if len(labels) > 1:
                raise LegacyFormatError(
                    filename, lineno,
                    f"section name {name!r} matches several labels ({', '.join(labels)}); ISF would register it "
                    "twice and fail. Rename it so that only one of soma / dend / apical / axon occurs",
                )
            if "[" in name:
                raise LegacyFormatError(
                    filename, lineno, f"section arrays ({name!r}) are not supported by ISF-style hoc files"
                )
            if not labels:
                reading = None
                continue
            if name in by_name:
                raise LegacyFormatError(filename, lineno, f"section {name!r} is created twice")
            by_name[name] = len(drafts)
            reading = _Draft(name, labels[0], lineno)
            drafts.append(reading)
        if "connect" in line:
            if not drafts:
                raise LegacyFormatError(filename, lineno, "connect before any recognised create")
            parent, x = _parse_connect(line, filename, lineno)
            child = drafts[-1]
            child.parent, child.parent_x, child.connect_line = parent, x, lineno
    return _assemble(drafts, by_name, filename)


def _assemble(drafts: list[_Draft], by_name: dict[str, int], filename: str) -> Morphology:
    if not drafts:
        raise LegacyFormatError(filename, None, "no soma/dend/apical/axon section found")
    sections = []
    for draft in drafts:
        if not draft.points:
            raise LegacyFormatError(filename, draft.line, f"section {draft.name!r} has no pt3dadd points")
        if draft.parent is None and draft.label != "soma":
            raise LegacyFormatError(filename, draft.line, f"section {draft.name!r} is never connected to a parent")
        if draft.parent is not None and draft.parent not in by_name:
            raise LegacyFormatError(
                filename, draft.connect_line,
                f"{draft.name!r} is connected to {draft.parent!r}, which is not a soma/dend/apical/axon section",
            )
        parent = None if draft.parent is None else by_name[draft.parent]
        parent_x = draft.parent_x
        if parent is not None and drafts[parent].label == "soma":
            parent_x = 0.5
        try:
            sections.append(
                Section(
                    name=draft.name,
                    label=draft.label,
                    parent=parent,
                    parent_x=parent_x,
                    points=np.array(draft.points, dtype=float),
                    diameters=np.array(draft.diameters, dtype=float),
                )
            )
        except ModelValueError as exc:
            raise LegacyFormatError(filename, draft.line, f"section {draft.name!r}: {exc}") from None
    try:
        return Morphology(tuple(sections), source=filename)
    except ModelValueError as exc:
        # the tree checks name "section <ID> (<name>)"; point at that section's connect (or create) line
        named = re.search(r"section (\d+) \(", str(exc.value))
        line = None
        if named and int(named.group(1)) < len(drafts):
            draft = drafts[int(named.group(1))]
            line = draft.connect_line or draft.line
        raise LegacyFormatError(filename, line, str(exc)) from None


def read_hoc(path: str | os.PathLike[str]) -> Morphology:
    """Read an ISF-style ``.hoc`` morphology (the name must end in ``.hoc``/``.HOC``)."""
    path = Path(path)
    if path.suffix not in (".hoc", ".HOC"):
        raise LegacyFormatError(path, None, "a hoc morphology file name must end in .hoc or .HOC")
    text, filename = read_legacy_text(path, "morphology file")
    return parse_hoc(text, filename=filename)


def format_hoc(morphology: Morphology) -> str:
    """Write ``morphology`` as ISF-style hoc that :func:`parse_hoc` reads back to an equal value.

    Section names are made to carry their label (``soma``, ``dend``, ``apical``,
    ``axon``) so ISF recognises them. Generated axon sections (ais/myelin) are
    not hoc sections in ISF and cannot be written.
    """
    prefix = {"soma": "soma", "dend": "dend", "apic": "apical", "axon": "axon"}
    names: list[str] = []
    used: set[str] = set()
    for sid, section in enumerate(morphology.sections):
        if section.label not in prefix:
            raise ArgumentValueError(f"section {sid} has label {section.label!r}, which ISF hoc files cannot express")
        # keep a name only if it is a unique hoc identifier that carries exactly its label
        ok = (_labels_of(section.name) == [section.label] and section.name.isidentifier()
              and section.name.isascii() and "create" not in section.name and "connect" not in section.name
              and section.name not in used)
        name = section.name if ok else f"{prefix[section.label]}_{sid}"
        while name in used:
            name += "_"
        used.add(name)
        names.append(name)
    lines: list[str] = []
    for sid, section in enumerate(morphology.sections):
        lines.append(f"{{create {names[sid]}}}")
        if section.parent is not None:
            lines.append(f"{{connect {names[sid]}(0), {names[section.parent]}({section.parent_x!r})}}")
        lines.append(f"{{access {names[sid]}}}")
        lines.append("{nseg = 1}")
        lines.append("{pt3dclear()}")
        for (x, y, z), d in zip(section.points.tolist(), section.diameters.tolist()):
            lines.append(f"{{pt3dadd({x!r},{y!r},{z!r},{d!r})}}")
        lines.append("")
    return "\n".join(lines)
