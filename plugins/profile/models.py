"""Profile plugin tables: the self-reported profile sections, employment records and pending
email changes.

Every personal value (experience, self-reported education, demographics, wages, resume text, a
pending new email address) is sealed with the participant's data key into ``*_enc`` columns.
What stays in clear is what anonymous statistics and employers' confirmation lists need:
employer, role category, dates, hours and status.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class ProfileDetails(Base):
    """One row per participant: the Experience, Self-Reported Education and Demographics
    sections and the resume's Summary of Qualifications, each an encrypted JSON document."""

    __tablename__ = "profile_details"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    experience_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    education_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    demographics_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resume_summary_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Employment(Base):
    """A job in the participant's employment history; editable until the employer confirms."""

    __tablename__ = "profile_employments"
    __table_args__ = (Index("ix_profile_employments_employer_status", "employer_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    employer_name: Mapped[str | None] = mapped_column(String(200))  # an employer not yet listed
    position: Mapped[str] = mapped_column(String(100))
    role_category: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    hourly_wage_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    age_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibilities_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    include_in_resume: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|confirmed|rejected
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EmailChange(Base):
    """A requested change of the log-in email, waiting for the new address to be verified.

    Only a SHA-256 hash of the single-use token is stored; the new address is sealed.
    """

    __tablename__ = "profile_email_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    new_email_enc: Mapped[bytes] = mapped_column(LargeBinary)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
