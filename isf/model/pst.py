"""Postsynaptic-target (PST) densities of a postsynaptic cell type (LEGACY_FORMATS §9.1, §9.2 step 3).

The connections spreadsheet gives, per presynaptic class (excitatory / inhibitory) and
postsynaptic cell type, how many postsynaptic targets a µm of neurite and a µm² of membrane
offer on each structure. A voxel's PST value is ``length_S · Len_S + area_S · Area_S``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

import attrs

from isf.model.cell_types import EIClass
from isf.model.validation import fail, non_negative, one_of, to_float

__all__ = ["PRESYNAPTIC_CLASSES", "STRUCTURES", "PSTDensities", "Structure", "misplaced_densities"]

#: A neurite structure that receives synapses (ISF labels).
Structure = Literal["Soma", "ApicalDendrite", "Dendrite"]
#: Presynaptic classes, in the order ISF uses them.
PRESYNAPTIC_CLASSES: tuple[EIClass, ...] = get_args(EIClass)
#: Neurite structures, in the order they are sampled.
STRUCTURES: tuple[Structure, ...] = get_args(Structure)


def _density(**kwargs: Any) -> Any:
    return attrs.field(converter=to_float, validator=non_negative, **kwargs)


@attrs.frozen
class PSTDensities:
    """PST constants of one presynaptic class onto one postsynaptic cell type.

    Attributes:
        presynaptic_class: ``"EXC"`` or ``"INH"``.
        postsynaptic_type: the postsynaptic cell type (``"L5tt"``).
        soma_length: targets per µm of soma length, 1/µm.
        apical_length: targets per µm of apical dendrite, 1/µm.
        basal_length: targets per µm of basal dendrite, 1/µm.
        soma_area: targets per µm² of soma membrane, 1/µm².
        apical_area: targets per µm² of apical membrane, 1/µm².
        basal_area: targets per µm² of basal membrane, 1/µm².
    """

    presynaptic_class: EIClass = attrs.field(validator=one_of(PRESYNAPTIC_CLASSES))
    postsynaptic_type: str = attrs.field()
    soma_length: float = _density()
    apical_length: float = _density()
    basal_length: float = _density()
    soma_area: float = _density()
    apical_area: float = _density()
    basal_area: float = _density()

    @postsynaptic_type.validator
    def _check_type(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            fail(
                self, attribute, value, "a non-empty cell type name without whitespace"
            )

    def per_structure(self) -> dict[Structure, tuple[float, float]]:
        """Structure (ISF label) → (per-length constant 1/µm, per-area constant 1/µm²)."""
        return {
            "Soma": (self.soma_length, self.soma_area),
            "ApicalDendrite": (self.apical_length, self.apical_area),
            "Dendrite": (self.basal_length, self.basal_area),
        }


def misplaced_densities(table: Mapping[str, Mapping[str, Any]]) -> tuple[str, str, Any] | None:
    """The first ``(post, klass, value)`` of a ``{postsynaptic type: {class: PSTDensities}}`` table
    whose value is not the :class:`PSTDensities` of ``klass`` onto ``post``; ``None`` if all are."""
    for post, per_class in table.items():
        for klass, pst in per_class.items():
            if (
                not isinstance(pst, PSTDensities)
                or pst.presynaptic_class != klass
                or pst.postsynaptic_type != post
            ):
                return post, klass, pst
    return None
