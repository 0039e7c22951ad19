"""Anatomical synapses of one presynaptic population on the cell, and who owns them.

Stored column-wise (numpy arrays): a population may have thousands of synapses.
Synapse ID = row index (the 0-based rank of the synapse among its type's rows
in the legacy ``.syn`` file).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.errors import ModelValueError
from isf.model.morphology import Morphology
from isf.model.soma_distance import geometric_soma_distance
from isf.model.validation import fail


def _ints(value: Any) -> NDArray[np.int64]:
    array = np.array(value, dtype=np.int64).reshape(-1)
    array.setflags(write=False)
    return array


def _floats(value: Any) -> NDArray[np.float64]:
    array = np.array(value, dtype=np.float64).reshape(-1)
    array.setflags(write=False)
    return array


def _eq(a: NDArray[Any], b: NDArray[Any]) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


#: value equality of array columns (numpy's ``==`` is elementwise); columns are written out as
#: ``attrs.field(converter=_ints, eq=_ARRAY_EQ, hash=False)`` so that mypy's attrs plugin sees them
_ARRAY_EQ = attrs.cmp_using(eq=_eq)


@attrs.frozen
class SynapseLocation:
    """One synapse.

    Attributes:
        section_id: section it sits on.
        x: relative position (0–1) along the section (as in the ``.syn`` file).
        soma_distance_um: geometric path length to the soma (ISF's synapse-file definition), µm.
        section_pt_id: index of the nearest 3D point of the section (ISF ``section_pt_ID``).
        label: ISF label of the section (``ApicalDendrite``, ``Dendrite``, ``Soma`` …).
    """

    section_id: int
    x: float
    soma_distance_um: float
    section_pt_id: int
    label: str


def _check_columns(instance: Synapses, attribute: attrs.Attribute[Any], value: Any) -> None:
    n = instance.section_id.shape[0]
    for name in ("x", "soma_distance_um", "section_pt_id"):
        if getattr(instance, name).shape[0] != n:
            fail(instance, attribute, f"{name} has {getattr(instance, name).shape[0]} rows", f"{n} rows like section_id")
    if len(instance.labels) != n:
        fail(instance, attribute, f"labels has {len(instance.labels)} rows", f"{n} rows like section_id")
    # NaN compares false with everything: test "inside [0, 1]", not "outside"
    bad_x = ~((instance.x >= 0) & (instance.x <= 1))
    if n and bad_x.any():
        row = int(np.flatnonzero(bad_x)[0])
        fail(instance, attribute, f"x outside [0, 1]: synapse {row} at x = {instance.x[row]}",
             "relative positions in [0, 1]")
    if n and np.any(instance.section_id < 0):
        row = int(np.flatnonzero(instance.section_id < 0)[0])
        fail(instance, attribute, f"negative section ID: synapse {row} on section {instance.section_id[row]}",
             "section IDs >= 0")


@attrs.frozen
class Synapses:
    """The synapses of one population (columns of equal length; row = synapse ID)."""

    section_id: NDArray[np.int64] = attrs.field(converter=_ints, eq=_ARRAY_EQ, hash=False)
    x: NDArray[np.float64] = attrs.field(converter=_floats, eq=_ARRAY_EQ, hash=False)
    soma_distance_um: NDArray[np.float64] = attrs.field(converter=_floats, eq=_ARRAY_EQ, hash=False)
    section_pt_id: NDArray[np.int64] = attrs.field(converter=_ints, eq=_ARRAY_EQ, hash=False)
    labels: tuple[str, ...] = attrs.field(converter=tuple[str, ...], validator=_check_columns)

    def __len__(self) -> int:
        return int(self.section_id.shape[0])

    def __getitem__(self, i: int) -> SynapseLocation:
        return SynapseLocation(int(self.section_id[i]), float(self.x[i]), float(self.soma_distance_um[i]),
                               int(self.section_pt_id[i]), self.labels[i])

    @classmethod
    def empty(cls) -> Synapses:
        """No synapses."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), ())

    @classmethod
    def on(cls, morphology: Morphology, section_id: Any, x: Any) -> Synapses:
        """Synapses at ``(section_id, x)`` on ``morphology``, with their derived columns computed
        as ISF does (nearest 3D point, geometric soma distance, section label).

        Raises:
            ModelValueError: a section ID that is not a section of ``morphology``, an ``x`` outside
                [0, 1] (or NaN), or unequal lengths; the value names the synapse (row).
        """
        from isf.model.morphology import legacy_label

        sids = _ints(section_id)
        xs = _floats(x)
        n_sections = len(morphology.sections)
        if sids.shape != xs.shape:
            raise ModelValueError("Synapses", "x", f"{xs.size} positions for {sids.size} section IDs",
                                  "one x per section ID")
        outside = np.flatnonzero((sids < 0) | (sids >= n_sections))
        if outside.size:
            row = int(outside[0])
            raise ModelValueError("Synapses", "section_id", f"synapse {row} on section {int(sids[row])}",
                                  f"section IDs of the cell's sections 0..{n_sections - 1}")
        bad_x = np.flatnonzero(~((xs >= 0) & (xs <= 1)))
        if bad_x.size:
            row = int(bad_x[0])
            raise ModelValueError("Synapses", "x", f"synapse {row} at x = {float(xs[row])}",
                                  "relative positions in [0, 1]")
        pt = np.empty(sids.shape[0], dtype=np.int64)
        dist = np.empty(sids.shape[0])
        for sid in np.unique(sids):
            rows = np.flatnonzero(sids == sid)
            section = morphology.sections[int(sid)]
            rel = section.relative_points
            # argmin over |rel - x| (first wins on ties), vectorised per section
            pt[rows] = np.argmin(np.abs(rel[None, :] - xs[rows, None]), axis=1)
            base = geometric_soma_distance(morphology, int(sid), 0.0)
            dist[rows] = 0.0 if section.parent is None else base + xs[rows] * morphology.lengths[int(sid)]
        labels = tuple(legacy_label(morphology.sections[int(s)].label) for s in sids)
        return cls(sids, xs, dist, pt, labels)


def _check_connectivity(instance: Connectivity, attribute: attrs.Attribute[Any], value: Any) -> None:
    if instance.cell_id.shape != instance.synapse_id.shape:
        fail(instance, attribute, "cell_id and synapse_id differ in length", "one cell per synapse row")
    if instance.cell_id.size and (instance.cell_id.min() < 0 or instance.synapse_id.min() < 0):
        fail(instance, attribute, "negative ID", "IDs >= 0")


@attrs.frozen
class Connectivity:
    """Which presynaptic cell owns which synapse (legacy ``.con`` rows of one population, in file order).

    Attributes:
        cell_id: presynaptic cell index (0 … cell count − 1) of each row.
        synapse_id: synapse ID (row of :class:`Synapses`) of each row.
    """

    cell_id: NDArray[np.int64] = attrs.field(converter=_ints, eq=_ARRAY_EQ, hash=False)
    synapse_id: NDArray[np.int64] = attrs.field(converter=_ints, eq=_ARRAY_EQ, hash=False,
                                                validator=_check_connectivity)

    def __len__(self) -> int:
        return int(self.cell_id.shape[0])

    @classmethod
    def empty(cls) -> Connectivity:
        """No connections."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
