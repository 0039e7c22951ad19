"""Reader and writer of ASCII AmiraMesh scalar fields ``.am`` (LEGACY_FORMATS §5.9).

The bouton densities of single axons and the postsynaptic-target (PST) normalisation fields of
the dense-connectome model are stored this way::

    # AmiraMesh 3D ASCII 2.0
    define Lattice 20 18 36
    Parameters {
        BoundingBox -375 575 75 925 -475 1275,
        Spacing 50 50 50,
        CoordType "uniform"
    }
    Lattice { float Data } @1
    @1
    0.0
    ...

``BoundingBox`` gives the centres of the first and last voxel; the data (after the first line
that *starts* with ``@1``) list one value per voxel, x index fastest, then y, then z. As ISF's
input mapper does, the voxel size is ``Spacing`` when present (otherwise it is derived from the
bounding box and the lattice) and the lattice origin is ``BoundingBox min − Spacing/2``.
Values are written with ``repr`` so reading a written field gives it back exactly.
"""

from __future__ import annotations

import os

import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import read_legacy_text
from isf.errors import LegacyFormatError, ModelValueError
from isf.model.density_field import ScalarField

__all__ = [
    "format_amira_field",
    "parse_amira_field",
    "read_amira_field",
    "write_amira_field",
]


def _numbers(
    line: str, keyword: str, count: int, filename: str, lineno: int
) -> list[float]:
    tokens = line.replace(",", " ").split()
    try:
        start = tokens.index(keyword) + 1
        values = [float(t) for t in tokens[start : start + count]]
    except ValueError:
        raise LegacyFormatError(
            filename, lineno, f"{keyword} needs {count} numbers: {line.strip()!r}"
        ) from None
    if len(values) != count:
        raise LegacyFormatError(
            filename,
            lineno,
            f"{keyword} needs {count} numbers, found {len(values)}: {line.strip()!r}",
        )
    return values


def parse_amira_field(text: str, filename: str = "<text>") -> ScalarField:
    """Parse the text of an ASCII AmiraMesh scalar field.

    Raises:
        LegacyFormatError: a missing or malformed ``define Lattice``/``BoundingBox``, no data section, a
            non-number in the data, or a value count other than ``nx·ny·nz``.
    """
    lines = text.splitlines()
    lattice: list[int] | None = None
    bbox: list[float] | None = None
    spacing: list[float] | None = None
    data_start: int | None = None
    for lineno, line in enumerate(lines, start=1):
        if line.startswith("@1"):
            data_start = lineno
            break
        if "define Lattice" in line:
            raw = _numbers(line, "Lattice", 3, filename, lineno)
            if any(v != int(v) or v < 1 for v in raw):
                raise LegacyFormatError(
                    filename,
                    lineno,
                    f"Lattice sizes must be integers >= 1: {line.strip()!r}",
                )
            lattice = [int(v) for v in raw]
        elif "BoundingBox" in line:
            bbox = _numbers(line, "BoundingBox", 6, filename, lineno)
        elif "Spacing" in line:
            spacing = _numbers(line, "Spacing", 3, filename, lineno)
    if lattice is None:
        raise LegacyFormatError(
            filename, None, "no 'define Lattice nx ny nz' line before the data"
        )
    if bbox is None:
        raise LegacyFormatError(
            filename,
            None,
            "no 'BoundingBox xmin xmax ymin ymax zmin zmax' line before the data",
        )
    if data_start is None:
        raise LegacyFormatError(
            filename, None, "no data section (a line starting with '@1')"
        )
    lower = np.array(bbox[0::2])
    upper = np.array(bbox[1::2])
    if spacing is None:
        if min(lattice) < 2:
            raise LegacyFormatError(
                filename,
                None,
                "no Spacing line, and a lattice of size 1 does not define it",
            )
        spacing = list((upper - lower) / (np.array(lattice) - 1))
    values: list[float] = []
    for lineno in range(data_start + 1, len(lines) + 1):
        line = lines[lineno - 1]
        if line.startswith("@"):
            break  # a second data block (not used by density fields)
        for token in line.split():
            try:
                values.append(float(token))
            except ValueError:
                raise LegacyFormatError(
                    filename, lineno, f"data value {token!r} is not a number"
                ) from None
    expected = lattice[0] * lattice[1] * lattice[2]
    if len(values) != expected:
        raise LegacyFormatError(
            filename,
            None,
            f"the lattice {lattice[0]}x{lattice[1]}x{lattice[2]} needs "
            f"{expected} values, found {len(values)}",
        )
    grid = (
        np.array(values, dtype=np.float64)
        .reshape(lattice[2], lattice[1], lattice[0])
        .transpose(2, 1, 0)
    )
    try:
        return ScalarField(tuple(lower - np.array(spacing) / 2), tuple(spacing), grid)
    except ModelValueError as exc:
        raise LegacyFormatError(filename, None, str(exc)) from None


def read_amira_field(path: str | os.PathLike[str]) -> ScalarField:
    """Read an ASCII AmiraMesh scalar field (``.am``); see :func:`parse_amira_field`."""
    text, filename = read_legacy_text(path, "Amira field")
    return parse_amira_field(text, filename=filename)


def format_amira_field(field: ScalarField) -> str:
    """Text of an ASCII AmiraMesh scalar field that :func:`parse_amira_field` reads back exactly.

    The bounding box is written with ``repr`` of the voxel-centre coordinates; reading derives the
    origin from it and the spacing, which gives the field's origin back up to float rounding.
    """
    nx, ny, nz = field.shape
    lo, hi = field.centre_bounds_um
    bbox = " ".join(repr(float(v)) for pair in zip(lo, hi) for v in pair)
    spacing = " ".join(repr(float(v)) for v in field.spacing_um)
    head = (
        "# AmiraMesh 3D ASCII 2.0\n\n"
        f"define Lattice {nx} {ny} {nz}\n\n"
        "Parameters {\n"
        f'    Content "{nx}x{ny}x{nz} float, uniform coordinates",\n'
        f"    BoundingBox {bbox},\n"
        f"    Spacing {spacing},\n"
        '    CoordType "uniform"\n'
        "}\n\n"
        "Lattice { float Data } @1\n\n"
        "# Data section follows\n@1\n"
    )
    flat = field.values.transpose(2, 1, 0).reshape(-1).tolist()
    return head + "".join(f"{v!r}\n" if v != 0 else "0\n" for v in flat)


def write_amira_field(path: str | os.PathLike[str], field: ScalarField) -> None:
    """Write an ASCII AmiraMesh scalar field atomically."""
    atomic_write_text(path, format_amira_field(field))
