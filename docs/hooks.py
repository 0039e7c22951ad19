"""mkdocs hooks (``hooks:`` in mkdocs.yml): the site's pages that live elsewhere in the checkout.

* ``index.md``: the README's opening (up to "Using it"), so the two never disagree.
* ``tutorials/NN_name.ipynb``: the executed copies in ``build/notebooks/tutorials/`` when ``make docs``
  made them (``scripts/notebooks.py execute``: outputs and figures) after the notebook last changed,
  otherwise the committed notebooks without outputs (the strict-build test uses those: it checks pages
  and links, not execution).
* ``reference/``: the pdoc API reference (``docs/build_api.py``), built into ``build/docs-api/``.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parents[1]
#: ``make docs`` executes the notebooks into EXECUTED / "tutorials" (mkdocs-jupyter needs a real
#: source folder, hence the same relative path as in the checkout).
EXECUTED = REPO / "build" / "notebooks"
API_BUILD = REPO / "build" / "docs-api"


#: The home page is the README up to this section (its opening: commands, install, what isf is).
HOME_ENDS_AT = "## Using it"


def readme_opening() -> str:
    """The README up to :data:`HOME_ENDS_AT` (or its first ``##`` section), and where to go from there."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    end = next((i for i, line in enumerate(lines) if line.strip() == HOME_ENDS_AT),
               next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines)))
    return "\n".join(lines[:end]).rstrip() + (
        "\n\n## In these pages\n\n"
        "* **Tutorials**: the six notebooks, run with small sizes (`tutorials/*.ipynb`, generated from "
        "the scripts next to them).\n"
        "* **Guides**: how to fit, embed, tune synapses, plot, store, export, and what isf checks.\n"
        "* **[API reference](api.md)**: every module, class and function of `isf`.\n"
    )


def build_api_reference(out: Path) -> None:
    """pdoc's HTML reference of every isf module into ``out`` (``docs/build_api.py``); an old build is
    removed first, so that a module moved or deleted leaves no page behind."""
    shutil.rmtree(out, ignore_errors=True)
    spec = importlib.util.spec_from_file_location("isf_build_api", REPO / "docs" / "build_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(out)


@event_priority(100)  # before mkdocs-jupyter turns the .ipynb files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the README's opening, the tutorial notebooks and the API reference to the site."""
    files.append(File.generated(config, "index.md", content=readme_opening()))
    for notebook in sorted((REPO / "tutorials").glob("[0-9][0-9]_*.ipynb")):
        src_uri = f"tutorials/{notebook.name}"
        executed = EXECUTED / src_uri
        fresh = executed.exists() and executed.stat().st_mtime >= notebook.stat().st_mtime
        source = EXECUTED if fresh else REPO
        files.append(File(src_uri, str(source), config.site_dir, config.use_directory_urls))
    build_api_reference(API_BUILD)
    for page in sorted(p for p in API_BUILD.rglob("*") if p.is_file()):
        files.append(File.generated(config, f"reference/{page.relative_to(API_BUILD).as_posix()}",
                                    abs_src_path=str(page)))
    return files
