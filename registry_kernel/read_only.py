"""Read-only sessions: a GET request reads without taking SQLite's write lock.

A request that only reads opens a plain (deferred) transaction, so on SQLite any number of them
run beside each other and beside one writer. Such a session refuses to write: a flush with
changes or an ORM ``INSERT``/``UPDATE``/``DELETE`` raises :class:`ReadOnlySessionError`, so a
view that writes without saying so fails in every test instead of racing in production. (In
production the write is let through with a warning in the log: on PostgreSQL it is harmless, and
on SQLite it fails only if another writer committed since the request began reading.)

What a reading request must still record (the audit row of a read, a report's verification
code) goes through :func:`side_write`: a short unit of work of its own that takes the write lock
only for that moment and commits before the data is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from .db import unit_of_work

READ_ONLY = "registry_read_only"
_IN_PLACE = "registry_side_write_in_place"
_LENIENT = "lenient"
log = logging.getLogger(__name__)


class ReadOnlySessionError(RuntimeError):
    """A read-only session was asked to write (use :func:`side_write`, or mark the view with
    :func:`registry_kernel.web.writes_on_get`)."""


def mark_read_only(session: Session, *, strict: bool = True) -> Session:
    """Make ``session`` refuse writes (``strict=False``: log them instead, see above)."""
    session.info[READ_ONLY] = True if strict else _LENIENT
    return session


def is_read_only(session: Session) -> bool:
    return bool(session.info.get(READ_ONLY))


def writes_in_place(session: Session) -> bool:
    """True inside :func:`side_write` when the side write happens in the read-only session
    itself (what it writes must be flushed before the block ends, not left for a commit)."""
    return bool(session.info.get(_IN_PLACE))


@contextmanager
def side_write(session: Session) -> Iterator[Session]:
    """A session that may write next to ``session``.

    For a writing session that is ``session`` itself (the write joins its transaction). For a
    read-only one it is a new session on the same engine, in a transaction of its own that takes
    the write lock and commits on exit. A read-only session joined to an outer connection (the
    test kit's rolled-back transaction) has no second transaction to offer: the write happens in
    place, flushed before the session is read-only again.
    """
    if not is_read_only(session):
        yield session
        return
    bind = session.get_bind()
    if isinstance(bind, Connection):
        mode = session.info[READ_ONLY]
        session.info.update({READ_ONLY: False, _IN_PLACE: True})
        try:
            yield session
            session.flush()
        finally:
            session.info.update({READ_ONLY: mode, _IN_PLACE: False})
        return
    with unit_of_work(partial(Session, bind=bind, expire_on_commit=False)) as writer:
        yield writer


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if not is_read_only(session):
        return
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        changed = sorted({type(o).__name__ for o in (*session.new, *session.deleted,
                                                     *session.dirty)})
        _refuse(session, f"a read-only request tried to write {', '.join(changed)}")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and is_read_only(state.session):
        _refuse(state.session, "a read-only request tried to run an INSERT, UPDATE or DELETE")


def _refuse(session: Session, message: str) -> None:
    if session.info.get(READ_ONLY) != _LENIENT:
        raise ReadOnlySessionError(message)
    log.warning("%s (mark the view writes_on_get, or write through side_write)", message)
