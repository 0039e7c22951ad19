"""resolve_legacy_path: as written, by trailing parts, then recursively below the search roots with a
deterministic rule for files that share a name (issue 14 part 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from isf.dsl.paths import SEARCH_PATH_ENV, resolve_legacy_path
from isf.errors import MissingFileError

WRITTEN = "/gpfs/old/project/anatomical_constraints/cells/86.hoc"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    return path


@pytest.fixture(autouse=True)
def _no_env_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEARCH_PATH_ENV, raising=False)


def test_as_written_and_relative(tmp_path: Path) -> None:
    f = _touch(tmp_path / "a" / "86.hoc")
    assert resolve_legacy_path(str(f)) == f
    assert resolve_legacy_path("a/86.hoc", relative_to=tmp_path) == tmp_path / "a" / "86.hoc"


def test_trailing_parts_directly_in_a_root_come_first(tmp_path: Path) -> None:
    direct = _touch(tmp_path / "86.hoc")
    _touch(tmp_path / "deep" / "cells" / "86.hoc")  # a better tail match, but step 2 wins
    assert resolve_legacy_path(WRITTEN, search_roots=[tmp_path]) == direct


def test_a_root_is_searched_recursively(tmp_path: Path) -> None:
    f = _touch(tmp_path / "data" / "morphologies" / "86.hoc")
    assert resolve_legacy_path(WRITTEN, search_roots=[tmp_path]) == f
    monkey_root = str(tmp_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SEARCH_PATH_ENV, monkey_root)
        assert resolve_legacy_path(WRITTEN) == f


def test_best_trailing_match_wins(tmp_path: Path) -> None:
    _touch(tmp_path / "x" / "86.hoc")
    best = _touch(tmp_path / "y" / "anatomical_constraints" / "cells" / "86.hoc")
    _touch(tmp_path / "z" / "cells" / "86.hoc")
    assert resolve_legacy_path(WRITTEN, search_roots=[tmp_path]) == best


def test_equal_matches_are_an_error_listing_them(tmp_path: Path) -> None:
    a = _touch(tmp_path / "a" / "86.hoc")
    b = _touch(tmp_path / "b" / "86.hoc")
    with pytest.raises(MissingFileError) as info:
        resolve_legacy_path(WRITTEN, search_roots=[tmp_path], what="morphology")
    text = str(info.value)
    assert "morphology" in text and "ambiguous" in text and str(a) in text and str(b) in text
    assert isinstance(info.value, FileNotFoundError)
    # a more specific root settles it
    assert resolve_legacy_path(WRITTEN, search_roots=[tmp_path / "b"]) == b


def test_same_file_through_two_roots_is_not_ambiguous(tmp_path: Path) -> None:
    f = _touch(tmp_path / "data" / "m" / "86.hoc")
    assert resolve_legacy_path(WRITTEN, search_roots=[tmp_path, tmp_path / "data"]) == f


def test_hidden_folders_and_the_naming_folder_are_not_searched_recursively(tmp_path: Path) -> None:
    _touch(tmp_path / "root" / ".git" / "86.hoc")
    _touch(tmp_path / "here" / "sub" / "86.hoc")
    with pytest.raises(MissingFileError, match="not found as written nor by its name"):
        resolve_legacy_path(WRITTEN, relative_to=tmp_path / "here", search_roots=[tmp_path / "root", tmp_path / "no"])
    with pytest.raises(MissingFileError, match="searched recursively"):
        resolve_legacy_path(WRITTEN, relative_to=tmp_path / "here")


@pytest.mark.shared
def test_the_shared_folder_as_one_search_root(shared_data: Path) -> None:
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.network_param import read_network_param

    params = read_cell_param(shared_data / "cell_params" / "86_C2_center.param", search_roots=[shared_data])
    assert params.recording_sites
    network = read_network_param(shared_data / "network" / "network.param", params.cell.morphology,
                                 search_roots=[shared_data])
    assert network.network.n_synapses > 0
    assert {Path(p).parent for p in network.located_files.values()} == {shared_data / "embedding" / "86_C2_center"}
