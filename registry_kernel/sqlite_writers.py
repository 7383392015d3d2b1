"""One queue for the registry's writers on an SQLite database.

SQLite has one write lock per database file. A connection that cannot take it sleeps in
SQLite's busy handler, in back-off steps of up to 100 ms, and nobody wakes it when the lock is
freed: with a few concurrent writers the slowest requests wait hundreds of milliseconds for a
lock that is held a few milliseconds at a time. So the registry's writers (request threads of
every app server, workers, the CLI) first take an advisory lock of a file next to the database,
before ``BEGIN IMMEDIATE``. The operating system wakes the writers waiting for it as soon as it
is released, and every waiting writer, whichever process it is in, has the same chance to be
next. A writer that has to wait does so in a helper thread, so it can give up after ``timeout``
as SQLite's busy timeout would. The writer keeps its turn until its connection goes back to the
pool, after ``COMMIT`` or ``ROLLBACK``. Other programs writing to the file still meet SQLite's
own busy timeout.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
from collections.abc import Callable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no queue, SQLite's busy timeout only
    fcntl = None  # type: ignore[assignment]


class _Helpers:
    """Daemon threads that wait in ``flock`` for writers (reused; a daemon never holds up the
    process's exit, even while it waits behind a writer that never finishes)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._count = threading.Lock()

    def run(self, job: Callable[[], None]) -> None:
        with self._count:
            if self._idle:
                self._idle -= 1
            else:
                threading.Thread(target=self._work, daemon=True,
                                 name="sqlite-writer-wait").start()
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            self._jobs.get()()
            with self._count:
                self._idle += 1


_HELPERS: dict[int, _Helpers] = {}


def _helpers() -> _Helpers:
    """This process's helper threads (a forked child makes its own)."""
    pid = os.getpid()
    if pid not in _HELPERS:
        _HELPERS.clear()
        _HELPERS[pid] = _Helpers()
    return _HELPERS[pid]


class _Wait:
    """A writer waiting for the file lock, through a helper thread blocked in ``flock``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.granted = threading.Event()
        self.abandoned = False
        self.decided = threading.Lock()

    def run(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        with self.decided:
            if not self.abandoned:
                self.granted.set()
                return
        os.close(self.fd)  # the writer gave up: closing gives the lock back


class WriterQueue:
    """Writers of one database file, one at a time (see the module's docstring)."""

    def __init__(self, database_path: str, timeout: float = 30.0) -> None:
        self.lock_path = f"{database_path}-writers.lock"
        self.timeout = timeout

    def acquire(self) -> int | None:
        """Wait for this database's write turn and return the descriptor that holds it (give it
        to :meth:`release`); ``database is locked`` after ``timeout``."""
        if fcntl is None:
            return None
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait(fd)  # (if it gives up, the helper owns ``fd`` and closes it)
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def release(fd: int | None) -> None:
        if fd is not None:
            os.close(fd)  # closing the only descriptor of the lock releases it

    def _wait(self, fd: int) -> None:
        wait = _Wait(fd)
        _helpers().run(wait.run)
        if wait.granted.wait(self.timeout):
            return
        with wait.decided:
            if wait.granted.is_set():  # granted just now
                return
            wait.abandoned = True
        raise sqlite3.OperationalError("database is locked (another writer kept it)")
