"""Engine, sessions and the declarative base shared by the kernel and every plugin."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from .sqlite_writers import WriterQueue

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; one ``MetaData`` for the kernel and all plugins."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns timezone-aware UTC datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """A random UUID string, used as primary key where the id must exist before insert."""
    return str(uuid.uuid4())


_WRITING = "registry_sqlite_writer"  # set on a pooled connection that holds the write turn


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and explicit BEGIN so writes can take the lock early.

    pysqlite's own transaction handling is disabled; we emit ``BEGIN`` ourselves. A connection
    with the execution option ``sqlite_begin="IMMEDIATE"`` takes the write lock at once, which is
    what SQLite offers instead of ``SELECT ... FOR UPDATE``; the registry's own writers queue for
    it (:mod:`registry_kernel.sqlite_writers`) instead of sleeping in SQLite's busy handler.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    database = engine.url.database
    writers = WriterQueue(database) if database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        queued = writers is not None and mode == "IMMEDIATE" and _WRITING not in connection.info
        if queued:
            connection.info[_WRITING] = writers.acquire()
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            if queued:
                writers.release(connection.info.pop(_WRITING))
            raise

    def _leave_queue(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None and _WRITING in record.info:
            writers.release(record.info.pop(_WRITING))

    if writers is not None:  # the write turn ends when the connection is back in the pool
        event.listen(engine, "checkin", _leave_queue)
        event.listen(engine, "invalidate", _leave_queue)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine configured for SQLite (embedded) or PostgreSQL (production)."""
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions never expire on commit, so objects stay usable after a view commits."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer (SQLite: ``BEGIN IMMEDIATE``).

    Call before the first statement of a unit of work that must not race, such as taking a
    seat. On PostgreSQL this is a no-op: row locks and conditional updates do the work.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


_WRITER = "registry_writer"


def writing_session(session: Session) -> Session:
    """Make every transaction of ``session`` a writer's (:func:`begin_write`): the first, and
    the next one after a commit part-way through a request (SQLite: ``BEGIN IMMEDIATE`` each
    time, so a read never turns into a write that races)."""
    session.info[_WRITER] = True
    begin_write(session)
    return session


@event.listens_for(Session, "do_orm_execute")
def _writer_executes(state: Any) -> None:
    if state.session.info.get(_WRITER):
        begin_write(state.session)


@event.listens_for(Session, "before_flush")
def _writer_flushes(session: Session, *_args: Any) -> None:
    if session.info.get(_WRITER):
        begin_write(session)


@contextmanager
def unit_of_work(factory: Callable[[], Session], *, write: bool = True) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (CLI, workers, scripts)."""
    session = factory()
    try:
        if write:
            begin_write(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
