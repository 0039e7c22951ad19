"""The synthetic dense-connectome model shipped with isf (see ``isf/data/synthetic_connectome/NOTICE``)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from isf.embedding.connectome import DenseConnectome

__all__ = ["load_synthetic_connectome", "synthetic_connectome"]

_FOLDER = Path(__file__).resolve().parent / "synthetic_connectome"


def synthetic_connectome(name: str = "") -> Path:
    """Path of the synthetic model folder, or of a file in it (``synthetic_connectome("nrCells.csv")``)."""
    path = _FOLDER / name
    if not path.exists():
        raise FileNotFoundError(
            f"no file {name!r} in {_FOLDER} (regenerate with scripts/make_synthetic_connectome.py)"
        )
    return path


@functools.cache
def load_synthetic_connectome() -> DenseConnectome:
    """The synthetic model as a :class:`~isf.embedding.connectome.DenseConnectome` (read once per process)."""
    from isf.embedding.connectome import read_connectome

    return read_connectome(_FOLDER, progress=False)
