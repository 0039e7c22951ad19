"""The tutorial notebooks run end to end in a Jupyter kernel (nbclient + ipykernel) with their
small sizes (``ISF_TUTORIAL_ARGS``), and show their figures inline."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebooks_tool import notebooks_tool

TOOL = notebooks_tool()
#: Fast enough for every run of the suite; the others are marked slow.
FAST = {"01_quickstart", "06_visualisation"}


def outputs(nb, kind: str) -> list[str]:
    """The text of ``kind`` outputs (``stream`` text, or the MIME types of display data)."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == kind == "stream":
                found.append(out.text)
            elif out.output_type == kind:
                found.extend(out.data)
    return found


def test_quickstart_notebook_runs_and_shows_its_figure(tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / "01_quickstart.ipynb", tmp_path)
    text = "".join(outputs(nb, "stream"))
    assert "spike counts (pulse): [1]" in text
    assert "image/png" in outputs(nb, "display_data")
    assert (tmp_path / "out" / "cell86_step_currents.png").stat().st_size > 10_000


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in sorted(TOOL.SMALL_ARGS)
    if n != "01_quickstart"
])
def test_notebook_runs_with_its_small_size(name: str, tmp_path: Path) -> None:
    nb = TOOL.execute(TOOL.TUTORIALS / f"{name}.ipynb", tmp_path)
    assert not outputs(nb, "error")
    assert "image/png" in outputs(nb, "display_data"), "the notebook shows no figure"
