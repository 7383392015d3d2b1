"""Tables of the documents plugin: uploaded documents and the records staff verify from them.

Uploaded files live in the content-addressed, encrypted file store (:mod:`.storage`); a row
holds only the blob's address and the metadata the queue needs. The original file name and the
plaintext digest are sealed under the participant's data key (``meta_enc``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, new_uuid, utcnow
from registry_kernel.models import BigId

DOCUMENT_TYPES = ("transcript", "degree", "permit", "credential", "training_certificate",
                  "registry_report", "other")
STATUSES = ("unverified", "verified", "rejected")


class Document(Base):
    """A file a participant (or staff on their behalf) uploaded, waiting for or past verification."""

    __tablename__ = "documents_documents"
    __table_args__ = (Index("ix_documents_documents_queue", "status", "uploaded_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    blob: Mapped[str] = mapped_column(String(64))  # sha256 of the ciphertext
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    meta_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed {"filename", "sha256"}
    status: Mapped[str] = mapped_column(String(16), default="unverified")
    hidden_from_employers: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_account_id: Mapped[int | None] = mapped_column(BigId)
    claimed_by_account_id: Mapped[int | None] = mapped_column(BigId)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_account_id: Mapped[int | None] = mapped_column(BigId)
    reject_reason: Mapped[str | None] = mapped_column(String(500))


class _Record:
    """Columns every verified record shares: whose it is and which document proved it."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents_documents.id", ondelete="SET NULL"), index=True)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by_account_id: Mapped[int | None] = mapped_column(BigId)


class Degree(_Record, Base):
    __tablename__ = "documents_degrees"

    level: Mapped[str] = mapped_column(String(16))  # AA AS BA BS MA MS PhD EdD other
    major: Mapped[str] = mapped_column(String(200))
    ece_related: Mapped[bool] = mapped_column(Boolean, default=False)
    institution: Mapped[str] = mapped_column(String(200))
    accredited: Mapped[bool] = mapped_column(Boolean, default=True)
    conferred_on: Mapped[date] = mapped_column(Date)


class Course(_Record, Base):
    __tablename__ = "documents_courses"

    institution: Mapped[str] = mapped_column(String(200), index=True)
    course_number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    units: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    unit_system: Mapped[str] = mapped_column(String(10))  # semester | quarter
    grade: Mapped[str] = mapped_column(String(4))
    completed_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(4))  # ece | ge
    ge_area: Mapped[str | None] = mapped_column(String(32))
    core_area: Mapped[str | None] = mapped_column(String(40))


class Permit(_Record, Base):
    """A Child Development Permit (``kind == "cd_permit"``) or another credential."""

    __tablename__ = "documents_permits"

    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    school_age_emphasis: Mapped[bool] = mapped_column(Boolean, default=False)


class TrainingRecord(_Record, Base):
    __tablename__ = "documents_training"

    sponsor: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    competency_area: Mapped[str | None] = mapped_column(String(8))


class ReportIssue(Base):
    """One issued Education & Training Report: its public verification code and a digest of its
    content. The public check shows only the Registry ID and the issue date."""

    __tablename__ = "documents_report_issues"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    registry_id: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)  # JSON totals, no personal data
