"""Neuron morphology: sections, their 3D points and how they connect.

A :class:`Morphology` is a tree of :class:`Section` values. The position of a
section in :attr:`Morphology.sections` is its *section ID* (the index used by
legacy ``.syn`` files and recording labels). Lengths are in µm.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.errors import ModelValueError
from isf.model.summary import morphology_html, morphology_text
from isf.model.validation import fail, positive_int, unit_interval

#: A canonical region label (NEURON conventions).
Label = Literal["soma", "dend", "apic", "axon", "ais", "myelin", "node"]
#: A region label as ISF writes it (``BasalDendrite`` is also read, as ``Dendrite``).
LegacyLabel = Literal["Soma", "Dendrite", "ApicalDendrite", "Axon", "AIS", "Myelin", "Node"]

_LEGACY_OF: dict[Label, LegacyLabel] = {
    "soma": "Soma",
    "dend": "Dendrite",
    "apic": "ApicalDendrite",
    "axon": "Axon",
    "ais": "AIS",
    "myelin": "Myelin",
    "node": "Node",
}
#: Canonical region labels and the ISF label of each (keyed by ``str``: any string can be looked up).
LABEL_TO_LEGACY: Mapping[str, LegacyLabel] = {label: legacy for label, legacy in _LEGACY_OF.items()}
#: ISF label → canonical label (``BasalDendrite`` is an ISF alias of ``Dendrite``).
LEGACY_TO_LABEL: Mapping[str, Label] = {
    **{legacy: label for label, legacy in _LEGACY_OF.items()},
    "BasalDendrite": "dend",
}
#: every accepted spelling (canonical or ISF) → its canonical label
_CANONICAL: Mapping[str, Label] = {**{label: label for label in _LEGACY_OF}, **LEGACY_TO_LABEL}


def canonical_label(label: str) -> Label:
    """Map an ISF label (``ApicalDendrite``) or a canonical one (``apic``) to canonical form."""
    if label in _CANONICAL:
        return _CANONICAL[label]
    allowed = ", ".join(sorted({*LABEL_TO_LEGACY, *LEGACY_TO_LABEL}))
    raise ModelValueError("label", "name", label, f"one of {allowed}")


def legacy_label(label: str) -> LegacyLabel:
    """The ISF label of a canonical label (``apic`` → ``ApicalDendrite``)."""
    return LABEL_TO_LEGACY[canonical_label(label)]


def _frozen_array(value: Any) -> NDArray[np.float64]:
    array = np.array(value, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


def _array_eq(a: NDArray[Any], b: NDArray[Any]) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _check_points(instance: Section, attribute: attrs.Attribute[Any], value: NDArray[Any]) -> None:
    if value.ndim != 2 or value.shape[1] != 3 or value.shape[0] < 1:
        fail(instance, attribute, value.shape, "an (n, 3) array of x, y, z in µm with n >= 1")
    if not np.all(np.isfinite(value)):
        fail(instance, attribute, "non-finite coordinate", "finite coordinates")


def _check_diameters(instance: Section, attribute: attrs.Attribute[Any], value: NDArray[Any]) -> None:
    if value.ndim != 1 or value.shape[0] != instance.points.shape[0]:
        fail(instance, attribute, value.shape, f"one diameter per point ({instance.points.shape[0]})")
    bad = ~np.isfinite(value) | (value < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        fail(instance, attribute, f"{instance.name}: negative or non-finite diameter {value[i]} at point {i}",
             "finite diameters >= 0 µm")
    # Single zero-diameter points are legal, as in NEURON's pt3dadd and legacy ISF (a tapering tip; the
    # nseg rule falls back to 1 segment for a zero middle diameter). What NEURON cannot simulate is a
    # section whose effective diameter is 0 (zero area, infinite axial resistance): every point 0.
    if not (value > 0).any():
        fail(instance, attribute, f"{instance.name}: every diameter is 0",
             "at least one diameter > 0 µm per section (its effective diameter must be > 0)")


def _check_parent(instance: Section, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0):
        fail(instance, attribute, value, "None (the root) or a section ID >= 0")


def _check_label(instance: Section, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in LABEL_TO_LEGACY:
        fail(instance, attribute, value, "one of " + ", ".join(LABEL_TO_LEGACY))


_array_field = functools.partial(
    attrs.field, converter=_frozen_array, eq=attrs.cmp_using(eq=_array_eq), hash=False
)


@attrs.frozen
class Section:
    """An unbranched cable.

    Attributes:
        name: name of the section in its source file (e.g. hoc ``dend_1_0``).
        label: canonical region label: soma, dend, apic, axon, ais, myelin or node.
        parent: section ID of the parent, ``None`` for the root (the soma).
        parent_x: relative position (0–1) on the parent where this section's 0-end attaches.
        points: 3D points, shape (n, 3), µm.
        diameters: diameter at each point, shape (n,), µm.
        nseg: a fixed number of segments, or ``None`` to let the cell's
            discretisation rule decide (the generated axon fixes it).
    """

    name: str
    label: str = attrs.field(validator=_check_label)
    parent: int | None = attrs.field(validator=_check_parent)
    parent_x: float = attrs.field(converter=float, validator=unit_interval)
    points: NDArray[np.float64] = _array_field(validator=_check_points)
    diameters: NDArray[np.float64] = _array_field(validator=_check_diameters)
    nseg: int | None = attrs.field(default=None, validator=attrs.validators.optional(positive_int))

    @property
    def n_points(self) -> int:
        """Number of 3D points."""
        return int(self.points.shape[0])

    @functools.cached_property
    def length(self) -> float:
        """Polyline length in µm, as NEURON computes ``L``: points stored in single precision,
        their differences taken in single precision, the arc accumulated in double precision."""
        steps = np.linalg.norm(np.diff(self.points.astype(np.float32), axis=0).astype(np.float64), axis=1)
        return float(np.cumsum(steps)[-1]) if steps.size else 0.0

    @functools.cached_property
    def relative_points(self) -> NDArray[np.float64]:
        """Cumulative arc-length fraction of every point (ISF ``relPts``): 0 … 1."""
        steps = np.linalg.norm(np.diff(self.points, axis=0), axis=1)
        cumulative = np.concatenate([[0.0], np.cumsum(steps)])
        total = cumulative[-1]
        if total <= 0:
            return _frozen_array(np.zeros(self.n_points))
        return _frozen_array(cumulative / total)

    @property
    def mid_diameter(self) -> float:
        """Diameter at the middle 3D point ``floor(n/2)`` (used by ISF's nseg rule), µm."""
        return float(self.diameters[self.n_points // 2])

    def point_index(self, x: float) -> int:
        """ISF ``section_pt_ID``: index of the point whose relative position is closest to ``x``.

        Ties go to the lowest index.
        """
        return int(np.argmin(np.abs(self.relative_points - x)))


def _check_sections(instance: Morphology, attribute: attrs.Attribute[Any], value: tuple[Section, ...]) -> None:
    """One root labelled soma, parents that exist, a tree (every parent chain reaches the root) and
    distinct section names; vectorised with numpy because cells are rebuilt many times in a fit."""
    if not value:
        fail(instance, attribute, value, "at least one section (the soma)")
    for section in value:
        if not isinstance(section, Section):
            fail(instance, attribute, section, "Section values")
    n = len(value)
    # -1 marks the root; parents outside 0..n-1 are reported before anything walks the tree
    parents = np.fromiter((-1 if s.parent is None else s.parent for s in value), dtype=np.int64, count=n)
    roots = np.flatnonzero(parents == -1)
    if roots.size != 1:
        fail(instance, attribute, f"{roots.size} root sections", "exactly one root section (the soma)")
    root = int(roots[0])
    if value[root].label != "soma":
        fail(instance, attribute, f"root section {root} labelled {value[root].label!r}",
             "a root section labelled 'soma'")
    outside = np.flatnonzero(parents >= n)  # Section refuses negative parents
    if outside.size:
        i = int(outside[0])
        fail(instance, attribute, f"section {i} ({value[i].name}) parent {value[i].parent}",
             f"a parent section ID in 0..{n - 1}")
    # pointer jumping: after ceil(log2 n) + 1 squarings every chain that reaches the root sits on it;
    # a section still elsewhere hangs on (or is in) a cycle
    ancestor = parents.copy()
    ancestor[root] = root
    for _ in range(max(1, int(n).bit_length()) + 1):
        ancestor = ancestor[ancestor]
    lost = np.flatnonzero(ancestor != root)
    if lost.size:
        i = int(lost[0])
        chain = [i]
        while parents[chain[-1]] not in chain:
            chain.append(int(parents[chain[-1]]))
        cycle = chain[chain.index(int(parents[chain[-1]])):]
        shown = ", ".join(f"{c} ({value[c].name})" for c in cycle[:6])
        fail(instance, attribute, f"cycle through section {i} ({value[i].name}): parents loop over {shown}",
             "a tree: every section's parent chain reaches the root (soma)")
    names = [s.name for s in value]
    if len(set(names)) != n:
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                fail(instance, attribute, f"section name {name!r} used by sections {seen[name]} and {i}",
                     "distinct section names")
            seen[name] = i


@attrs.frozen
class Morphology:
    """A tree of sections; ``sections[i]`` has section ID ``i``.

    Attributes:
        sections: the sections in section-ID order.
        source: the file it was read from, if any (not part of value equality).
    """

    sections: tuple[Section, ...] = attrs.field(converter=tuple[Section, ...], validator=_check_sections)
    source: str | None = attrs.field(default=None, eq=False)

    def __len__(self) -> int:
        return len(self.sections)

    @functools.cached_property
    def soma_id(self) -> int:
        """Section ID of the root (soma) section."""
        return next(i for i, s in enumerate(self.sections) if s.parent is None)

    @functools.cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        """Child section IDs of every section, in section order."""
        kids: list[list[int]] = [[] for _ in self.sections]
        for i, section in enumerate(self.sections):
            if section.parent is not None:
                kids[section.parent].append(i)
        return tuple(tuple(k) for k in kids)

    @functools.cached_property
    def lengths(self) -> NDArray[np.float64]:
        """Length ``L`` of every section, µm."""
        return _frozen_array([s.length for s in self.sections])

    @functools.cached_property
    def labels(self) -> tuple[str, ...]:
        """Canonical label of every section."""
        return tuple(s.label for s in self.sections)

    def ids_with_label(self, label: str) -> tuple[int, ...]:
        """Section IDs carrying ``label`` (canonical or ISF spelling), in section order."""
        wanted = canonical_label(label)
        return tuple(i for i, lab in enumerate(self.labels) if lab == wanted)

    @functools.cached_property
    def topological_order(self) -> tuple[int, ...]:
        """Section IDs ordered so that every parent precedes its children."""
        order: list[int] = []
        stack = [self.soma_id]
        while stack:
            i = stack.pop()
            order.append(i)
            stack.extend(reversed(self.children[i]))
        return tuple(order)

    def subtree(self, root: int) -> tuple[int, ...]:
        """Section IDs of the subtree rooted at ``root`` (depth first, ``root`` first)."""
        out: list[int] = []
        stack = [root]
        while stack:
            i = stack.pop()
            out.append(i)
            stack.extend(reversed(self.children[i]))
        return tuple(out)

    @functools.cached_property
    def soma_center(self) -> NDArray[np.float64]:
        """The soma's middle 3D point ``pts[floor(n/2)]`` (ISF's soma centre), µm."""
        soma = self.sections[self.soma_id]
        return _frozen_array(soma.points[soma.n_points // 2])

    def with_diameters(self, diameters: Mapping[int, NDArray[np.float64]]) -> Morphology:
        """A copy with the point diameters of the given sections replaced."""
        sections = list(self.sections)
        for sid, diam in diameters.items():
            sections[sid] = attrs.evolve(sections[sid], diameters=diam)
        return Morphology(tuple(sections), source=self.source)

    def with_sections(self, extra: tuple[Section, ...]) -> Morphology:
        """A copy with ``extra`` sections appended (their IDs follow the existing ones)."""
        return Morphology(self.sections + tuple(extra), source=self.source)

    def __repr__(self) -> str:
        return morphology_text(self)

    def _repr_html_(self) -> str:
        return morphology_html(self)
