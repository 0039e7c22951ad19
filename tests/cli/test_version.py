"""``isf --version``: the versions of isf, NEURON and Python, on one line."""

from __future__ import annotations

import importlib.metadata
import platform

import pytest

import isf
from isf.cli.main import main


def test_version_names_isf_neuron_and_python(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == (
        f"isf {isf.__version__} (NEURON {importlib.metadata.version('neuron')}, "
        f"{platform.python_implementation()} {platform.python_version()})"
    )
