"""The tutorial notebooks run end to end in a Jupyter kernel (nbclient + ipykernel) with their
small sizes (``ISF_TUTORIAL_ARGS``), and show their figures inline. The two longest are in
``test_notebooks_execute_long.py`` (the suite runs test files in parallel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebooks_tool import n_figures, notebooks_tool, stream_text

TOOL = notebooks_tool()


def test_quickstart_notebook_runs_and_shows_its_figure(tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / "01_quickstart.ipynb", tmp_path)
    assert "spike counts (pulse): [1]" in stream_text(nb)
    assert n_figures(nb) == 1
    assert (tmp_path / "out" / "cell86_step_currents.png").stat().st_size > 10_000


@pytest.mark.slow  # 20-40 s each; their scripts are also run by the other tutorial tests
@pytest.mark.parametrize("name", ["02_cell_in_network", "04_embedding", "06_visualisation", "07_study",
                                  "08_multi_scale", "09_reduced_model"])
def test_notebook_runs_with_its_small_size(name: str, tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / f"{name}.ipynb", tmp_path)
    # a failing cell raises in execute(); the figures are on the page
    assert n_figures(nb) >= 2, "the notebook shows no figures"
