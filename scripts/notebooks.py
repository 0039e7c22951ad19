"""The tutorial notebooks: generate ``tutorials/*.ipynb`` from the jupytext scripts, and execute them.

Run ``python scripts/notebooks.py sync`` after editing a tutorial script (``make notebooks``), and
``python scripts/notebooks.py execute OUT`` to execute every notebook with its small size into
``OUT/<name>.ipynb`` (``make docs`` renders those, with their figures).

* **Generating.** ``tutorials/NN_name.py`` is the source (jupytext percent format: ``# %%`` cells,
  ``# %% [markdown]`` prose); the notebook next to it is what jupytext makes of it, without outputs.
  jupytext gives new cells random ids, so ids are set from the cell's position (``NN-cell-KK``): the
  same script always gives the same file, which ``tests/tutorials/test_notebooks_in_sync.py`` checks.
* **Small sizes.** A tutorial run as a script reads its command line; in a notebook kernel it reads
  the same arguments from the environment variable ``ISF_TUTORIAL_ARGS``. :data:`SMALL_ARGS` holds
  each tutorial's small size (those of its script test), and :func:`execute` starts the kernel
  (ipykernel, through nbclient) with that variable set, ``--out`` pointing into the work folder.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = REPO / "tutorials"

#: Arguments that make each tutorial small (seconds to a minute or two); ``--out`` is added by execute().
SMALL_ARGS: dict[str, list[str]] = {
    "01_quickstart": ["--protocols", "pulse", "--jobs", "1"],
    "02_cell_in_network": ["--trials", "2", "--tstop", "60", "--workers", "1"],
    "03_generate_models": ["--protocols", "bAP,BAC", "--offspring", "4", "--generations", "2",
                           "--iterations", "3", "--workers", "1"],
    "04_embedding": ["--samples", "6", "--workers", "1", "--tstop", "20"],
    "05_synapse_tuning": ["--small"],
    "06_visualisation": ["--step-ms", "1.0"],
    "07_study": ["--trials", "2", "--tstop", "60", "--workers", "1"],
    "08_multi_scale": ["--trials", "1", "--tstop", "60", "--workers", "1", "--frame-ms", "20"],
    "09_reduced_model": ["--trials", "8", "--onset", "40", "--bin-ms", "10", "--window", "20", "--workers", "2"],
}


def scripts() -> list[Path]:
    """The tutorial scripts, in order."""
    return sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))


def notebook_text(script: Path) -> str:
    """The ``.ipynb`` text jupytext makes of ``script``, with cell ids from the cell positions."""
    notebook = jupytext.read(script, fmt="py:percent")
    prefix = script.stem.split("_")[0]
    for k, cell in enumerate(notebook.cells):
        cell["id"] = f"{prefix}-cell-{k:02d}"
    return jupytext.writes(notebook, fmt="ipynb")


def sync() -> list[Path]:
    """(Re)write every tutorial's notebook from its script; return the notebooks changed."""
    changed = []
    for script in scripts():
        target = script.with_suffix(".ipynb")
        text = notebook_text(script)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def execute(notebook: Path, workdir: Path, args: list[str] | None = None,
            timeout_s: float = 1200) -> nbformat.NotebookNode:
    """Execute ``notebook`` in a fresh ipykernel whose working folder is ``workdir``, with the
    tutorial's small size (or ``args``) in ``ISF_TUTORIAL_ARGS`` and ``--out workdir/out``.

    Returns the executed notebook (outputs and figures included); a failing cell raises
    ``nbclient.exceptions.CellExecutionError``. ``timeout_s`` bounds each cell, s.
    """
    chosen = SMALL_ARGS[notebook.stem] if args is None else args
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ISF_TUTORIAL_ARGS": shlex.join([*chosen, "--out", str(workdir / "out")]),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    return nb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate (sync) or execute the tutorial notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="write tutorials/*.ipynb from the jupytext scripts")
    run = sub.add_parser("execute", help="execute the notebooks with small sizes into OUT")
    run.add_argument("out", type=Path, help="folder for the executed notebooks")
    run.add_argument("--only", default="", help="comma-separated notebook names (default: all)")
    args = parser.parse_args(argv)
    if args.command == "sync":
        changed = sync()
        print("\n".join(f"wrote {p.relative_to(REPO)}" for p in changed) or "notebooks already in sync")
        return
    names = [n for n in args.only.split(",") if n] or [s.stem for s in scripts()]
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        started = time.perf_counter()
        nb = execute(TUTORIALS / f"{name}.ipynb", args.out / "work" / name)
        nbformat.write(nb, args.out / f"{name}.ipynb")
        print(f"executed {name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
