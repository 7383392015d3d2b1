"""Stipend tables: a county's programs (rules and tiers as JSON data), participants'
applications (taxpayer ID sealed, found only through its blind index), staff notes and payment
records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class Program(Base):
    """A stipend program a county administrator defines for the county."""

    __tablename__ = "stipends_programs"
    __table_args__ = (Index("ix_stipends_programs_county", "county", "closes_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))  # the county
    county: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    funding_year: Mapped[str] = mapped_column(String(16))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # fixed amount, or tiers
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    allow_itin: Mapped[bool] = mapped_column(Boolean, default=True)
    # another payment route: the award goes to the employer's payroll, no taxpayer ID asked
    allow_payroll: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=false())
    created_by_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Application(Base):
    """One participant's application to one program (one per person and program)."""

    __tablename__ = "stipends_applications"
    __table_args__ = (
        UniqueConstraint("program_id", "participant_id",
                         name="uq_stipends_applications_program_participant"),
        Index("ix_stipends_applications_program_tin", "program_id", "tin_index"),
        Index("ix_stipends_applications_program_status", "program_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("stipends_programs.id"))
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="submitted")
    # submitted | documents_requested | approved | denied
    tier: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    funding_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # self-declared
    # the confirmed job the application rests on (most hours a week), for reports by role/site
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    role_category: Mapped[str | None] = mapped_column(String(32))
    tin_kind: Mapped[str] = mapped_column(String(8))  # ssn | itin | payroll
    tin_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    tin_index: Mapped[str | None] = mapped_column(String(64))
    eligibility: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # rule results
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_account_id: Mapped[int | None] = mapped_column(BigId)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Note(Base):
    """A staff note on an application, or a request for more documents (sent to the person)."""

    __tablename__ = "stipends_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("stipends_applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="note")  # note | request_documents
    text: Mapped[str] = mapped_column(Text)
    author_account_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """The award of an approved application, waiting for the county's payment system."""

    __tablename__ = "stipends_payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("stipends_applications.id", ondelete="CASCADE"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | paid
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pathway(Base):
    """A professional development plan for the recipient of an approved stipend.

    County staff write it (``active`` at once), or the recipient proposes it (``proposed``) and
    staff approve it (``active``) or return it with a reason (``returned``, to be edited and
    proposed again). Progress is never stored: it is computed from verified records.
    """

    __tablename__ = "stipends_pathways"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("stipends_applications.id", ondelete="CASCADE"), unique=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # proposed | returned | active
    starts_on: Mapped[date] = mapped_column(Date)  # unit and hour goals count records from here
    target_date: Mapped[date | None] = mapped_column(Date)
    review_reason: Mapped[str | None] = mapped_column(Text)
    created_by_account_id: Mapped[int | None] = mapped_column(BigId)
    reviewed_by_account_id: Mapped[int | None] = mapped_column(BigId)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PathwayGoal(Base):
    """One goal of a pathway: a permit level, N semester units in an area, or N training hours
    (optionally in one competency area); ``steps`` are the courses and trainings it needs."""

    __tablename__ = "stipends_pathway_goals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("stipends_pathways.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))  # permit_level | units | training_hours
    permit_level: Mapped[str | None] = mapped_column(String(32))
    area: Mapped[str | None] = mapped_column(String(40))  # unit area, or competency area
    amount: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # units or hours
    since: Mapped[date | None] = mapped_column(Date)  # default: the pathway's starts_on
    due_on: Mapped[date | None] = mapped_column(Date)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
