"""Helpers for the CLI tests: run ``isf`` in-process and capture its output and exit code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from isf.cli.main import main


@pytest.fixture
def isf_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``isf_cli("convert", a, b)`` → (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def one_line_error(err: str) -> str:
    """The stderr of a failed verb must be exactly one line starting with ``isf: error:``."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("isf: error: "), err
    return lines[0]


@pytest.fixture(name="one_line_error")
def _one_line_error() -> Callable[[str], str]:
    """:func:`one_line_error` as a fixture."""
    return one_line_error
