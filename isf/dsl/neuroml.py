"""NeuroML2 morphologies: write any :class:`~isf.model.morphology.Morphology`, read one back.

Written with the standard library's XML (no libNeuroML needed). What we write
(``<neuroml><cell><morphology>``, NeuroML v2 schema):

* every section of ``n`` points becomes ``n − 1`` segments (one zero-length segment for a
  one-point section), each with explicit ``proximal`` and ``distal`` points (x, y, z, diameter
  in µm, written with full float precision so a round trip is exact);
* every section becomes a ``segmentGroup`` marked as an unbranched section
  (``neuroLexId="sao864921383"``), in section-ID order, whose id is the section name (made a valid
  NeuroML id if needed) with properties ``isf:name``, ``isf:label``, ``isf:parent_x`` (the
  connection point on the parent, 0–1), ``isf:one_point`` for a one-point section and, when the
  section fixes it, the standard ``numberInternalDivisions`` (nseg);
* a section's first segment names as parent the segment of the parent section that holds
  ``parent_x``, with the matching ``fractionAlong``;
* the standard groups ``soma_group``, ``axon_group`` and ``dendrite_group`` (plus
  ``apical_dendrite_group`` and ``basal_dendrite_group``) list the sections by label.

:func:`parse_neuroml` reads our files back to an equal value, and reads other NeuroML2
morphologies: sections from the unbranched-section groups if every segment is in exactly one,
otherwise from unbranched chains of segments; labels from the standard groups.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.errors import FileFormatError, MissingFileError
from isf.model.morphology import Morphology, Section

__all__ = ["format_neuroml", "parse_neuroml", "read_neuroml", "write_neuroml"]

NAMESPACE = "http://www.neuroml.org/schema/neuroml2"
#: NeuroLex id of an unbranched section (NeuroML's convention for a NEURON section).
SECTION_NEUROLEX = "sao864921383"
_NS = {"n": NAMESPACE}
_ID = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Standard NeuroML groups of each canonical label (the first is the one read back).
_GROUPS = {
    "soma": ("soma_group",),
    "axon": ("axon_group",),
    "ais": ("axon_group",),
    "myelin": ("axon_group",),
    "node": ("axon_group",),
    "dend": ("dendrite_group", "basal_dendrite_group"),
    "apic": ("dendrite_group", "apical_dendrite_group"),
}


def _num(value: float) -> str:
    return repr(float(value))


def _section_ids(morphology: Morphology) -> list[str]:
    """A unique NeuroML id per section: its name when that is a valid, unused id."""
    reserved = {"soma_group", "axon_group", "dendrite_group", "apical_dendrite_group", "basal_dendrite_group"}
    out: list[str] = []
    for sid, section in enumerate(morphology.sections):
        name = section.name if _ID.match(section.name) else re.sub(r"[^a-zA-Z0-9_]", "_", f"s{sid}_{section.name}")
        while name in reserved:
            name += "_"
        reserved.add(name)
        out.append(name)
    return out


def _segment_spans(section: Section) -> tuple[np.ndarray, np.ndarray]:
    """Start and end arc length (µm) of each segment of ``section``."""
    steps = np.linalg.norm(np.diff(section.points, axis=0), axis=1)
    ends = np.cumsum(steps) if steps.size else np.zeros(1)
    starts = np.concatenate([[0.0], ends[:-1]]) if steps.size else np.zeros(1)
    return starts, ends


def _attach_point(section: Section, x: float) -> tuple[int, float]:
    """(segment index within ``section``, fractionAlong) of relative position ``x``."""
    starts, ends = _segment_spans(section)
    total = float(ends[-1])
    if total <= 0:
        return (len(starts) - 1 if x >= 1 else 0), float(x)
    target = x * total
    k = min(int(np.searchsorted(ends, target, side="left")), len(ends) - 1)
    length = float(ends[k] - starts[k])
    fraction = 1.0 if length <= 0 else min(max((target - float(starts[k])) / length, 0.0), 1.0)
    return k, fraction


def format_neuroml(morphology: Morphology, cell_id: str = "cell") -> str:
    """``morphology`` as a NeuroML2 document (one ``<cell>`` holding the ``<morphology>``).

    Args:
        morphology: any morphology.
        cell_id: the ``id`` of the ``<cell>`` element (a NeuroML id: letters, digits, ``_``).

    Raises:
        FileFormatError: ``cell_id`` is not a valid NeuroML id.
    """
    if not _ID.match(cell_id):
        raise FileFormatError(None, None, f"cell id {cell_id!r} is not a NeuroML id (letters, digits and _, "
                              "not starting with a digit)")
    ids = _section_ids(morphology)
    first_segment: dict[int, int] = {}
    n_segments = [max(s.n_points - 1, 1) for s in morphology.sections]
    next_id = 0
    for sid in morphology.topological_order:  # parents are written before their children
        first_segment[sid] = next_id
        next_id += n_segments[sid]
    root = ET.Element("neuroml", {"xmlns": NAMESPACE, "id": cell_id})
    ET.SubElement(root, "notes").text = "Morphology written by isf (sections as unbranched segment groups)."
    cell = ET.SubElement(root, "cell", {"id": cell_id})
    morph = ET.SubElement(cell, "morphology", {"id": f"{cell_id}_morphology"})
    for sid in morphology.topological_order:
        section = morphology.sections[sid]
        pts, diams = section.points.tolist(), section.diameters.tolist()
        pairs = [(0, 0)] if section.n_points == 1 else [(i, i + 1) for i in range(section.n_points - 1)]
        for k, (a, b) in enumerate(pairs):
            seg_id = first_segment[sid] + k
            seg = ET.SubElement(morph, "segment", {"id": str(seg_id), "name": f"{ids[sid]}_{k}"})
            if k > 0:
                ET.SubElement(seg, "parent", {"segment": str(seg_id - 1)})
            elif section.parent is not None:
                parent_k, fraction = _attach_point(morphology.sections[section.parent], section.parent_x)
                ET.SubElement(seg, "parent", {"segment": str(first_segment[section.parent] + parent_k),
                                              "fractionAlong": _num(fraction)})
            for tag, i in (("proximal", a), ("distal", b)):
                x, y, z = pts[i]
                ET.SubElement(seg, tag, {"x": _num(x), "y": _num(y), "z": _num(z), "diameter": _num(diams[i])})
    for sid, section in enumerate(morphology.sections):
        group = ET.SubElement(morph, "segmentGroup", {"id": ids[sid], "neuroLexId": SECTION_NEUROLEX})
        properties = {"isf:name": section.name, "isf:label": section.label, "isf:parent_x": _num(section.parent_x)}
        if section.nseg is not None:
            properties["numberInternalDivisions"] = str(section.nseg)
        if section.n_points == 1:  # written as one zero-length segment: read back as one point
            properties["isf:one_point"] = "true"
        for tag, value in properties.items():
            ET.SubElement(group, "property", {"tag": tag, "value": value})
        for k in range(n_segments[sid]):
            ET.SubElement(group, "member", {"segment": str(first_segment[sid] + k)})
    by_group: dict[str, list[int]] = {}
    for sid, section in enumerate(morphology.sections):
        for name in _GROUPS[section.label]:
            by_group.setdefault(name, []).append(sid)
    for name, sids in by_group.items():
        group = ET.SubElement(morph, "segmentGroup", {"id": name})
        for sid in sids:
            ET.SubElement(group, "include", {"segmentGroup": ids[sid]})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_neuroml(morphology: Morphology, path: str | os.PathLike[str], cell_id: str = "cell") -> Path:
    """Write ``morphology`` as NeuroML2 to ``path`` (atomically: nothing is left on failure)."""
    path = Path(path)
    atomic_write_text(path, format_neuroml(morphology, cell_id))
    return path


def read_neuroml(path: str | os.PathLike[str]) -> Morphology:
    """Read the (first) morphology of a NeuroML2 file.

    Raises:
        MissingFileError: no such file.
        FileFormatError: not NeuroML2, or the morphology cannot be made a tree of sections.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"NeuroML file not found: {path}", path)
    return parse_neuroml(path.read_text(encoding="utf-8"), filename=str(path))


