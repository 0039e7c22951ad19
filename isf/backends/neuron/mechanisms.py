"""Compile and load the project's NMODL mechanisms.

The ``.mod`` files live in the repository's top-level ``mechanisms/`` folder
(override with the environment variable ``ISF_MECHANISMS_DIR``).  They are
compiled with NEURON's ``nrnivmodl`` on first use into a cache directory keyed
by a content hash, never by hand and never at import time::

    <cache_root()>/mechanisms/<hash>/x86_64/libnrnmech.so

The hash covers the file names and bytes of all ``.mod`` files, the NEURON
version and the platform, so editing a mechanism or upgrading NEURON leads to
a fresh compilation while an unchanged set is compiled exactly once per
machine.  A build runs in a temporary sibling directory that is renamed into
place only when the library exists, so a crashed or concurrent compilation
never leaves a half-built cache entry behind; of two concurrent builds of the
same set, the first rename wins and the other process uses that entry.

Typical use::

    from isf.backends.neuron.mechanisms import load_mechanisms
    load_mechanisms()          # compiles if needed, then nrn_load_dll
    load_mechanisms()          # no-op, returns the same library path

NEURON cannot unload a mechanism library, and loading a second library that
defines an already known mechanism name aborts NEURON; :func:`load_mechanisms`
therefore refuses such a load with a :class:`MechanismError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from isf.errors import MechanismError

__all__ = [
    "MECHANISMS_DIR",
    "CompilerNotFoundError",
    "MechanismCompilationError",
    "MechanismError",
    "available_mechanisms",
    "cache_root",
    "compile_mechanisms",
    "content_hash",
    "load_mechanisms",
]


def _default_mechanisms_dir() -> Path:
    env = os.environ.get("ISF_MECHANISMS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    # this file: <repo>/isf/backends/neuron/mechanisms.py -> <repo>/mechanisms
    return Path(__file__).resolve().parents[3] / "mechanisms"


#: Folder holding the project's ``.mod`` files: ``<repo>/mechanisms``, or the
#: value of the environment variable ``ISF_MECHANISMS_DIR`` (read at import
#: time; an ``ISF_MECHANISMS_DIR`` set later is still honoured by the
#: functions below when they are called without ``source_dir``).
MECHANISMS_DIR: Path = _default_mechanisms_dir()

#: Name of the build log kept in every build directory.
LOG_NAME = "nrnivmodl.log"
#: Name of the manifest written into every finished cache entry.
MANIFEST_NAME = "isf-mechanisms.json"

_TMP_PREFIX = ".tmp-"
_FAILED_PREFIX = ".failed-"
_OLD_PREFIX = ".old-"
_STALE_TMP_SECONDS = 24 * 3600.0
_STALE_FAILED_SECONDS = 7 * 24 * 3600.0
_MAX_ERROR_LINES = 40

_INSTALL_HINT = (
    "Install a C/C++ tool chain (Debian/Ubuntu: `apt install build-essential`; "
    "Fedora/RHEL: `dnf install gcc gcc-c++ make`; macOS: `xcode-select --install`), "
    "or point the environment variables CC / CXX to working compilers."
)


# --------------------------------------------------------------------------- errors


class CompilerNotFoundError(MechanismError):
    """``nrnivmodl``, ``make`` or a C/C++ compiler is missing."""


class MechanismCompilationError(MechanismError):
    """``nrnivmodl`` failed on one or more ``.mod`` files.

    Attributes:
        mod_files: names of the ``.mod`` files the errors were attributed to
            (empty if no file could be identified).
        error_lines: the relevant lines of the build output.
        log_path: the full build log (kept outside the cache entries).
    """

    def __init__(
        self,
        message: str,
        *,
        mod_files: Sequence[str] = (),
        error_lines: Sequence[str] = (),
        log_path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.mod_files = tuple(mod_files)
        self.error_lines = tuple(error_lines)
        self.log_path = log_path


# --------------------------------------------------------------------------- paths


def cache_root() -> Path:
    """Root of isf's on-disk cache.

    ``$ISF_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/isf``, else
    ``~/.cache/isf``.  Compiled mechanisms live in
    ``cache_root()/mechanisms/<hash>/``.
    """
    env = os.environ.get("ISF_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "isf"
    return Path.home() / ".cache" / "isf"


def _source_dir(source_dir: Path | str | None) -> Path:
    if source_dir is not None:
        return Path(source_dir).expanduser().resolve()
    env = os.environ.get("ISF_MECHANISMS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return MECHANISMS_DIR


def _mod_files(source_dir: Path) -> list[Path]:
    if not source_dir.is_dir():
        raise MechanismError(
            f"mechanism folder {source_dir} does not exist or is not a directory "
            "(set ISF_MECHANISMS_DIR or pass source_dir)"
        )
    files = sorted(p for p in source_dir.glob("*.mod") if p.is_file())
    if not files:
        raise MechanismError(f"no .mod files in {source_dir}")
    return files


# --------------------------------------------------------------------------- hashing


def _neuron_version() -> str:
    """NEURON version and build string (imports NEURON, does not compile)."""
    import neuron
    from neuron import h

    return f"{neuron.__version__}|{h.nrnversion()}"


def content_hash(mod_files: Sequence[Path]) -> str:
    """Hash identifying a compiled mechanism set.

    SHA-256 over the sorted file names and their bytes, the NEURON version
    string and the platform (``sys.platform``, machine), so that editing a
    ``.mod`` file or upgrading NEURON gives a new cache entry.  The result is
    the first 16 hex digits.
    """
    digest = hashlib.sha256()
    digest.update(b"isf-mechanisms-v1\0")
    for path in sorted((Path(p) for p in mod_files), key=lambda p: p.name):
        data = path.read_bytes()
        name = path.name.encode()
        digest.update(len(name).to_bytes(8, "little") + name)
        digest.update(len(data).to_bytes(8, "little") + data)
    digest.update(_neuron_version().encode())
    digest.update(f"|{sys.platform}|{platform.machine()}".encode())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- parsing

_COMMENT_BLOCK = re.compile(r"^[ \t]*COMMENT\b.*?^[ \t]*ENDCOMMENT\b", re.S | re.M)
_VERBATIM_BLOCK = re.compile(r"^[ \t]*VERBATIM\b.*?^[ \t]*ENDVERBATIM\b", re.S | re.M)
_LINE_COMMENT = re.compile(r"[:?].*$", re.M)
_NEURON_BLOCK = re.compile(r"\bNEURON\s*\{(.*?)\}", re.S)
_NAME_DECL = re.compile(r"\b(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+([A-Za-z_]\w*)")


def _names_in_mod(path: Path) -> tuple[str, ...]:
    text = path.read_text(errors="replace")
    text = _COMMENT_BLOCK.sub("", text)
    text = _VERBATIM_BLOCK.sub("", text)
    text = _LINE_COMMENT.sub("", text)
    names: list[str] = []
    for block in _NEURON_BLOCK.findall(text):
        names.extend(n for n in _NAME_DECL.findall(block) if n != "nothing")
    return tuple(names)


def available_mechanisms(source_dir: Path | None = None) -> tuple[str, ...]:
    """Mechanism names (``SUFFIX``, ``POINT_PROCESS``, ``ARTIFICIAL_CELL``)
    declared by the ``.mod`` files of ``source_dir`` (default
    :data:`MECHANISMS_DIR`), in file-name order.  Parses only; needs neither
    NEURON nor a compiler."""
    names: list[str] = []
    for path in _mod_files(_source_dir(source_dir)):
        names.extend(_names_in_mod(path))
    return tuple(names)


# --------------------------------------------------------------------------- tools


def _find_nrnivmodl() -> Path:
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
                f"(PATH={os.environ.get('PATH', '')!r}). Fix or unset {var}. {_INSTALL_HINT}"
            )
        return env, True
    for cand in candidates:
        if cand and _which_command(cand) is not None:
            return cand, False
    names = ", ".join(dict.fromkeys(c.split()[0] for c in candidates if c))
    raise CompilerNotFoundError(
        f"no {what} found: none of {names} is on PATH and {var} is not set; "
        f"nrnivmodl needs one to compile the mechanisms. {_INSTALL_HINT}"
    )


def _build_environment(nrnivmodl: Path) -> dict[str, str]:
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
        raise CompilerNotFoundError(f"`make` was not found on PATH; nrnivmodl needs it. {_INSTALL_HINT}")
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


# --------------------------------------------------------------------------- cache


def _find_library(build_dir: Path) -> Path | None:
    """Locate the shared mechanism library in a build directory.

    NEURON 9's nrnivmodl writes ``<arch>/libnrnmech.so`` (``.dylib`` on macOS);
    older versions used ``<arch>/.libs/libnrnmech.so``.
    """
    if not build_dir.is_dir():
        return None
    arch = platform.machine()
    for rel in (
        f"{arch}/libnrnmech.so",
        f"{arch}/libnrnmech.dylib",
        f"{arch}/.libs/libnrnmech.so",
        "arm64/libnrnmech.dylib",
        "nrnmech.dll",
    ):
        cand = build_dir / rel
        if cand.is_file():
            return cand
    found = sorted(
        (p for p in build_dir.rglob("*nrnmech*") if p.is_file() and p.suffix in {".so", ".dylib", ".dll"}),
        key=lambda p: (len(p.parts), str(p)),
    )
    return found[0] if found else None


def _clean_stale(entries: Path, digest: str) -> None:
    """Remove leftovers of crashed builds and old failure logs."""
    now = time.time()
    for path in entries.iterdir() if entries.is_dir() else ():
        name = path.name
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        if name.startswith(_TMP_PREFIX):
            # a build of another process may still be running: only old ones
            stale = age > _STALE_TMP_SECONDS
        elif name.startswith(_FAILED_PREFIX):
            # keep failure logs a while, but only the newest per mechanism set
            stale = age > _STALE_FAILED_SECONDS or name.startswith(f"{_FAILED_PREFIX}{digest}-")
        else:
            stale = name.startswith(_OLD_PREFIX)
        if stale:
            shutil.rmtree(path, ignore_errors=True)


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


def _raise_build_failure(
    log: str, returncode: int, mod_files: Sequence[Path], log_path: Path, env: dict[str, str]
) -> None:
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
        raise CompilerNotFoundError(
            "the build tool chain is incomplete:\n  "
            + "\n  ".join(compiler_missing)
            + f"\n{_INSTALL_HINT}\nFull log: {log_path}"
        )
    failing = _failing_files(lines, mod_files)
    which = ", ".join(failing) if failing else "could not tell which .mod file (see the log)"
    body = "\n  ".join(lines) if lines else "(no error lines recognised)"
    raise MechanismCompilationError(
        f"nrnivmodl failed (exit status {returncode}) compiling {which}:\n  {body}\nFull log: {log_path}",
        mod_files=failing,
        error_lines=lines,
        log_path=log_path,
    )


def _install(tmp: Path, target: Path, force: bool) -> Path:
    """Atomically move a finished build ``tmp`` to ``target``; return the library."""
    try:
        os.rename(tmp, target)
    except OSError:
        existing = _find_library(target)
        if existing is not None and not force:
            # another process won the race: use its entry
            shutil.rmtree(tmp, ignore_errors=True)
            return existing
        # replace a forced or broken (library-less) entry
        old = target.with_name(f"{_OLD_PREFIX}{target.name}-{os.getpid()}-{time.time_ns()}")
        try:
            os.rename(target, old)
        except FileNotFoundError:
            pass
        try:
            os.rename(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    lib = _find_library(target)
    if lib is None:  # pragma: no cover - only if a concurrent process broke the entry
        raise MechanismError(f"cache entry {target} has no compiled library")
    return lib


def compile_mechanisms(source_dir: Path | None = None, *, force: bool = False) -> Path:
    """Compile the ``.mod`` files of ``source_dir`` (unless cached).

    Args:
        source_dir: folder with ``.mod`` files; default :data:`MECHANISMS_DIR`
            (or ``$ISF_MECHANISMS_DIR``).
        force: recompile even if a cache entry exists (the entry is replaced
            atomically).

    Returns:
        Path of the shared library to load, inside
        ``cache_root()/mechanisms/<content_hash>/``.

    Raises:
        CompilerNotFoundError: nrnivmodl, make or a C/C++ compiler is missing.
        MechanismCompilationError: nrnivmodl failed; the message names the
            failing ``.mod`` file(s), the relevant error lines and the full
            log.  The log is kept in ``cache_root()/mechanisms/.failed-<hash>-*/``,
            which is never used as a cache entry (no cache entry is created).
        MechanismError: ``source_dir`` has no ``.mod`` files.
    """
    src = _source_dir(source_dir)
    mod_files = _mod_files(src)
    digest = content_hash(mod_files)
    entries = cache_root() / "mechanisms"
    target = entries / digest
    if not force:
        lib = _find_library(target)
        if lib is not None:
            return lib

    nrnivmodl = _find_nrnivmodl()
    env = _build_environment(nrnivmodl)
    entries.mkdir(parents=True, exist_ok=True)
    _clean_stale(entries, digest)

    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{digest}-", dir=entries))
    try:
        # mkdtemp creates 0700; a cache entry should be as readable as any other
        # cache file (e.g. for a group-shared ISF_CACHE_DIR)
        os.chmod(tmp, 0o755)
        for path in mod_files:
            shutil.copyfile(path, tmp / path.name)
        cmd = [str(nrnivmodl)]
        started = time.time()
        proc = subprocess.run(
            cmd,
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            check=False,
        )
        log = proc.stdout or ""
        header = (
            f"# command: {shlex.join(cmd)}\n# cwd: {tmp}\n# source: {src}\n"
            f"# CC={env.get('CC', '')} CXX={env.get('CXX', '')}\n"
            f"# exit status: {proc.returncode}, {time.time() - started:.1f} s\n\n"
        )
        (tmp / LOG_NAME).write_text(header + log)
        lib = _find_library(tmp) if proc.returncode == 0 else None
        if lib is None:
            failed = entries / f"{_FAILED_PREFIX}{tmp.name[len(_TMP_PREFIX):]}"
            os.rename(tmp, failed)
            tmp = failed
            if proc.returncode == 0:
                raise MechanismCompilationError(
                    f"nrnivmodl reported success but produced no libnrnmech library in {failed}; "
                    f"full log: {failed / LOG_NAME}",
                    log_path=failed / LOG_NAME,
                )
            _raise_build_failure(log, proc.returncode, mod_files, failed / LOG_NAME, env)
        manifest = {
            "hash": digest,
            "neuron": _neuron_version(),
            "platform": f"{sys.platform}-{platform.machine()}",
            "source_dir": str(src),
            "files": [p.name for p in mod_files],
            "mechanisms": [n for p in mod_files for n in _names_in_mod(p)],
            "library": str(lib.relative_to(tmp)),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        if tmp.name.startswith(_TMP_PREFIX):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _install(tmp, target, force)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _LoadedSet:
    digest: str
    library: Path
    source_dir: Path
    names: frozenset[str]


_LOCK = threading.RLock()
_LOADED: dict[str, _LoadedSet] = {}


def _neuron_mechanism_names() -> set[str]:
    """Names of all density mechanisms and point processes NEURON knows now."""
    from neuron import h

    names: set[str] = set()
    selected = h.ref("")
    for kind in (0, 1):
        mt = h.MechanismType(kind)
        for i in range(int(mt.count())):
            mt.select(i)
            mt.selected(selected)
            names.add(str(selected[0]))
    return names


def load_mechanisms(source_dir: Path | None = None) -> Path:
    """Compile (if needed) and load a mechanism set into this NEURON process.

    Idempotent: a set with the same content hash is loaded once per process,
    further calls return the same library path.  Loading a *different* set
    that defines a mechanism name NEURON already knows (from an earlier set,
    NEURON's built-ins, or a library loaded by other code) raises
    :class:`MechanismError` instead of letting NEURON abort.

    Returns:
        Path of the loaded shared library.
    """
    src = _source_dir(source_dir)
    mod_files = _mod_files(src)
    with _LOCK:
        digest = content_hash(mod_files)
        loaded = _LOADED.get(digest)
        if loaded is not None:
            return loaded.library

        names = [n for p in mod_files for n in _names_in_mod(p)]
        for other in _LOADED.values():
            clash = sorted(other.names.intersection(names))
            if clash:
                raise MechanismError(
                    f"cannot load the mechanisms in {src} (hash {digest}): "
                    f"{', '.join(clash)} already loaded from {other.source_dir} "
                    f"(hash {other.digest}, {other.library}). NEURON cannot unload or redefine "
                    "a mechanism; start a new Python process to use the changed set."
                )
        clash = sorted(_neuron_mechanism_names().intersection(names))
        if clash:
            raise MechanismError(
                f"cannot load the mechanisms in {src} (hash {digest}): {', '.join(clash)} "
                "already defined in NEURON (built in, or loaded by other code, e.g. "
                "neuron.load_mechanisms() or an x86_64/ folder in the working directory that "
                "NEURON loads at import). Rename the mechanism or use a fresh process."
            )

        lib = compile_mechanisms(src)
        from neuron import h

        if not h.nrn_load_dll(str(lib)):
            raise MechanismError(f"NEURON could not load {lib} (nrn_load_dll returned 0)")
        _LOADED[digest] = _LoadedSet(digest, lib, src, frozenset(names))
        return lib
