"""Example files shipped with isf (see the NOTICE in each folder for origin and licence)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


def cell86(name: str = "") -> Path:
    """Path of the cell-86 example folder, or of a file in it (``cell86("86_C2_center.param")``)."""
    path = DATA_DIR / "cell86" / name
    if not path.exists():
        raise FileNotFoundError(f"no example file {name!r} in {DATA_DIR / 'cell86'}")
    return path
