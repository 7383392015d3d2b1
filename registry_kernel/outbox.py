"""Transactional outbox: side effects written with their cause, delivered by a worker.

``enqueue`` adds a row in the caller's transaction. A worker claims due rows (PostgreSQL:
``FOR UPDATE SKIP LOCKED``; SQLite: inside ``BEGIN IMMEDIATE``), runs the handler outside any
transaction, and marks the row done or schedules a retry with exponential backoff and jitter.
A claim lasts ``claim_seconds``; while the worker holds a batch it renews the claim of the
messages it has not finished, so a slow handler (a large report) is never picked up by a second
worker. Delivery is at least once (a worker that dies mid-handler leaves its claim to expire);
``message_id`` is stable across retries for de-duplication.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .db import unit_of_work, utcnow
from .models import OutboxMessage

if TYPE_CHECKING:
    from .runtime import Registry

log = logging.getLogger(__name__)
Handler = Callable[["Registry", OutboxMessage], None]
CLAIM_SECONDS = 300


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 12,
            delay: timedelta | None = None) -> OutboxMessage:
    """Add an outbox message in the caller's transaction."""
    message = OutboxMessage(kind=kind, payload=payload, max_attempts=max_attempts,
                            next_attempt_at=utcnow() + (delay or timedelta(0)))
    session.add(message)
    return message


def backoff(attempts: int, base_seconds: float = 30.0, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential backoff with full jitter: about 30 s, 1 min, 2 min, ... capped at an hour."""
    ceiling = min(cap_seconds, base_seconds * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


@dataclass
class DrainResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


class Outbox:
    """Claims and delivers outbox messages with the handlers plugins declare."""

    def __init__(self, registry: Registry, claim_seconds: float = CLAIM_SECONDS) -> None:
        self.registry = registry
        self.claim_seconds = claim_seconds
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def handlers(self) -> dict[str, Handler]:
        merged: dict[str, Handler] = {}
        for mapping in self.registry.plugins.hook.outbox_handlers():
            merged.update(mapping or {})
        return merged

    def _claim(self, limit: int) -> list[OutboxMessage]:
        now = utcnow()
        with unit_of_work(self.registry.sessions) as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.status == "pending",
                            OutboxMessage.next_attempt_at <= now,
                            or_(OutboxMessage.locked_until.is_(None),
                                OutboxMessage.locked_until < now))
                     .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            messages = list(session.scalars(query))
            for message in messages:
                message.locked_until = now + timedelta(seconds=self.claim_seconds)
            return messages

    def _finish(self, message: OutboxMessage, error: str | None) -> str:
        with unit_of_work(self.registry.sessions) as session:
            values: dict[str, Any] = {"attempts": OutboxMessage.attempts + 1, "locked_until": None}
            attempts = message.attempts + 1
            if error is None:
                outcome = "done"
                values.update(status="done", done_at=utcnow(), last_error=None)
                if message.kind == "mail":  # delivered mail need not be kept
                    values["payload"] = {}
            elif attempts >= message.max_attempts:
                outcome = "failed"
                values.update(status="failed", last_error=error[:2000])
            else:
                outcome = "retried"
                values.update(last_error=error[:2000],
                              next_attempt_at=utcnow() + backoff(attempts))
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                            .values(**values))
        return outcome

    def drain(self, limit: int = 100, max_rounds: int = 50) -> DrainResult:
        """Deliver due messages until none are due (bounded); returns what happened."""
        handlers = self.handlers()
        result = DrainResult()
        for _ in range(max_rounds):
            batch = self._claim(limit)
            if not batch:
                break
            with _ClaimRenewal(self, [message.id for message in batch]) as claim:
                for message in batch:
                    outcome = self._finish(message, self._deliver(handlers, message))
                    claim.release(message.id)
                    attribute = "delivered" if outcome == "done" else outcome
                    setattr(result, attribute, getattr(result, attribute) + 1)
        return result

    def _deliver(self, handlers: dict[str, Handler], message: OutboxMessage) -> str | None:
        """Run the message's handler; the error that asks for a retry, or None."""
        handler = handlers.get(message.kind)
        if handler is None:
            return f"no handler for outbox kind {message.kind!r} (plugin disabled?)"
        try:
            handler(self.registry, message)
        except Exception as exc:  # the handler asks for a retry by raising
            log.warning("outbox %s %s attempt failed: %s", message.kind, message.message_id,
                        type(exc).__name__)
            return f"{type(exc).__name__}: {exc}"
        return None

    def renew_claims(self, message_ids: list[int]) -> None:
        """Push back the claim of messages this worker still holds (pending and claimed)."""
        if not message_ids:
            return
        with unit_of_work(self.registry.sessions) as session:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id.in_(message_ids),
                                   OutboxMessage.status == "pending",
                                   OutboxMessage.locked_until.is_not(None))
                            .values(locked_until=utcnow()
                                    + timedelta(seconds=self.claim_seconds)))

    def wake(self) -> None:
        self._wake.set()

    def start_background(self, interval: float = 2.0) -> None:
        """Drain in a daemon thread (the embedded default for ``registry serve``); on SQLite it
        also refreshes the planner's statistics daily, as ``registry worker`` does."""
        from .db_statistics import analyze_if_due

        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    seconds = analyze_if_due(self.registry)
                    if seconds is not None:
                        log.info("planner statistics refreshed in %.1f s", seconds)
                except Exception:
                    log.exception("ANALYZE failed; trying again next round")
                try:
                    self.drain()
                except Exception:
                    log.exception("outbox drain failed")
                self._wake.wait(interval)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="registry-outbox", daemon=True)
        self._thread.start()

    def stop_background(self) -> None:
        self._stop.set()
        self._wake.set()


class _ClaimRenewal:
    """While a batch is being delivered, renew the claim of its unfinished messages every third
    of the claim's length, in a daemon thread (a renewal that fails is logged and tried again)."""

    def __init__(self, outbox: Outbox, message_ids: list[int]) -> None:
        self._outbox = outbox
        self._held = set(message_ids)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registry-outbox-claim",
                                        daemon=True)

    def __enter__(self) -> _ClaimRenewal:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def release(self, message_id: int) -> None:
        with self._lock:
            self._held.discard(message_id)

    def _run(self) -> None:
        while not self._done.wait(self._outbox.claim_seconds / 3):
            with self._lock:
                held = sorted(self._held)
            try:
                self._outbox.renew_claims(held)
            except Exception:
                log.exception("renewing outbox claims failed; trying again")
