"""Jobs plugin tables: Administrative Access requests, staff-list reconfirmations, issued staff
reports, job postings and saved job searches.

The evidence letter of an access request is personal (it names the requester): it is sealed with
the requester's data key (``registry.vault.seal_bytes``). Postings hold no personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class AccessRequest(Base):
    """A participant asks to administer a program (center or FCC home)."""

    __tablename__ = "jobs_access_requests"
    __table_args__ = (Index("ix_jobs_access_requests_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    participant_id: Mapped[str] = mapped_column(String(36), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(100))
    license_number: Mapped[str | None] = mapped_column(String(32))
    letter_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    letter_media_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|denied
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_account_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffReconfirmation(Base):
    """When an organization's administrators last reconfirmed the whole staff list, and when
    they were last reminded to."""

    __tablename__ = "jobs_staff_reconfirmations"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    reconfirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconfirmed_by_account_id: Mapped[int | None] = mapped_column(BigId)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffReport(Base):
    """A verified staff qualifications report that was issued (PDF), checkable by its code."""

    __tablename__ = "jobs_staff_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    staff_count: Mapped[int] = mapped_column(Integer)
    issued_by_account_id: Mapped[int | None] = mapped_column(BigId)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobPosting(Base):
    """An opening on the Job Board. Free, as many as a program likes; gone from search after
    its closing date or when closed early."""

    __tablename__ = "jobs_postings"
    __table_args__ = (Index("ix_jobs_postings_search", "status", "closing_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str] = mapped_column(String(64), index=True)
    city: Mapped[str] = mapped_column(String(100))
    schedule: Mapped[str] = mapped_column(String(16))
    pay_min: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    pay_max: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    description: Mapped[str] = mapped_column(Text)
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    closing_date: Mapped[date] = mapped_column(Date)
    age_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_permit: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|closed
    created_by_account_id: Mapped[int | None] = mapped_column(BigId)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedSearch(Base):
    """A participant's saved Job Board search; new matching postings are mailed to them."""

    __tablename__ = "jobs_saved_searches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    q: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[str | None] = mapped_column(String(32))
    schedule: Mapped[str | None] = mapped_column(String(16))
    required_permit: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgramMinimum(Base):
    """A program's own minimum Child Development Permit level for a role category; staff below
    it are flagged on the staff qualifications page."""

    __tablename__ = "jobs_program_minimums"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    role_category: Mapped[str] = mapped_column(String(32), primary_key=True)
    permit_level: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
