"""Agency pages registered for the widget by the organization's own staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class WidgetSite(Base):
    """A page of an organization's website that embeds the widget: its origin gets CORS on the
    widget's paths, and it has its own public OAuth client whose only redirect URI is the
    page. Removing it (``removed_at``) revokes the client and its tokens."""

    __tablename__ = "widget_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigId, ForeignKey("organizations.id"),
                                                 index=True)
    page_url: Mapped[str] = mapped_column(String(2000))
    origin: Mapped[str] = mapped_column(String(300), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    created_by_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
