"""One queue for the registry's writers on an SQLite database.

SQLite has one write lock per database file. A connection that cannot take it sleeps in
SQLite's busy handler, in back-off steps of up to 100 ms, and nobody wakes it when the lock is
freed: with a few concurrent writers the slowest requests wait hundreds of milliseconds for a
lock that is held a few milliseconds at a time. So the registry queues its own writers before
``BEGIN IMMEDIATE``: the threads of a process on a lock that hands over at once, the processes
(app servers, workers, the CLI) on an advisory lock of a file next to the database, for which
only the one thread per process at the head of its queue waits. The writer keeps its place until
its connection goes back to the pool, after ``COMMIT`` or ``ROLLBACK``. Other programs writing to
the file still meet SQLite's own busy timeout.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads of one process are queued only
    fcntl = None  # type: ignore[assignment]

_FIRST_PAUSE = 0.0002
_LONGEST_PAUSE = 0.002
_QUEUES: weakref.WeakSet[WriterQueue] = weakref.WeakSet()


class WriterQueue:
    """Writers of one database file, one at a time (see the module's docstring)."""

    def __init__(self, database_path: str, timeout: float = 30.0) -> None:
        self.lock_path = f"{database_path}-writers.lock"
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        _QUEUES.add(self)

    def acquire(self) -> None:
        """Wait for this database's write turn; ``database is locked`` after ``timeout``."""
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (waited for other writers)")
        try:
            self._lock_file(deadline)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _lock_file(self, deadline: float) -> None:
        if fcntl is None:
            return
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        pause = _FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        "database is locked (another process kept writing)") from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)

    def _forget_parent(self) -> None:
        """In a forked child: the parent's file description and thread lock are not ours (a lock
        on a shared description would let two processes write at once)."""
        self._threads = threading.Lock()
        self._fd = None


def _after_fork_in_child() -> None:
    for queue in list(_QUEUES):
        queue._forget_parent()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
