"""Append-only, hash-chained audit log: who read or changed personal data, when and why.

Rows are written in the same transaction as the change they record, at its commit; a read is
recorded before its data is returned, in a short transaction of its own when the request only
reads (:func:`registry_kernel.read_only.side_write`). They hold field names, never values. Each
row's hash covers its content and the previous row's hash, so an edited or deleted row breaks
the chain (``registry audit verify``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from .db import utcnow
from .models import AuditEvent
from .read_only import is_read_only, side_write, writes_in_place

if TYPE_CHECKING:
    from .auth.actor import Actor

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_301_984_220  # PostgreSQL advisory lock serializing the chain
_PENDING = "audit_pending"  # session.info: events recorded, written at commit


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps({
        "prev": prev_hash,
        "at": event.occurred_at.isoformat(),
        "actor": event.actor_account_id, "role": event.actor_role, "org": event.actor_org_id,
        "client": event.oauth_client_id, "action": event.action,
        "subject": event.subject_participant_id, "type": event.resource_type,
        "resource": event.resource_id, "fields": event.fields, "reason": event.reason,
    }, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def record(session: Session, *, actor: Actor | None, action: str,
           subject_participant_id: str | None = None, resource_type: str | None = None,
           resource_id: str | int | None = None, fields: Iterable[str] | None = None,
           reason: str | None = None) -> AuditEvent:
    """Record an audit event in the caller's transaction (a read-only request's: in a short
    transaction of its own, committed before the data it records is returned).

    The event is written, and linked into the chain, when its transaction commits
    (:func:`_chain_pending`); an event recorded in a savepoint that rolls back is dropped with
    it."""
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        actor_account_id=actor.account_id if actor else None,
        actor_role=actor.acting_role if actor else "system",
        actor_org_id=actor.organization_id if actor else None,
        oauth_client_id=actor.client_id if actor else None,
        action=action,
        subject_participant_id=subject_participant_id,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        fields=sorted(fields) if fields is not None else None,
        reason=reason[:500] if reason else None,
    )
    reading = is_read_only(session)
    with side_write(session) as writer:
        innermost = (writer.get_nested_transaction() or writer.get_transaction()
                     or writer.begin())  # (the event belongs to a transaction from here)
        writer.info.setdefault(_PENDING, []).append((event, innermost))
        if reading or writes_in_place(writer):  # not left for the request's commit
            _write_pending(writer)
    return event


@listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Link the transaction's recorded events into the chain and write them, just before the
    commit. The chain's lock (PostgreSQL: an advisory lock; SQLite: the write lock) is held
    only from here to the commit, so audited writes run side by side until they commit."""
    if not session.in_nested_transaction():
        _write_pending(session)


def _write_pending(session: Session) -> None:
    if not session.info.get(_PENDING):
        return
    events = [event for event, _ in session.info.pop(_PENDING)]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        session.flush()  # (a writer: holds SQLite's write lock from here)
    prev = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    for event in events:
        event.prev_hash = prev
        event.row_hash = prev = _digest(prev, event)
    session.add_all(events)
    session.flush()


@listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the events recorded in a transaction (or savepoint) that rolled back."""
    _drop_recorded_in(session, previous_transaction)


@listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing leaves nothing queued for its next transaction."""
    if transaction.parent is None:
        _drop_recorded_in(session, transaction)


def _drop_recorded_in(session: Session, transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [(event, tx) for event, tx in pending
                                  if transaction not in _lineage(tx)]


def _lineage(transaction: SessionTransaction | None) -> list[SessionTransaction]:
    chain = []
    while transaction is not None:
        chain.append(transaction)
        transaction = transaction.parent
    return chain


def verify_chain(session: Session, batch_size: int = 5000) -> tuple[bool, int, int | None]:
    """Walk the chain; returns ``(intact, rows checked, id of the first broken row)``."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch_size)).all()
        if not rows:
            return True, checked, None
        for row in rows:
            if row.prev_hash != prev or _digest(row.prev_hash, row) != row.row_hash:
                return False, checked, row.id
            prev = row.row_hash
            checked += 1
            last_id = row.id


def trail_for(session: Session, participant_id: str, limit: int = 200) -> list[AuditEvent]:
    """Newest-first audit events about one participant (for "who viewed my record")."""
    return list(session.scalars(select(AuditEvent)
                                .where(AuditEvent.subject_participant_id == participant_id)
                                .order_by(AuditEvent.id.desc()).limit(limit)))
