"""Every tutorial notebook is exactly what jupytext generates from its script (run
``make notebooks`` after editing a tutorial), and is committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from notebooks_tool import notebooks_tool

TOOL = notebooks_tool()
SCRIPTS = TOOL.scripts()


def test_there_are_nine_tutorials() -> None:
    assert [s.stem[:2] for s in SCRIPTS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_matches_its_script(script: Path) -> None:
    notebook = script.with_suffix(".ipynb")
    assert notebook.exists(), f"{notebook.name} missing: run `make notebooks`"
    assert notebook.read_text(encoding="utf-8") == TOOL.notebook_text(script), (
        f"{notebook.name} differs from its script: run `make notebooks`")
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert any(c["cell_type"] == "markdown" for c in cells)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_has_a_small_size(script: Path) -> None:
    # the docs and the execution tests run every notebook with its small size
    assert script.stem in TOOL.SMALL_ARGS
    assert "ISF_TUTORIAL_ARGS" in script.read_text(encoding="utf-8")


def test_every_notebook_is_executed_by_a_test() -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in TOOL.REPO.glob("tests/tutorials/test_notebooks_execute*.py"))
    assert [s.stem for s in SCRIPTS if s.stem not in tests] == []
