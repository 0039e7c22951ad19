"""The tutorial notebooks run end to end in a Jupyter kernel (nbclient + ipykernel) with their
small sizes (``ISF_TUTORIAL_ARGS``), and show their figures inline."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat import NotebookNode
from notebooks_tool import notebooks_tool

TOOL = notebooks_tool()


def stream_text(nb: NotebookNode) -> str:
    """Everything the notebook's cells printed."""
    return "".join(out.text for cell in nb.cells for out in cell.get("outputs", []) if out.output_type == "stream")


def n_figures(nb: NotebookNode) -> int:
    """PNG images among the outputs (pyplot figures are displayed, Figure values are results)."""
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def test_quickstart_notebook_runs_and_shows_its_figure(tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / "01_quickstart.ipynb", tmp_path)
    assert "spike counts (pulse): [1]" in stream_text(nb)
    assert n_figures(nb) == 1
    assert (tmp_path / "out" / "cell86_step_currents.png").stat().st_size > 10_000


@pytest.mark.slow  # 30 s to a few minutes each; their scripts are also run by the other tutorial tests
@pytest.mark.parametrize("name", sorted(set(TOOL.SMALL_ARGS) - {"01_quickstart"}))
def test_notebook_runs_with_its_small_size(name: str, tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / f"{name}.ipynb", tmp_path)
    # a failing cell raises in execute(); the figures are on the page
    assert n_figures(nb) >= 2, "the notebook shows no figures"
