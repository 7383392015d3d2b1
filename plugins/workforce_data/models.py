"""The one table of the workforce_data plugin: sealed snapshots of the released population.

A snapshot is built off the request path (``registry workforce-data refresh``, or the
``workforce_data.refresh`` outbox job) and every process publishes the latest one, so all
processes show the same release. Released records carry wages and county, so the payload is
AES-256-GCM ciphertext under a random snapshot key wrapped by the master key ring
(:mod:`.snapshot`). Only the newest snapshot is kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class Snapshot(Base):
    """One sealed release: ``payload`` = nonce | AES-GCM(zlib(JSON records)), keyed by a data
    key that is stored only wrapped (``kek_id``, ``wrapped_key``) by the master key ring."""

    __tablename__ = "workforce_snapshots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    settings: Mapped[str] = mapped_column(String(64))  # fingerprint of min cell and order
    kek_id: Mapped[str] = mapped_column(String(32))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    build_ms: Mapped[int] = mapped_column(Integer)
