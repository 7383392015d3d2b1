"""Append-only, hash-chained audit log: who read or changed personal data, when and why.

Rows are written in the same transaction as the change they record; a read is recorded before
its data is returned, in a short transaction of its own when the request only reads
(:func:`registry_kernel.read_only.side_write`). They hold field names, never values. Each
row's hash covers its content and the previous row's hash, so an edited or deleted row breaks
the chain (``registry audit verify``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .db import utcnow
from .models import AuditEvent
from .read_only import side_write

if TYPE_CHECKING:
    from .auth.actor import Actor

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_301_984_220  # PostgreSQL advisory lock serializing the chain


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
    """Append an audit event in the caller's transaction (a read-only request's: in a short
    transaction of its own, committed before the data it records is returned)."""
    with side_write(session) as writer:
        return _append(writer, actor=actor, action=action,
                       subject_participant_id=subject_participant_id,
                       resource_type=resource_type, resource_id=resource_id, fields=fields,
                       reason=reason)


def _append(session: Session, *, actor: Actor | None, action: str,
            subject_participant_id: str | None, resource_type: str | None,
            resource_id: str | int | None, fields: Iterable[str] | None,
            reason: str | None) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        session.flush()
    prev = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
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
        prev_hash=prev or GENESIS,
    )
    event.row_hash = _digest(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


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
