"""The two longest tutorial notebooks (generating models, synapse tuning) run end to end in a
Jupyter kernel with their small sizes and show their figures (1-3 minutes each)."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebooks_tool import n_figures, notebooks_tool

TOOL = notebooks_tool()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["03_generate_models", "05_synapse_tuning"])
def test_long_notebook_runs_with_its_small_size(name: str, tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / f"{name}.ipynb", tmp_path)
    # a failing cell raises in execute(); the figures are on the page
    assert n_figures(nb) >= 2, "the notebook shows no figures"
