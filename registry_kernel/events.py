"""Domain events: recorded inside the causing transaction, announced again after it commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .extension import Event

if TYPE_CHECKING:
    from .runtime import Registry

_PENDING = "registry_pending_events"


def emit(session: Session, registry: Registry, type_: str, data: dict[str, Any]) -> Event:
    """Emit a domain event: ``domain_event`` hooks run now, in this transaction (so outbox rows
    they write commit with the change); ``domain_event_committed`` hooks run after commit."""
    event = Event(type=type_, data=data)
    registry.plugins.hook.domain_event(session=session, registry=registry, event=event)
    session.info.setdefault(_PENDING, []).append((registry, event))
    return event


@sa_event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for registry, event in pending or ():
        registry.plugins.hook.domain_event_committed(registry=registry, event=event)
        registry.outbox.wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
