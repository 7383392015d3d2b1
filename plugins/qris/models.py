"""QRIS tables: recorded scores (with the rule set and version that produced them), the program
administrator's lead-teacher corrections, the site's validation dates (the PD year runs from one
to the next) and county rule files uploaded by a county administrator. No personal data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class Score(Base):
    """One element score of one site, as computed at ``computed_at``. A new row is written only
    when the result changes, so the table is the site's score history."""

    __tablename__ = "qris_scores"
    __table_args__ = (Index("ix_qris_scores_site", "organization_id", "element", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    element: Mapped[int] = mapped_column(Integer)
    points: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))  # scored | not_enough_data
    rule_set_county: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(120))  # "level 3: ece24_ge16"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # evidence and missing (ids, no names)
    fingerprint: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(40), default="request")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeadTeacherCorrection(Base):
    """The program administrator says whether a confirmed employee counts as a lead teacher
    (``counts``), optionally for which classroom."""

    __tablename__ = "qris_lead_teacher_corrections"
    __table_args__ = (UniqueConstraint("organization_id", "participant_id",
                                       name="uq_qris_lead_teacher_corrections_org_participant"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    counts: Mapped[bool] = mapped_column(Boolean)
    classroom: Mapped[str | None] = mapped_column(String(100))
    set_by_account_id: Mapped[int | None] = mapped_column(BigId)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ValidationDate(Base):
    """A day the site's QRIS rating was validated; PD years run between these dates."""

    __tablename__ = "qris_validation_dates"
    __table_args__ = (UniqueConstraint("organization_id", "validated_on",
                                       name="uq_qris_validation_dates_org_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    validated_on: Mapped[date] = mapped_column(Date)
    recorded_by_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CountyRules(Base):
    """A county's rule file, uploaded by its county administrator (checked before it is kept)."""

    __tablename__ = "qris_county_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_account_id: Mapped[int | None] = mapped_column(BigId)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
