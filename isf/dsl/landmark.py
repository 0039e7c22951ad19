"""Reader and writer of Amira ``.landmarkAscii`` point sets (LEGACY_FORMATS §5.6).

Everything after the first line starting with ``@1`` is data: the first three
numbers of each non-empty line are x, y, z in µm. The declared marker count
is not checked (legacy files get it wrong).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import read_legacy_text
from isf.errors import LegacyFormatError
from isf.model.site import Landmark


def parse_landmarks(text: str, filename: str = "<text>") -> NDArray[np.float64]:
    """Landmark coordinates, shape (n, 3), µm."""
    points: list[tuple[float, float, float]] = []
    in_data = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not in_data:
            in_data = line.startswith("@1")
            continue
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 3:
            raise LegacyFormatError(filename, lineno, f"a landmark needs 3 coordinates, found {len(fields)}")
        try:
            points.append((float(fields[0]), float(fields[1]), float(fields[2])))
        except ValueError:
            raise LegacyFormatError(filename, lineno, f"non-numeric landmark coordinate in {line.strip()!r}") from None
    if not in_data:
        raise LegacyFormatError(filename, None, "no data section (a line starting with '@1')")
    return np.array(points, dtype=float).reshape(-1, 3)


def read_landmarks(path: str | os.PathLike[str]) -> NDArray[np.float64]:
    """Read a ``.landmarkAscii`` file: coordinates, shape (n, 3), µm."""
    text, filename = read_legacy_text(path, "landmark file")
    return parse_landmarks(text, filename=filename)


def landmark_sites(path: str | os.PathLike[str]) -> tuple[Landmark, ...]:
    """Recording sites of a landmark file, named like ISF (file name without ``.landmarkAscii``)."""
    name = Path(path).name
    if name.endswith(".landmarkAscii"):
        name = name[: -len(".landmarkAscii")]
    return tuple(
        Landmark(x, y, z, name=name, index=i) for i, (x, y, z) in enumerate(read_landmarks(path).tolist())
    )


def format_landmarks(points: NDArray[np.float64]) -> str:
    """Landmark file text in the legacy layout (``%.6f``)."""
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    head = (
        "# AmiraMesh 3D ASCII 2.0\n\n"
        f"define Markers {len(points)}\n\n"
        "Parameters {\n\tNumSets 1,\n\tContentType \"LandmarkSet\"\n}\n\n"
        "Markers { float[3] Coordinates } @1\n\n"
        "# Data section follows\n@1\n"
    )
    return head + "".join(f"{x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in points.tolist())


def write_landmarks(points: NDArray[np.float64], path: str | os.PathLike[str]) -> None:
    """Write a ``.landmarkAscii`` file atomically."""
    atomic_write_text(path, format_landmarks(points))
