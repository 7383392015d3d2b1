"""Webhook endpoints an organization registers, and one delivery row per (endpoint, event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry_kernel.db import Base, UTCDateTime, new_uuid, utcnow
from registry_kernel.models import BigId


class WebhookEndpoint(Base):
    """A URL of an organization's system and the event types it wants.

    The signing secret is stored only wrapped (AES-256-GCM) under the master key ring, bound to
    this endpoint's id, like a participant's data key; see ``docs/adapters.md``. During a
    rotation's overlap the previous secret is kept (wrapped the same way) until
    ``previous_secret_expires_at``.
    """

    __tablename__ = "webhooks_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organization_id: Mapped[int] = mapped_column(BigId, ForeignKey("organizations.id"),
                                                 index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(200))
    secret_kek_id: Mapped[str] = mapped_column(String(32))
    secret_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # After a rotation the previous secret keeps signing (a second signature) until this time,
    # so the agency can switch its receiver over without losing an event.
    previous_secret_kek_id: Mapped[str | None] = mapped_column(String(32))
    previous_secret_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one endpoint. ``event_id`` is the ``webhook-id`` header (stable)."""

    __tablename__ = "webhooks_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    endpoint_id: Mapped[str] = mapped_column(String(36), ForeignKey("webhooks_endpoints.id"),
                                             index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"type", "timestamp", "data"}
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending | retrying | delivered | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
