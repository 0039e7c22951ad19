"""The dense-connectome model a cell is embedded in (LEGACY_FORMATS §9.1).

A :class:`DenseConnectome` holds everything the input mapper reads: presynaptic cell counts per
area and cell type, the PST constants per postsynaptic type, the excitatory and inhibitory PST
normalisation fields, and the bouton-density fields of the reconstructed single axons of every
(area, cell type). :func:`read_connectome` loads the legacy folder layout::

    <folder>/nrCells.csv                                   cell-number spreadsheet
    <folder>/ConnectionsV8.csv                             connections spreadsheet
    <folder>/PST/EXNormalizationPSTs.am                    excitatory PST normalisation field
    <folder>/PST/INHNormalizationPSTs.am                   inhibitory (also INHNormalizationsPSTs.am)
    <folder>/singleaxon_boutons_ascii/<area>/<celltype>/*.am   one bouton field per axon

and :func:`write_connectome` writes it (the synthetic model shipped with isf is made that way).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from tqdm.auto import tqdm

from isf.errors import ArgumentValueError, LegacyFormatError, MissingFileError
from isf.model.cell_types import EXCITATORY_CELL_TYPES, INHIBITORY_CELL_TYPES
from isf.model.density_field import ScalarField
from isf.model.pst import PRESYNAPTIC_CLASSES, PSTDensities, misplaced_densities
from isf.model.validation import fail

__all__ = ["DEFAULT_CLASSES", "DenseConnectome", "read_connectome", "write_connectome"]

#: Presynaptic class of the 22 cell types of the rat barrel-cortex model.
DEFAULT_CLASSES: Mapping[str, str] = {
    **dict.fromkeys(EXCITATORY_CELL_TYPES, "EXC"),
    **dict.fromkeys(INHIBITORY_CELL_TYPES, "INH"),
}

CELL_COUNTS_FILE = "nrCells.csv"
CONNECTIONS_FILE = "ConnectionsV8.csv"
NORMALISATION_FILES: Mapping[str, tuple[str, ...]] = {
    "EXC": ("PST/EXNormalizationPSTs.am",),
    "INH": ("PST/INHNormalizationPSTs.am", "PST/INHNormalizationsPSTs.am"),
}
BOUTONS_DIR = "singleaxon_boutons_ascii"


def _check_counts(
    instance: DenseConnectome, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if not isinstance(value, Mapping) or not value:
        fail(
            instance,
            attribute,
            value,
            "a non-empty mapping {area: {celltype: number of cells}}",
        )
    for area, per_type in value.items():
        if not isinstance(per_type, Mapping):
            fail(
                instance,
                attribute,
                {area: per_type},
                "a mapping {celltype: number of cells} per area",
            )
        for celltype, n in per_type.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                fail(
                    instance,
                    attribute,
                    {area: {celltype: n}},
                    "integer cell counts >= 0",
                )


def _check_connections(
    instance: DenseConnectome, attribute: attrs.Attribute[Any], value: Any
) -> None:
    misplaced = misplaced_densities(value)
    if misplaced is not None:
        post, klass, pst = misplaced
        fail(instance, attribute, {post: {klass: pst}}, f"the PSTDensities of {klass} onto {post}")


def _check_normalisation(
    instance: DenseConnectome, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if set(value) != set(PRESYNAPTIC_CLASSES) or not all(
        isinstance(f, ScalarField) for f in value.values()
    ):
        fail(
            instance,
            attribute,
            sorted(value),
            "a ScalarField for each of 'EXC' and 'INH'",
        )


def _check_boutons(
    instance: DenseConnectome, attribute: attrs.Attribute[Any], value: Any
) -> None:
    for key, fields in value.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            fail(instance, attribute, key, "keys (area, celltype)")
        area, celltype = key
        if (
            area not in instance.cell_counts
            or celltype not in instance.cell_counts[area]
        ):
            fail(
                instance, attribute, key, "(area, celltype) pairs listed in cell_counts"
            )
        if not all(isinstance(f, ScalarField) for f in fields):
            fail(instance, attribute, key, "tuples of ScalarField values")
        if celltype not in instance.presynaptic_classes:
            fail(
                instance,
                attribute,
                key,
                "cell types with a presynaptic class (see presynaptic_classes)",
            )


def _check_classes(
    instance: DenseConnectome, attribute: attrs.Attribute[Any], value: Any
) -> None:
    for celltype, klass in value.items():
        if klass not in PRESYNAPTIC_CLASSES:
            fail(instance, attribute, {celltype: klass}, "classes 'EXC' or 'INH'")


def _class_dict(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _tuple_values(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: tuple(v) for k, v in value.items()}
    return value


@attrs.frozen(eq=False)
class DenseConnectome:
    """Anatomical density model of a cortical volume.

    Attributes:
        cell_counts: area → presynaptic cell type → number of cells (order = write order).
        connections: postsynaptic type → presynaptic class → PST constants.
        normalisation: presynaptic class → summed PST field of the whole network (targets per voxel).
        boutons: (area, cell type) → bouton fields of the reconstructed axons (boutons per voxel).
        presynaptic_classes: cell type → ``"EXC"``/``"INH"`` (default: the barrel-cortex model's).
        source: where it was read from (not part of the value).
    """

    cell_counts: dict[str, dict[str, int]] = attrs.field(validator=_check_counts)
    connections: dict[str, dict[str, PSTDensities]] = attrs.field(
        validator=_check_connections
    )
    normalisation: dict[str, ScalarField] = attrs.field(validator=_check_normalisation)
    presynaptic_classes: dict[str, str] = attrs.field(
        factory=lambda: dict(DEFAULT_CLASSES), converter=_class_dict, validator=_check_classes
    )
    boutons: dict[tuple[str, str], tuple[ScalarField, ...]] = attrs.field(
        factory=dict, converter=_tuple_values, validator=_check_boutons
    )
    source: str | None = None

    @property
    def areas(self) -> tuple[str, ...]:
        """Anatomical areas in spreadsheet order."""
        return tuple(self.cell_counts)

    @property
    def cell_types(self) -> tuple[str, ...]:
        """Presynaptic cell types in spreadsheet order (of the first area, then any others)."""
        seen: dict[str, None] = {}
        for per_type in self.cell_counts.values():
            seen.update(dict.fromkeys(per_type))
        return tuple(seen)

    def pst(self, postsynaptic_type: str) -> dict[str, PSTDensities]:
        """PST constants of ``postsynaptic_type`` for each presynaptic class."""
        if postsynaptic_type not in self.connections:
            raise ArgumentValueError(
                f"postsynaptic cell type {postsynaptic_type!r} is not in the connections spreadsheet; "
                f"known: {', '.join(self.connections)}"
            )
        per_class = self.connections[postsynaptic_type]
        missing = [k for k in PRESYNAPTIC_CLASSES if k not in per_class]
        if missing:
            raise ArgumentValueError(
                f"no {'/'.join(missing)} PST constants for {postsynaptic_type}"
            )
        return per_class


def _find(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise MissingFileError(
        f"{what} not found in {folder}: expected {' or '.join(names)}"
    )


def read_connectome(
    folder: str | os.PathLike[str],
    presynaptic_classes: Mapping[str, str] = DEFAULT_CLASSES,
    crop: bool = True,
    progress: bool = True,
) -> DenseConnectome:
    """Read a dense-connectome model from its legacy folder layout (see module docstring).

    Args:
        folder: the model folder.
        presynaptic_classes: cell type → ``"EXC"``/``"INH"``.
        crop: crop every field to its non-zero voxels, as ISF does (saves memory; no other effect).
        progress: show a progress bar while reading bouton fields.
    """
    from isf.dsl.amira import read_amira_field
    from isf.dsl.connectome_tables import read_cell_counts, read_connections

    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError(f"dense-connectome folder not found: {folder}")
    counts = read_cell_counts(
        _find(folder, (CELL_COUNTS_FILE,), "cell-number spreadsheet")
    )
    connections = read_connections(
        _find(folder, (CONNECTIONS_FILE,), "connections spreadsheet")
    )

    def load(path: Path) -> ScalarField:
        field = read_amira_field(path)
        return field.cropped() if crop else field

    normalisation = {
        k: load(_find(folder, names, f"{k} PST normalisation field"))
        for k, names in NORMALISATION_FILES.items()
    }
    jobs = [
        (area, celltype)
        for area, per_type in counts.items()
        for celltype in per_type
        if (folder / BOUTONS_DIR / area / celltype).is_dir()
    ]
    boutons: dict[tuple[str, str], tuple[ScalarField, ...]] = {}
    for area, celltype in tqdm(
        jobs, desc="bouton fields", unit="type", disable=not progress
    ):
        files = sorted((folder / BOUTONS_DIR / area / celltype).glob("*.am"))
        if files:
            boutons[(area, celltype)] = tuple(load(p) for p in files)
    classes = dict(presynaptic_classes)
    unknown = sorted({c for _, c in boutons} - set(classes))
    if unknown:
        raise LegacyFormatError(
            folder,
            None,
            f"no presynaptic class (EXC/INH) for cell types {', '.join(unknown)}; pass "
            "presynaptic_classes={celltype: 'EXC' or 'INH'}",
        )
    return DenseConnectome(
        counts, connections, normalisation, classes, boutons, source=str(folder)
    )


def write_connectome(folder: str | os.PathLike[str], model: DenseConnectome) -> Path:
    """Write ``model`` in the legacy folder layout; the folder appears whole or not at all.

    Raises:
        FileExistsError: ``folder`` exists.
    """
    from isf.dsl.amira import write_amira_field
    from isf.dsl.connectome_tables import write_cell_counts, write_connections

    folder = Path(folder)
    if folder.exists():
        raise FileExistsError(f"{folder} exists; choose a new folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        write_cell_counts(tmp / CELL_COUNTS_FILE, model.cell_counts)
        write_connections(tmp / CONNECTIONS_FILE, model.connections)
        (tmp / "PST").mkdir()
        for klass, field in model.normalisation.items():
            write_amira_field(tmp / NORMALISATION_FILES[klass][0], field)
        for (area, celltype), fields in model.boutons.items():
            sub = tmp / BOUTONS_DIR / area / celltype
            sub.mkdir(parents=True)
            for i, field in enumerate(fields):
                write_amira_field(sub / f"{celltype}_{area}_axon{i:03d}.am", field)
        tmp.chmod(0o755)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