# ---------------------------------------------------------------------------------------- reading


class _Segment:
    __slots__ = ("id", "parent", "fraction", "proximal", "distal")

    def __init__(self, seg_id: int, parent: int | None, fraction: float,
                 proximal: tuple[float, ...] | None, distal: tuple[float, ...]) -> None:
        self.id, self.parent, self.fraction = seg_id, parent, fraction
        self.proximal, self.distal = proximal, distal


def _point(element: ET.Element | None, where: str, filename: str) -> tuple[float, ...] | None:
    if element is None:
        return None
    try:
        return tuple(float(element.attrib[k]) for k in ("x", "y", "z", "diameter"))
    except (KeyError, ValueError):
        raise FileFormatError(filename, None, f"{where}: a point needs numeric x, y, z and diameter "
                              f"(found {dict(element.attrib)})") from None


def _segments(morph: ET.Element, filename: str) -> dict[int, _Segment]:
    out: dict[int, _Segment] = {}
    for element in morph.findall("n:segment", _NS):
        try:
            seg_id = int(element.attrib["id"])
            parent_el = element.find("n:parent", _NS)
            parent = None if parent_el is None else int(parent_el.attrib["segment"])
            fraction = 1.0 if parent_el is None else float(parent_el.attrib.get("fractionAlong", 1.0))
        except (KeyError, ValueError):
            raise FileFormatError(filename, None, f"segment {element.attrib.get('id')!r}: needs an integer id and "
                                  "an integer parent segment") from None
        where = f"segment {seg_id}"
        distal = _point(element.find("n:distal", _NS), where, filename)
        if distal is None:
            raise FileFormatError(filename, None, f"{where} has no distal point")
        if seg_id in out:
            raise FileFormatError(filename, None, f"segment id {seg_id} appears twice")
        out[seg_id] = _Segment(seg_id, parent, fraction, _point(element.find("n:proximal", _NS), where, filename),
                               distal)
    if not out:
        raise FileFormatError(filename, None, "the morphology has no segments")
    for seg in out.values():
        if seg.parent is not None and seg.parent not in out:
            raise FileFormatError(filename, None, f"segment {seg.id} names unknown parent segment {seg.parent}")
    return out


