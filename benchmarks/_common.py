"""Helpers the benchmark scripts share: timing, medians and the NEURON clean-up check.

Imported by the scripts as ``from _common import …`` (each script's own folder is on ``sys.path``).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """``$ISF_SHARED_DATA`` or ``<repo>/../shared/data/isf``, if it exists."""
    env = os.environ.get("ISF_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "isf"
    return path if path.is_dir() else None


def median(values: Sequence[float]) -> float:
    """The median of ``values`` as a plain float."""
    return float(statistics.median(values))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, return value) of ``fn()``."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def assert_no_sections(where: str) -> None:
    """Fail when NEURON sections outlive the run that made them (``where`` names that run)."""
    # imported here: a script may set NEURON's environment up before isf is first imported
    from isf.backends.neuron.build import section_count

    count = section_count()
    assert count == 0, f"{where}: {count} NEURON sections still alive"
