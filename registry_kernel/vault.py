"""Sealing and opening participants' personal data with their data keys (envelope encryption)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .crypto import (
    BlindIndexer,
    KeyRing,
    KeyShredded,
    associated_data,
    decrypt_value,
    encrypt_value,
    new_data_key,
)
from .db import utcnow
from .models import DataKey

_CACHE = "registry_dek_cache"


class Vault:
    """Per-participant data keys, wrapped by the master key ring."""

    def __init__(self, keyring: KeyRing, indexer: BlindIndexer) -> None:
        self.keyring = keyring
        self.index = indexer

    def _cache(self, session: Session) -> dict[str, tuple[bytes, bytes]]:
        return session.info.setdefault(_CACHE, {})

    def create_key(self, session: Session, participant_id: str) -> None:
        """Give a new participant a data key (call once, before sealing their fields)."""
        dek, dek_id = new_data_key()
        kek_id, wrapped = self.keyring.wrap(dek, participant_id)
        session.add(DataKey(participant_id=participant_id, dek_id=dek_id, kek_id=kek_id,
                            wrapped=wrapped))
        self._cache(session)[participant_id] = (dek, dek_id)

    def _key(self, session: Session, participant_id: str) -> tuple[bytes, bytes]:
        cache = self._cache(session)
        if participant_id not in cache:
            row = session.get(DataKey, participant_id)
            if row is None:
                raise KeyShredded("this participant's data key was destroyed")
            cache[participant_id] = (self.keyring.unwrap(row.kek_id, row.wrapped, participant_id),
                                     row.dek_id)
        return cache[participant_id]

    def seal(self, session: Session, participant_id: str, table: str, column: str, row: str,
             value: str | None) -> bytes | None:
        if value is None:
            return None
        return self.seal_bytes(session, participant_id, associated_data(table, column, row),
                               value.encode())

    def open(self, session: Session, participant_id: str, table: str, column: str, row: str,
             blob: bytes | None) -> str | None:
        if blob is None:
            return None
        return self.open_bytes(session, participant_id, associated_data(table, column, row),
                               blob).decode()

    def seal_bytes(self, session: Session, participant_id: str, aad: bytes, data: bytes) -> bytes:
        dek, dek_id = self._key(session, participant_id)
        return encrypt_value(dek, dek_id, data, aad)

    def open_bytes(self, session: Session, participant_id: str, aad: bytes, blob: bytes) -> bytes:
        dek, dek_id = self._key(session, participant_id)
        return decrypt_value(dek, dek_id, bytes(blob), aad)

    def shred(self, session: Session, participant_id: str) -> bool:
        """Destroy the participant's data key; their ciphertexts become unreadable."""
        self._cache(session).pop(participant_id, None)
        row = session.get(DataKey, participant_id)
        if row is None:
            return False
        session.delete(row)
        return True

    def rewrap_all(self, session: Session, batch_size: int = 500) -> int:
        """Re-wrap every data key not yet under the primary master key; returns how many.

        Data is never re-encrypted. Resumable and idempotent: it only touches rows whose
        ``kek_id`` differs from the primary, committing each batch.
        """
        done = 0
        while True:
            rows = session.scalars(select(DataKey).where(DataKey.kek_id != self.keyring.primary)
                                   .order_by(DataKey.participant_id).limit(batch_size)).all()
            if not rows:
                return done
            for row in rows:
                dek = self.keyring.unwrap(row.kek_id, row.wrapped, row.participant_id)
                kek_id, wrapped = self.keyring.wrap(dek, row.participant_id)
                session.execute(update(DataKey)
                                .where(DataKey.participant_id == row.participant_id,
                                       DataKey.kek_id == row.kek_id)
                                .values(kek_id=kek_id, wrapped=wrapped, rewrapped_at=utcnow()))
            session.commit()
            session.expire_all()
            done += len(rows)
