"""The release, built off the request path and shared by every process as one sealed snapshot.

Building a release reads the whole population (minutes at statewide size), so requests never
build one: ``registry workforce-data refresh`` (cron) or the ``workforce_data.refresh`` outbox
job (``registry worker``; it schedules the next run itself every ``refresh_seconds``) calls
:func:`refresh`, which stores the release in ``workforce_snapshots``; requests call
:func:`latest`, which opens the newest snapshot made with this deployment's settings. All
processes thus publish the same release (no differencing between worker processes).

Sealing: released records carry county, role and wage, so the payload is never stored in
plaintext. Each snapshot gets a fresh random 256-bit data key; the payload is
``zlib(JSON)`` encrypted with it by the kernel's envelope format (:func:`crypto.encrypt_value`,
AES-256-GCM, ``workforce_snapshots|payload|<id>`` as associated data) and the key is stored only
wrapped by the master key ring (:meth:`crypto.KeyRing.wrap`, bound to the snapshot id), exactly
as participants' data keys are. There is no participant to own the key and a key derived from
the master key would not survive its rotation; a wrapped random key does: opening a snapshot
wrapped by an older master key re-wraps its key under the primary one, and every refresh seals
a new snapshot under the primary key and deletes the older ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.crypto import (
    CryptoError,
    associated_data,
    decrypt_value,
    encrypt_value,
    new_data_key,
)
from registry_kernel.db import unit_of_work, utcnow
from registry_kernel.models import OutboxMessage
from registry_kernel.outbox import enqueue
from registry_kernel.read_only import side_write

from .models import Snapshot
from .services import Record, Released, gather, release

if TYPE_CHECKING:
    from registry_kernel.runtime import Registry

log = logging.getLogger(__name__)

JOB = "workforce_data.refresh"
TABLE = "workforce_snapshots"
FORMAT = 2
#: seconds a client is asked to wait while statistics are being prepared
RETRY_AFTER = 300


def fingerprint(min_cell_size: int, order: tuple[str, ...]) -> str:
    """The settings a release depends on: a snapshot made with others is not published."""
    return hashlib.sha256(json.dumps([FORMAT, min_cell_size, list(order)]).encode()).hexdigest()


def encode(data: Released) -> bytes:
    """The released records as compressed JSON, in columns: distinct keys and distinct PD-hour
    sets stored once and referred to by index, and identical records (same key, wage and hours:
    most people without a wage or training) once with a count, so opening a statewide release
    parses flat lists and creates few objects."""
    keys: dict[tuple[str, ...], int] = {}
    hour_sets: dict[tuple[tuple[str, str], ...], int] = {}
    same: Counter[tuple[int, str | None, int]] = Counter()
    for record in data.records:
        hours = tuple((area, str(h)) for area, h in record.pd_hours)
        same[(keys.setdefault(record.key, len(keys)),
              None if record.wage is None else str(record.wage),
              hour_sets.setdefault(hours, len(hour_sets)))] += 1
    document = {"format": FORMAT, "dimensions": list(data.dimensions),
                "min_cell_size": data.min_cell_size, "today": data.today.isoformat(),
                "documents": data.documents, "keys": [list(k) for k in keys],
                "hours": [[list(h) for h in hours] for hours in hour_sets],
                "key": [k for k, _, _ in same], "wage": [w for _, w, _ in same],
                "pd": [h for _, _, h in same], "count": list(same.values())}
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)


def decode(blob: bytes) -> Released:
    """The release :func:`encode` stored (records in another order: no figure depends on it;
    identical records are one shared immutable object)."""
    document = json.loads(zlib.decompress(blob))
    keys = [tuple(k) for k in document["keys"]]
    hour_sets = [tuple((area, Decimal(h)) for area, h in hours) for hours in document["hours"]]
    wages: dict[str, Decimal] = {}
    records: list[Record] = []
    for key, wage, pd, count in zip(document["key"], document["wage"], document["pd"],
                                    document["count"], strict=True):
        if wage is not None and wage not in wages:
            wages[wage] = Decimal(wage)
        record = Record(key=keys[key], wage=None if wage is None else wages[wage],
                        pd_hours=hour_sets[pd])
        if count == 1:
            records.append(record)
        else:
            records += [record] * count
    return Released(tuple(document["dimensions"]), records, document["min_cell_size"],
                    date.fromisoformat(document["today"]), document["documents"])


def _binding(snapshot_id: int) -> str:
    return f"{TABLE}|{snapshot_id}"


@dataclass
class RefreshResult:
    snapshot_id: int
    as_of: str
    released: int
    build_ms: int


def refresh(registry: Registry) -> RefreshResult:
    """Build today's release from the whole population and store it sealed, replacing older
    snapshots. Runs outside any request (CLI, outbox job); minutes at statewide size."""
    from registry_kernel.clock import local_today

    from . import config

    settings = config(registry)
    started = time.perf_counter()
    today = local_today(registry)
    with registry.sessions() as session:
        data = release(gather(session, registry, today), settings.min_cell_size, settings.order,
                       today, documents=registry.plugins.is_enabled("documents"))
    payload = encode(data)
    build_ms = round((time.perf_counter() - started) * 1000)
    dek, dek_id = new_data_key()
    with unit_of_work(registry.sessions) as session:
        row = Snapshot(as_of=today, settings=fingerprint(settings.min_cell_size, settings.order),
                       kek_id="", wrapped_key=b"", payload=b"", build_ms=build_ms)
        session.add(row)
        session.flush()
        row.kek_id, row.wrapped_key = registry.vault.keyring.wrap(dek, _binding(row.id))
        row.payload = encrypt_value(dek, dek_id, payload,
                                    associated_data(TABLE, "payload", str(row.id)))
        session.execute(delete(Snapshot).where(Snapshot.id < row.id))
        audit.record(session, actor=None, action="workforce_data.release",
                     resource_type="workforce_data", resource_id=row.id,
                     reason=f"released {len(data.records)} records as of {today.isoformat()}")
        result = RefreshResult(row.id, today.isoformat(), len(data.records), build_ms)
    return result


def open_snapshot(registry: Registry, row: Snapshot) -> Released:
    """Decrypt a snapshot (raises :class:`CryptoError` if its master key is gone or it was
    tampered with)."""
    dek = registry.vault.keyring.unwrap(row.kek_id, bytes(row.wrapped_key), _binding(row.id))
    blob = bytes(row.payload)
    return decode(decrypt_value(dek, blob[1:9], blob,
                                associated_data(TABLE, "payload", str(row.id))))


def _rewrap(registry: Registry, session: Session, row: Snapshot) -> None:
    """Re-wrap a snapshot's key under the primary master key (after a key rotation), committed
    at once (a reading request's session: in a short transaction of its own)."""
    with side_write(session) as writer:
        _rewrap_row(registry, writer, row)
        writer.commit()


def _rewrap_row(registry: Registry, session: Session, row: Snapshot) -> None:
    keyring = registry.vault.keyring
    dek = keyring.unwrap(row.kek_id, bytes(row.wrapped_key), _binding(row.id))
    kek_id, wrapped = keyring.wrap(dek, _binding(row.id))
    session.execute(update(Snapshot).where(Snapshot.id == row.id, Snapshot.kek_id == row.kek_id)
                    .values(kek_id=kek_id, wrapped_key=wrapped))


def rewrap_keys(session: Session, registry: Registry) -> int:
    """Re-wrap every snapshot's key under the primary master key (``registry keys rotate``);
    commits and returns how many."""
    rows = session.scalars(select(Snapshot).where(
        Snapshot.kek_id != registry.vault.keyring.primary)).all()
    for row in rows:
        _rewrap_row(registry, session, row)
    session.commit()
    return len(rows)


_OPENING = threading.Lock()  # one thread of a process opens a new snapshot; the others wait


def latest(session: Session, registry: Registry) -> Released | None:
    """The newest snapshot made with this deployment's settings, or ``None`` (statistics are
    being prepared). One small query per call; the opened release is kept per process until a
    newer snapshot exists (opened by one thread, however many requests arrive meanwhile)."""
    from . import config

    settings = config(registry)
    token = fingerprint(settings.min_cell_size, settings.order)
    newest = session.scalar(select(func.max(Snapshot.id)).where(Snapshot.settings == token))
    cache: dict[str, Any] = registry.__dict__.setdefault("_workforce_snapshot", {})
    if newest is None:
        ensure_scheduled(registry, session)
        return None
    if cache.get("id") == newest:
        return cache["data"]
    with _OPENING:
        if cache.get("id") == newest:  # another thread opened it meanwhile
            return cache["data"]
        row = session.get(Snapshot, newest)
        if row is None:  # replaced meanwhile
            data = None
        else:
            try:
                data = open_snapshot(registry, row)
            except CryptoError as exc:
                log.warning("workforce snapshot %s cannot be opened: %s", row.id, exc)
                ensure_scheduled(registry, session)
                return None
            if row.kek_id != registry.vault.keyring.primary:
                _rewrap(registry, session, row)
            cache.update(id=newest, data=data)
            if utcnow() - row.created_at > timedelta(
                    seconds=2 * max(settings.refresh_seconds, 3600)):
                ensure_scheduled(registry, session)  # stale: the periodic job stopped?
    return latest(session, registry) if data is None else data


def ensure_scheduled(registry: Registry, session: Session | None = None,
                     delay: timedelta | None = None, *, running: int | None = None) -> bool:
    """Queue a refresh job unless one is pending besides the ``running`` one, committed at once:
    in ``session`` (a reading request's: in a short transaction of its own) or, without one, in
    a unit of work of its own. ``refresh_seconds = 0`` (cron only) queues nothing."""
    from . import config

    if config(registry).refresh_seconds <= 0:
        return False
    if session is None:
        with unit_of_work(registry.sessions) as own:
            return ensure_scheduled(registry, own, delay, running=running)
    with side_write(session) as writer:
        pending = writer.scalar(select(OutboxMessage.id).where(
            OutboxMessage.kind == JOB, OutboxMessage.status == "pending",
            OutboxMessage.id != (running or 0)).limit(1))
        if pending is not None:
            return False
        enqueue(writer, JOB, {}, max_attempts=5, delay=delay)
        writer.commit()
    return True


def refresh_job(registry: Registry, message: OutboxMessage) -> None:
    """Outbox handler: refresh unless a snapshot was made after this job was queued (another
    worker, or cron), then queue the next run in ``refresh_seconds``. A statewide build takes
    minutes: the outbox renews this worker's claim meanwhile."""
    from . import config

    settings = config(registry)
    with registry.sessions() as session:
        newest = session.scalar(select(func.max(Snapshot.created_at)).where(
            Snapshot.settings == fingerprint(settings.min_cell_size, settings.order)))
    queued = message.created_at.replace(tzinfo=message.created_at.tzinfo or UTC)
    if newest is None or newest < queued:
        result = refresh(registry)
        log.info("workforce release %s built in %s ms", result.snapshot_id, result.build_ms)
    ensure_scheduled(registry, delay=timedelta(seconds=settings.refresh_seconds),
                     running=message.id)


def status(session: Session, registry: Registry) -> dict[str, Any]:
    """What the CLI reports: the newest snapshot (no figures) and whether a job is queued."""
    row = session.scalars(select(Snapshot).order_by(Snapshot.id.desc()).limit(1)).first()
    queued = session.scalar(select(OutboxMessage.next_attempt_at).where(
        OutboxMessage.kind == JOB, OutboxMessage.status == "pending")
        .order_by(OutboxMessage.next_attempt_at).limit(1))
    return {"snapshot": None if row is None else {
        "id": row.id, "as_of": row.as_of.isoformat(), "created_at": row.created_at.isoformat(),
        "build_ms": row.build_ms, "kek_id": row.kek_id},
        "next_refresh": queued.isoformat() if isinstance(queued, datetime) else None}
