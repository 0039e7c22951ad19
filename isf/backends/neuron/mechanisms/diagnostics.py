"""Reading a failed ``nrnivmodl`` build: the error lines that matter and the ``.mod`` files they blame.

A build log of a few hundred lines (NMODL translation, C++ compilation,
``make``'s echo, a Python traceback from the pip wrapper) is reduced to the
lines that explain the failure, so the raised error can say which file to fix
and why; the full log stays on disk.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from isf.backends.neuron.mechanisms.toolchain import INSTALL_HINT, CompilerNotFoundError
from isf.errors import MechanismError

__all__ = ["MechanismCompilationError", "build_error"]

_MAX_ERROR_LINES = 40

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOISE = (
    "NOTE: If you are encountering",
    "refer to the C++ migration guide",
    "Traceback (most recent call last)",
    "subprocess.CalledProcessError",
    "raise CalledProcessError",
    "check_call",
    "Waiting for unfinished jobs",
)
_ERROR_LINE = re.compile(r"error|illegal|undefined|not found|no such file|fatal|cannot", re.I)
_FILE_REF = re.compile(r"(?<![\w.+-])([\w+-][\w.+-]*?)\.(?:mod|cpp|c|o)\b")
# nocmodl: "Error: Illegal block at line 10 in file bad.mod"
_NMODL_LOCATION = re.compile(r"Error:\s*(.*?)\s+at line (\d+) in file ([\w.+-]+\.mod)")


class MechanismCompilationError(MechanismError):
    """``nrnivmodl`` failed on one or more ``.mod`` files.

    Attributes:
        mod_files: names of the ``.mod`` files the errors were attributed to
            (empty if no file could be identified).
        error_lines: the relevant lines of the build output.
        log_path: the full build log (kept outside the cache entries).
        locations: ``(file, line, reason)`` of every NMODL translation error (1-based line of the
            ``.mod`` file, as nocmodl reports it).
    """

    def __init__(
        self,
        message: str,
        *,
        mod_files: Sequence[str] = (),
        error_lines: Sequence[str] = (),
        log_path: Path | None = None,
        locations: Sequence[tuple[str, int, str]] = (),
    ) -> None:
        super().__init__(message)
        self.mod_files = tuple(mod_files)
        self.error_lines = tuple(error_lines)
        self.log_path = log_path
        self.locations = tuple(locations)


def _relevant_lines(log: str) -> list[str]:
    lines = [_ANSI.sub("", ln).rstrip() for ln in log.splitlines()]
    keep: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip() or any(n in line for n in _NOISE):
            continue
        if _ERROR_LINE.search(line):
            keep.append(i)
            # nocmodl prints the offending source line and a caret below "Error:"
            if "Error:" in line:
                keep.extend(j for j in (i + 1, i + 2) if j < len(lines) and lines[j].startswith(" "))
            # nocmodl prints "syntax error:" and a short reason before "Error:"
            # (parallel make may interleave another file's progress line: skip those)
            if line.strip().endswith(":") and i + 1 < len(lines) and "Translating" not in lines[i + 1] \
                    and not any(n in lines[i + 1] for n in _NOISE):
                keep.append(i + 1)
    out = [lines[i] for i in sorted(set(keep))]
    if len(out) > _MAX_ERROR_LINES:
        out = out[:_MAX_ERROR_LINES] + [f"... ({len(out) - _MAX_ERROR_LINES} more lines in the log)"]
    return out


def _failing_files(lines: Sequence[str], mod_files: Sequence[Path]) -> list[str]:
    stems = {p.stem: p.name for p in mod_files}
    failing: dict[str, None] = {}
    for line in lines:
        if not _ERROR_LINE.search(line):
            continue
        for stem in _FILE_REF.findall(line):
            if stem in stems:
                failing[stems[stem]] = None
    return list(failing)


def build_error(
    log: str, returncode: int, mod_files: Sequence[Path], log_path: Path, env: dict[str, str]
) -> MechanismError:
    """The error for a build that exited with ``returncode`` and wrote ``log``.

    Args:
        log: the build output (stdout and stderr).
        returncode: nrnivmodl's exit status.
        mod_files: the ``.mod`` files of the build.
        log_path: where the full log is kept (named in the message).
        env: the build environment (its CC/CXX name the compilers to look for in the log).

    Returns:
        A :class:`~isf.backends.neuron.mechanisms.toolchain.CompilerNotFoundError` when the log
        shows a tool of the chain missing, else a :class:`MechanismCompilationError` naming the
        failing ``.mod`` files and the relevant lines.
    """
    lines = _relevant_lines(log)
    tools = {"make", "perl"}
    for var in ("CC", "CXX"):
        words = shlex.split(env.get(var, ""))
        if words:
            tools.add(Path(words[0]).name)
    tool_pattern = re.compile(r"(?<![\w.+-])(" + "|".join(map(re.escape, sorted(tools))) + r")(?![\w.+-])")
    compiler_missing = [
        ln
        for ln in lines
        if re.search(r"not found|no such file or directory", ln, re.I) and tool_pattern.search(ln)
    ]
    if compiler_missing:
        return CompilerNotFoundError(
            "the build tool chain is incomplete:\n  "
            + "\n  ".join(compiler_missing)
            + f"\n{INSTALL_HINT}\nFull log: {log_path}"
        )
    failing = _failing_files(lines, mod_files)
    which = ", ".join(failing) if failing else "could not tell which .mod file (see the log)"
    locations = [(f, int(n), reason) for reason, n, f in _NMODL_LOCATION.findall("\n".join(lines))]
    # the folder the user edits, not the build copy: name the source file
    sources = {p.name: p for p in mod_files}
    where = "".join(f"\n  {sources.get(f, Path(f))}:{n}: {reason}" for f, n, reason in locations)
    body = "\n  ".join(lines) if lines else "(no error lines recognised)"
    return MechanismCompilationError(
        f"nrnivmodl failed (exit status {returncode}) compiling {which}:{where}\n  {body}\nFull log: {log_path}",
        mod_files=failing,
        error_lines=lines,
        log_path=log_path,
        locations=locations,
    )
