"""The content-hashed cache of compiled mechanism sets, and the build that fills it.

Every compiled set lives in its own entry named by
:func:`~isf.backends.neuron.mechanisms.sources.content_hash`::

    <cache_root()>/mechanisms/<hash>/x86_64/libnrnmech.so

A build runs in a temporary sibling directory (``.tmp-<hash>-*``) that is
renamed into place only when the library exists, so a crashed or concurrent
compilation never leaves a half-built entry behind; of two concurrent builds
of the same set, the first rename wins and the other process uses that entry.
A failed build is renamed to ``.failed-<hash>-*`` (kept for its log, never used
as an entry).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from isf.backends.neuron.mechanisms.diagnostics import MechanismCompilationError, build_error
from isf.backends.neuron.mechanisms.sources import (
    content_hash,
    declared_names,
    mod_files,
    neuron_version,
    resolve_source_dir,
)
from isf.backends.neuron.mechanisms.toolchain import build_environment, find_nrnivmodl
from isf.errors import MechanismError

__all__ = [
    "LOG_NAME",
    "MANIFEST_NAME",
    "cache_root",
    "clean_stale",
    "compile_mechanisms",
    "find_library",
    "install",
]

#: Name of the build log kept in every build directory.
LOG_NAME = "nrnivmodl.log"
#: Name of the manifest written into every finished cache entry.
MANIFEST_NAME = "isf-mechanisms.json"

_TMP_PREFIX = ".tmp-"
_FAILED_PREFIX = ".failed-"
_OLD_PREFIX = ".old-"
_STALE_TMP_SECONDS = 24 * 3600.0
_STALE_FAILED_SECONDS = 7 * 24 * 3600.0


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


def find_library(build_dir: Path) -> Path | None:
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


def clean_stale(entries: Path, digest: str) -> None:
    """Remove leftovers of crashed builds and old failure logs from the folder ``entries``.

    Args:
        entries: ``cache_root()/mechanisms``.
        digest: the hash about to be built (its earlier failure logs are replaced).
    """
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


def install(tmp: Path, target: Path, force: bool) -> Path:
    """Atomically move a finished build ``tmp`` to ``target``; return the library."""
    try:
        os.rename(tmp, target)
    except OSError:
        existing = find_library(target)
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
    lib = find_library(target)
    if lib is None:  # pragma: no cover - only if a concurrent process broke the entry
        raise MechanismError(f"cache entry {target} has no compiled library")
    return lib


def compile_mechanisms(source_dir: Path | None = None, *, force: bool = False) -> Path:
    """Compile the ``.mod`` files of ``source_dir`` (unless cached).

    Args:
        source_dir: folder with ``.mod`` files; default
            :data:`~isf.backends.neuron.mechanisms.MECHANISMS_DIR` (or ``$ISF_MECHANISMS_DIR``).
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
    src = resolve_source_dir(source_dir)
    files = mod_files(src)
    digest = content_hash(files)
    entries = cache_root() / "mechanisms"
    target = entries / digest
    if not force:
        lib = find_library(target)
        if lib is not None:
            return lib

    nrnivmodl = find_nrnivmodl()
    env = build_environment(nrnivmodl)
    entries.mkdir(parents=True, exist_ok=True)
    clean_stale(entries, digest)

    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{digest}-", dir=entries))
    try:
        # mkdtemp creates 0700; a cache entry should be as readable as any other
        # cache file (e.g. for a group-shared ISF_CACHE_DIR)
        os.chmod(tmp, 0o755)
        for path in files:
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
        lib = find_library(tmp) if proc.returncode == 0 else None
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
            raise build_error(log, proc.returncode, files, failed / LOG_NAME, env)
        manifest = {
            "hash": digest,
            "neuron": neuron_version(),
            "platform": f"{sys.platform}-{platform.machine()}",
            "source_dir": str(src),
            "files": [p.name for p in files],
            "mechanisms": [n for p in files for n in declared_names(p)],
            "library": str(lib.relative_to(tmp)),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        if tmp.name.startswith(_TMP_PREFIX):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return install(tmp, target, force)
