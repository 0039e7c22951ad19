"""``--search FOLDER`` is searched recursively: the shared data folder as one root finds the morphology
and the recording sites in their sub-folders (issue 14 part 6; ``isf trials --help``'s example)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.shared
def test_inspect_with_the_shared_folder_as_search_root(
        isf_cli: Callable[..., tuple[int, str, str]], shared_data: Path, tmp_path: Path) -> None:
    param = shutil.copy(shared_data / "cell_params" / "86_C2_center.param", tmp_path)
    code, out, err = isf_cli("inspect", param, "--search", shared_data)
    assert code == 0, err
    assert "170 sections" in out and "recording sites: 1" in out


@pytest.mark.shared
def test_without_the_search_root_the_error_says_what_was_searched(
        isf_cli: Callable[..., tuple[int, str, str]], shared_data: Path, tmp_path: Path) -> None:
    param = shutil.copy(shared_data / "cell_params" / "86_C2_center.param", tmp_path)
    code, _, err = isf_cli("inspect", param)
    assert code != 0
    assert "86_C2_center.hoc" in err and "--search" in err


def test_trials_help_documents_recursive_search(capsys: pytest.CaptureFixture[str]) -> None:
    from isf.cli.main import main

    with pytest.raises(SystemExit):
        main(["trials", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--search shared/data/isf" in out and "recursively" in out
