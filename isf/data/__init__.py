"""Example files shipped with isf (see the NOTICE in each folder for origin and licence); a leaf below
every layer, holding data only.

Where each example lives (each function gives the folder, or a file in it):

* :func:`cell86` — the layer-5 thick-tufted cell 86 (``.hoc``, ``.param``).
* :func:`network_c2` — the C2-whisker evoked network of cell 86 (``network.param``, ``.syn``, ``.con``).
* :func:`network_templates` — the ongoing-activity template and the evoked PSTH library from which
  the network of any whisker deflection is built (``ongoing_activity/``, ``evoked_activity/``).
* :func:`hay89` — morphology 89 with the Hay fitting example (``89_C2.hoc``, parameters CSV).
* :func:`synthetic_connectome` — a small synthetic dense-connectome model for the embedding.
* :func:`synapse_tuner_example` — a hoc template folder and a user-style ``.mod`` folder for the
  synapse tuner (bmtool-style ``templates_dir`` and ``mechanisms_dir``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "cell86", "hay89", "network_c2", "network_templates", "synapse_tuner_example", "synthetic_connectome"]

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


def network_templates(name: str = "") -> Path:
    """Path of the network-template folder, or of a file in it: the ongoing-activity template
    (``network_templates("ongoing_activity")``) and the evoked PSTH library (``"evoked_activity"``)."""
    return _example("network_templates", name)


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


def synapse_tuner_example(name: str = "") -> Path:
    """Path of the synapse-tuner example folder (``templates/BallAndStick.hoc``,
    ``mechanisms/stp_exp2syn.mod``), or of a file or folder in it (``synapse_tuner_example("templates")``)."""
    return _example("synapse_tuner", name)
