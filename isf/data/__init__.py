"""Example files shipped with isf (see the NOTICE in each folder for origin and licence); a leaf below
every layer, holding data only.

Where each example lives (each function gives the folder, or a file in it):

* :func:`cell86` — the layer-5 thick-tufted cell 86 (``.hoc``, ``.param``).
* :func:`network_c2` — the C2-whisker evoked network of cell 86 (``network.param``, ``.syn``, ``.con``).
* :func:`hay89` — morphology 89 with the Hay fitting example (``89_C2.hoc``, parameters CSV).
* :func:`synthetic_connectome` — a small synthetic dense-connectome model for the embedding.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "cell86", "hay89", "network_c2", "synthetic_connectome"]

#: The folder the example files are in.
DATA_DIR = Path(__file__).resolve().parent


def _example(folder: str, name: str) -> Path:
    path = DATA_DIR / folder / name
    if not path.exists():
        raise FileNotFoundError(f"no example file {name!r} in {DATA_DIR / folder}")
    return path


def cell86(name: str = "") -> Path:
    """Path of the cell-86 example folder, or of a file in it (``cell86("86_C2_center.param")``)."""
    return _example("cell86", name)


def network_c2(name: str = "") -> Path:
    """Path of the C2-whisker network example folder (network.param, .syn, .con), or of a file in it."""
    return _example("network_c2", name)


def synthetic_connectome(name: str = "") -> Path:
    """Path of the synthetic dense-connectome model folder, or of a file in it
    (``synthetic_connectome("nrCells.csv")``); read it with
    :func:`isf.embedding.synthetic.load_synthetic_connectome`."""
    folder = DATA_DIR / "synthetic_connectome"
    if not (folder / name).exists():
        raise FileNotFoundError(
            f"no file {name!r} in {folder} (regenerate with scripts/make_synthetic_connectome.py)"
        )
    return folder / name


def hay89(name: str = "") -> Path:
    """Path of the morphology-89 Hay fitting example folder (89_C2.hoc, example_models_params.csv), or of a
    file in it."""
    return _example("hay89", name)
