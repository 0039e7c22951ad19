"""The tool chain that compiles mechanisms: ``nrnivmodl``, ``make``, C and C++ compilers (and perl).

Everything is checked before a build starts, so a missing tool is reported as
a :class:`CompilerNotFoundError` that says what to install instead of as a
failed build.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from isf.errors import MechanismError

__all__ = ["INSTALL_HINT", "CompilerNotFoundError", "build_environment", "find_nrnivmodl"]

#: How to get a C/C++ tool chain, appended to every tool-chain error.
INSTALL_HINT = (
    "Install a C/C++ tool chain (Debian/Ubuntu: `apt install build-essential`; "
    "Fedora/RHEL: `dnf install gcc gcc-c++ make`; macOS: `xcode-select --install`), "
    "or point the environment variables CC / CXX to working compilers."
)


class CompilerNotFoundError(MechanismError):
    """``nrnivmodl``, ``make`` or a C/C++ compiler is missing."""


def find_nrnivmodl() -> Path:
    """NEURON's ``nrnivmodl``: next to this Python interpreter, else on ``PATH``."""
    beside = Path(sys.executable).parent / "nrnivmodl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("nrnivmodl")
    if found:
        return Path(found)
    raise CompilerNotFoundError(
        f"nrnivmodl (NEURON's mechanism compiler) was found neither next to "
        f"{sys.executable} nor on PATH. Install NEURON into this environment "
        "(`pip install neuron`) or put its bin/ folder on PATH."
    )


def _which_command(command: str) -> str | None:
    """Resolve the program of a command string such as ``"gcc -pthread"``."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words:
        return None
    return shutil.which(words[0])


def _resolve_compiler(var: str, candidates: Sequence[str], what: str) -> tuple[str, bool]:
    """Return ``(command, from_env)`` for the compiler in env var ``var``.

    Raises CompilerNotFoundError if ``$var`` names a missing program or, when
    unset, none of ``candidates`` is on PATH.
    """
    env = os.environ.get(var)
    if env:
        if _which_command(env) is None:
            raise CompilerNotFoundError(
                f"{var} is set to {env!r}, but that {what} was not found "
                f"(PATH={os.environ.get('PATH', '')!r}). Fix or unset {var}. {INSTALL_HINT}"
            )
        return env, True
    for cand in candidates:
        if cand and _which_command(cand) is not None:
            return cand, False
    names = ", ".join(dict.fromkeys(c.split()[0] for c in candidates if c))
    raise CompilerNotFoundError(
        f"no {what} found: none of {names} is on PATH and {var} is not set; "
        f"nrnivmodl needs one to compile the mechanisms. {INSTALL_HINT}"
    )


def build_environment(nrnivmodl: Path) -> dict[str, str]:
    """Check the tool chain and return the environment for nrnivmodl.

    NEURON 9 translates NMODL to C++, so both a C and a C++ compiler (and
    ``make``) are required.  When CC/CXX are unset, the first compiler found
    is passed explicitly so that nrnivmodl does not fall back to a compiler
    that is absent on this machine.
    """
    env = dict(os.environ)
    cc, cc_from_env = _resolve_compiler(
        "CC", [str(sysconfig.get_config_var("CC") or ""), "cc", "gcc", "clang"], "C compiler"
    )
    cxx, cxx_from_env = _resolve_compiler(
        "CXX",
        [str(sysconfig.get_config_var("CXX") or ""), "c++", "g++", "clang++"],
        "C++ compiler",
    )
    if not cc_from_env:
        env["CC"] = shlex.split(cc)[0]
    if not cxx_from_env:
        env["CXX"] = shlex.split(cxx)[0]
    if shutil.which("make") is None:
        raise CompilerNotFoundError(f"`make` was not found on PATH; nrnivmodl needs it. {INSTALL_HINT}")
    try:
        with nrnivmodl.open("rb") as script:
            first_line = script.readline()
    except OSError:
        first_line = b""
    # The pip wheel's nrnivmodl is a Python wrapper that needs perl on PATH.
    if b"python" in first_line and shutil.which("perl") is None:
        raise CompilerNotFoundError(
            f"`perl` was not found on PATH; NEURON's pip-installed {nrnivmodl} needs it "
            "(Debian/Ubuntu: `apt install perl`)."
        )
    return env