def _group_members(groups: dict[str, ET.Element], name: str, seen: frozenset[str] = frozenset()) -> list[int]:
    """Segment ids of a group, following ``include``s."""
    if name not in groups or name in seen:
        return []
    out = [int(m.attrib["segment"]) for m in groups[name].findall("n:member", _NS)]
    for inc in groups[name].findall("n:include", _NS):
        out.extend(_group_members(groups, inc.attrib.get("segmentGroup", ""), seen | {name}))
    return out


def _label_of(members: list[int], groups: dict[str, ET.Element], properties: dict[str, str]) -> str:
    if "isf:label" in properties:
        return properties["isf:label"]
    first = members[0]
    for label, group in (("soma", "soma_group"), ("axon", "axon_group")):
        if first in _group_members(groups, group):
            return label
    if any(first in _group_members(groups, g) for g in groups if "apic" in g.lower()):
        return "apic"
    return "dend"


def parse_neuroml(text: str, filename: str = "<text>") -> Morphology:
    """Parse the (first) morphology of a NeuroML2 document (``<morphology>`` at top level or in a ``<cell>``).

    Raises:
        FileFormatError: not NeuroML2 XML, or not a tree of sections with a soma at the root.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise FileFormatError(filename, exc.position[0], f"not XML: {exc}") from None
    if root.tag != f"{{{NAMESPACE}}}neuroml":
        raise FileFormatError(filename, None, f"root element is {root.tag!r}, expected <neuroml> in namespace "
                              f"{NAMESPACE}")
    morph = root.find("n:morphology", _NS)
    if morph is None:
        morph = root.find("n:cell/n:morphology", _NS)
    if morph is None:
        raise FileFormatError(filename, None, "no <morphology> (top level or inside a <cell>)")
    segments = _segments(morph, filename)
    groups = {g.attrib.get("id", ""): g for g in morph.findall("n:segmentGroup", _NS)}
    section_groups = [g for g in groups.values() if g.attrib.get("neuroLexId") == SECTION_NEUROLEX]
    members = [[int(m.attrib["segment"]) for m in g.findall("n:member", _NS)] for g in section_groups]
    flat = [s for m in members for s in m]
    if section_groups and all(members) and sorted(flat) == sorted(segments):
        names = [g.attrib["id"] for g in section_groups]
        props = [{p.attrib.get("tag", ""): p.attrib.get("value", "") for p in g.findall("n:property", _NS)}
                 for g in section_groups]
    else:
        members = _chains(segments, groups)
        names = [f"section_{i}" for i in range(len(members))]
        props = [{} for _ in members]
    return _assemble(segments, members, names, props, groups, filename)


def _chains(segments: dict[int, _Segment], groups: dict[str, ET.Element]) -> list[list[int]]:
    """Unbranched chains of segments: a chain ends where a segment has not exactly one child, or the
    child has another label or hangs elsewhere than at the end."""
    label = {s: _label_of([s], groups, {}) for s in segments}
    children: dict[int, list[int]] = {s: [] for s in segments}
    for seg in segments.values():
        if seg.parent is not None:
            children[seg.parent].append(seg.id)
    chains: list[list[int]] = []
    starts = [s for s, seg in segments.items() if seg.parent is None]
    while starts:
        chain = [starts.pop(0)]
        while (len(children[chain[-1]]) == 1 and segments[children[chain[-1]][0]].fraction == 1.0
               and label[children[chain[-1]][0]] == label[chain[-1]]):
            chain.append(children[chain[-1]][0])
        chains.append(chain)
        starts.extend(children[chain[-1]])
    return chains


def _assemble(segments: dict[int, _Segment], members: list[list[int]], names: list[str],
              props: list[dict[str, str]], groups: dict[str, ET.Element], filename: str) -> Morphology:
    section_of = {seg: sid for sid, m in enumerate(members) for seg in m}
    sections: list[Section] = []
    for sid, chain in enumerate(members):
        first = segments[chain[0]]
        parent_seg = first.parent
        parent = None if parent_seg is None else section_of[parent_seg]
        if first.proximal is None and parent_seg is None:
            raise FileFormatError(filename, None, f"root segment {first.id} has no proximal point")
        start = _start(segments, first)
        single = props[sid].get("isf:one_point") == "true" and len(chain) == 1
        pts = [start] if single else [start] + [segments[s].distal for s in chain]
        array = np.array(pts, dtype=float)
        if "isf:parent_x" in props[sid]:
            parent_x = float(props[sid]["isf:parent_x"])
        elif parent is None:
            parent_x = 0.0
        else:
            parent_x = _relative_position(segments, members[parent], parent_seg, first.fraction)
        nseg = props[sid].get("numberInternalDivisions")
        try:
            sections.append(Section(name=props[sid].get("isf:name", names[sid]),
                                    label=_label_of(chain, groups, props[sid]), parent=parent, parent_x=parent_x,
                                    points=array[:, :3], diameters=array[:, 3],
                                    nseg=None if nseg is None else int(nseg)))
        except (ValueError, TypeError) as exc:
            raise FileFormatError(filename, None, f"section {names[sid]!r}: {exc}") from None
    try:
        return Morphology(tuple(sections), source=filename)
    except (ValueError, TypeError) as exc:
        raise FileFormatError(filename, None, str(exc)) from None


def _start(segments: dict[int, _Segment], segment: _Segment) -> tuple[float, ...]:
    """A segment's proximal point: its own, or its parent's distal one (NeuroML's default)."""
    if segment.proximal is not None:
        return segment.proximal
    assert segment.parent is not None  # roots without a proximal point are rejected before
    return segments[segment.parent].distal


def _relative_position(segments: dict[int, _Segment], chain: list[int], seg_id: int | None, fraction: float) -> float:
    """Relative position (0–1) along a section of ``fraction`` along its segment ``seg_id``."""
    lengths = []
    for s in chain:
        start = _start(segments, segments[s])
        lengths.append(float(np.linalg.norm(np.subtract(segments[s].distal[:3], start[:3]))))
    total = sum(lengths)
    k = chain.index(seg_id) if seg_id in chain else len(chain) - 1
    if total <= 0:
        return min(max(fraction, 0.0), 1.0)
    return min(max((sum(lengths[:k]) + fraction * lengths[k]) / total, 0.0), 1.0)
