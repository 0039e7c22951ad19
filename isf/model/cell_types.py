"""Presynaptic cell types of the rat barrel-cortex model and their excitatory/inhibitory class
(LEGACY_FORMATS §4.1).

One table: :data:`EXCITATORY_CELL_TYPES` and :data:`INHIBITORY_CELL_TYPES` are the anatomical classes
(``L1`` cells are GABAergic interneurons, so inhibitory). ISF's own grouping (its
``config.cell_types.EXCITATORY`` list, used for the ``EI`` column of synapse-activation binning) also
lists ``L1`` as excitatory and calls every type not in that list inhibitory; :func:`ei_class`
reproduces that quirk by default (:data:`ISF_EXCITATORY_CELL_TYPES`) so ``EI`` columns agree with
ISF's analyses; pass ``excitatory=EXCITATORY_CELL_TYPES`` to count ``L1`` as inhibitory.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

__all__ = [
    "CELL_TYPES",
    "EXCITATORY_CELL_TYPES",
    "INHIBITORY_CELL_TYPES",
    "ISF_EXCITATORY_CELL_TYPES",
    "EIClass",
    "ei_class",
]

#: ``"EXC"`` or ``"INH"``.
EIClass = Literal["EXC", "INH"]

#: Excitatory presynaptic cell types of the rat barrel-cortex model.
EXCITATORY_CELL_TYPES: tuple[str, ...] = (
    "VPM", "L2", "L34", "L4py", "L4sp", "L4ss", "L5st", "L5tt", "L6cc", "L6ccinv", "L6ct",
)
#: Inhibitory presynaptic cell types of the rat barrel-cortex model.
INHIBITORY_CELL_TYPES: tuple[str, ...] = (
    "SymLocal1", "SymLocal2", "SymLocal3", "SymLocal4", "SymLocal5", "SymLocal6",
    "L1", "L23Trans", "L45Sym", "L45Peak", "L56Trans",
)
#: The 22 cell types in the order of ISF's ``con_file_to_NumberOfConnectedCells_sheet``.
CELL_TYPES: tuple[str, ...] = (
    "L1", "L2", "L23Trans", "L34", "L45Peak", "L45Sym", "L4py", "L4sp", "L4ss", "L56Trans", "L5st", "L5tt",
    "L6cc", "L6ccinv", "L6ct", "SymLocal1", "SymLocal2", "SymLocal3", "SymLocal4", "SymLocal5", "SymLocal6", "VPM",
)
#: ISF's ``config.cell_types.EXCITATORY``: the excitatory types *and* ``L1`` (ISF's quirk, see above).
#: The default of every ``excitatory`` argument.
ISF_EXCITATORY_CELL_TYPES: tuple[str, ...] = (*EXCITATORY_CELL_TYPES, "L1")


def ei_class(cell_type: str, excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES) -> EIClass:
    """``"EXC"`` if ``cell_type`` is in ``excitatory``, else ``"INH"`` (ISF's rule; with the default
    list ``L1`` is ``"EXC"``, see the module documentation)."""
    return "EXC" if cell_type in excitatory else "INH"
