"""Shared fixtures: the real legacy ISF data (``../shared/data/isf`` beside the repository).

``ISF_SHARED_DATA`` overrides the location (either the ``data/isf`` folder itself or a
``shared`` folder holding ``data/isf``). Tests that need the data are marked
``pytest.mark.shared`` and are skipped when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _shared_data_dir() -> Path:
    env = os.environ.get("ISF_SHARED_DATA")
    if env:
        root = Path(env)
        return root / "data" / "isf" if (root / "data" / "isf").is_dir() else root
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "isf"


SHARED_DATA = _shared_data_dir()


def _shared_present() -> bool:
    return (SHARED_DATA / "morphologies" / "86_C2_center.hoc").is_file()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip every ``shared``-marked test cleanly when the shared data is absent."""
    if item.get_closest_marker("shared") is not None and not _shared_present():
        pytest.skip(f"shared data absent ({SHARED_DATA})")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real ISF data (README there lists the files)."""
    if not _shared_present():
        pytest.skip("shared data absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def morphology_dir(shared_data: Path) -> Path:
    return shared_data / "morphologies"


@pytest.fixture(scope="session")
def hoc86_path(morphology_dir: Path) -> Path:
    return morphology_dir / "86_C2_center.hoc"


@pytest.fixture(scope="session")
def morph86(hoc86_path: Path):  # type: ignore[no-untyped-def]
    """Morphology of cell 86 as read from its hoc file (167 sections, no generated axon)."""
    from isf.dsl.hoc import read_hoc

    return read_hoc(hoc86_path)


@pytest.fixture(scope="session")
def cell86_param_path(shared_data: Path) -> Path:
    return shared_data / "cell_params" / "86_C2_center.param"


@pytest.fixture(scope="session")
def search_roots(shared_data: Path) -> list[Path]:
    """Folders where files named by other machines' absolute paths are found."""
    return [shared_data / "morphologies", shared_data / "recording_sites"]


@pytest.fixture(scope="session")
def cell86_param(cell86_param_path: Path, search_roots: list[Path]):  # type: ignore[no-untyped-def]
    """``read_cell_param`` of cell_params/86_C2_center.param (170 sections with the generated axon)."""
    from isf.dsl.cell_param import read_cell_param

    return read_cell_param(cell86_param_path, search_roots)


@pytest.fixture(scope="session")
def cell86(cell86_param):  # type: ignore[no-untyped-def]
    """The typed Cell of 86_C2_center.param."""
    return cell86_param.cell


@pytest.fixture(scope="session")
def landmark_path(shared_data: Path) -> Path:
    return shared_data / "recording_sites" / "apical_proximal_distal_rec_sites.landmarkAscii"
