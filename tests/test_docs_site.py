"""The docs site (mkdocs.yml, ``make docs``) builds in strict mode — a broken link, a page missing from
the nav or a nav entry without a page fails — with the README's opening as its home page, the six
tutorial notebooks as pages and the pdoc API reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs_jupyter")


@pytest.mark.slow  # about a minute: pdoc over every module, six notebooks through nbconvert
def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(REPO / "mkdocs.yml"),
         "--site-dir", str(site)],
        capture_output=True, text=True, timeout=900, cwd=REPO, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "typed neuron models on NEURON" in home and "isf lets neuroscientists" in home
    for name in ("01_quickstart", "02_cell_in_network", "03_generate_models", "04_embedding", "05_synapse_tuning",
                 "06_visualisation", "07_study"):
        page = (site / "tutorials" / name / "index.html").read_text(encoding="utf-8")
        assert "ISF_TUTORIAL_ARGS" in page, name  # the notebook's cells are on the page
    assert "Quickstart: cell 86" in (site / "tutorials" / "01_quickstart" / "index.html").read_text(encoding="utf-8")
    for guide in ("fitting", "embedding", "synapse_tuner", "visualisation", "store_format", "study", "api"):
        assert (site / guide / "index.html").stat().st_size > 5000, guide
    assert 'href="../reference/isf.html"' in (site / "api" / "index.html").read_text(encoding="utf-8")
    assert (site / "reference" / "isf.html").stat().st_size > 1000
    assert (site / "reference" / "isf" / "model" / "cell.html").exists()
