"""SQLite's writers queue for the write lock (registry_kernel.sqlite_writers)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc, func, select, text

from registry_kernel.db import make_engine, make_session_factory, unit_of_work
from registry_kernel.sqlite_writers import WriterQueue


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A file database with one counter row (SQLite only: the queue is SQLite's)."""
    path = tmp_path / "writers.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    engine.dispose()
    return path


def other_process_lock(path: Path) -> int:
    """Take the queue's file lock as another process would (its own open file description)."""
    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def increment(sessions) -> None:
    with unit_of_work(sessions) as session:
        n = session.scalar(text("SELECT n FROM counter"))
        session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def counter(sessions) -> int:
    with sessions() as session:
        return session.scalar(text("SELECT n FROM counter"))


def test_threads_write_one_at_a_time_and_none_is_lost(database):
    engine = make_engine(f"sqlite:///{database}", pool_size=8)
    sessions = make_session_factory(engine)
    threads = [threading.Thread(target=lambda: [increment(sessions) for _ in range(25)])
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert counter(sessions) == 200
    engine.dispose()


def test_a_writer_waits_for_another_process_and_goes_as_soon_as_it_is_done(database):
    engine = make_engine(f"sqlite:///{database}")
    sessions = make_session_factory(engine)
    fd = other_process_lock(database)
    finished = threading.Event()
    writer = threading.Thread(target=lambda: (increment(sessions), finished.set()))
    writer.start()
    assert not finished.wait(0.3)  # queued behind the other process
    released_at = time.monotonic()
    fcntl.flock(fd, fcntl.LOCK_UN)
    assert finished.wait(5)
    assert time.monotonic() - released_at < 1  # woken, not sleeping in a long back-off
    writer.join()
    # its turn ended with its transaction: another process gets the lock at once
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)
    assert counter(sessions) == 1
    engine.dispose()


def test_reads_do_not_queue(database):
    engine = make_engine(f"sqlite:///{database}")
    fd = other_process_lock(database)
    try:
        with unit_of_work(make_session_factory(engine), write=False) as session:
            assert session.scalar(select(func.count()).select_from(text("counter"))) == 1
    finally:
        os.close(fd)
    engine.dispose()


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(database):
    fd = other_process_lock(database)
    queue = WriterQueue(str(database), timeout=0.2)
    with pytest.raises(Exception, match="database is locked"):
        queue.acquire()
    os.close(fd)
    queue.release(queue.acquire())  # the queue is usable afterwards
    # and nothing kept the lock: the given-up wait may still get its turn (its helper thread
    # sleeps in flock) but hands it straight back, so the lock is free within moments
    check = os.open(f"{database}-writers.lock", os.O_RDWR)
    deadline = time.monotonic() + 5
    while True:
        try:
            fcntl.flock(check, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "the given-up wait kept the write lock"
            time.sleep(0.01)
    os.close(check)


def test_a_failed_begin_gives_the_turn_back(database):
    engine = make_engine(f"sqlite:///{database}")
    sessions = make_session_factory(engine)
    outsider = engine.raw_connection()  # another program: SQLite's lock, not the queue
    outsider.execute("BEGIN IMMEDIATE")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=50")
        conn.commit()
        with pytest.raises(exc.OperationalError, match="locked"):
            conn.execution_options(sqlite_begin="IMMEDIATE").begin()
    outsider.execute("ROLLBACK")
    outsider.close()
    increment(sessions)  # the failed BEGIN did not keep the queue's turn
    engine.dispose()
