"""Advisory file locks (``flock``) and durable writes: the building blocks of the study database's
safety (:mod:`isf.store.database`).

A :class:`FileLock` is shared (readers) or exclusive (writers) and held while its ``with`` block runs.
``flock`` locks belong to an open file, so two threads or two processes opening the same lock file
exclude each other; they are released by the kernel when the holder dies, which is how a crashed
writer is told from a running one. They need a file system that supports them (local disks do;
NFS emulates them with POSIX locks; some parallel file systems need the ``flock`` mount option).
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

__all__ = ["FileLock", "fsync_dir", "write_durably"]


class FileLock:
    """An ``flock`` on ``path`` (created if missing, never deleted: removing a lock file would let two
    holders lock different files of the same name).

    Args:
        path: the lock file.
        shared: ``True`` for a shared lock (many holders), ``False`` for an exclusive one.
        blocking: wait for the lock; if ``False``, :meth:`acquire` returns ``False`` when it is held.

    A shared lock whose file cannot be created (a database on read-only media, where nobody writes)
    is taken without a file.
    """

    def __init__(self, path: str | os.PathLike[str], *, shared: bool = False, blocking: bool = True) -> None:
        self.path = Path(path)
        self.shared = shared
        self.blocking = blocking
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; ``False`` if non-blocking and someone else holds it."""
        if self._fd is not None:
            raise RuntimeError(f"lock {self.path} is already held by this object")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            if not self.shared or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT):
                raise
            try:  # a reader of a database on read-only media: lock if the file is there, else nobody writes
                fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                self._fd = -1
                return True
        flags = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | (0 if self.blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock back (closing the file releases it)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            if fd >= 0:
                os.close(fd)

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make the entries of a directory (files created, renamed or removed in it) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` into a new file ``path`` and flush it to disk (the caller renames it into place
    and syncs the directory)."""
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
