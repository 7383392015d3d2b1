"""Training tables: sponsors, languages, the catalog, instructors, events and enrollments.

No personal data lives here in clear: enrollments point at a participant id; names come from the
kernel's vault when a roster is printed (audited).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId, Organization

SPONSOR_STATUSES = ("pending", "approved", "denied")
INSTRUCTOR_STATUSES = ("pending", "approved", "denied")
EVENT_STATUSES = ("scheduled", "cancelled")
VISIBILITIES = ("published", "invite_only")
ENROLLMENT_STATUSES = ("enrolled", "waitlisted", "withdrawn", "attended", "no_show")
ACTIVE_STATUSES = ("enrolled", "waitlisted", "attended", "no_show")


class TrainingSponsor(Base):
    """An organization's standing as a training sponsor and its Training Sponsor Information."""

    __tablename__ = "training_sponsors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    applied_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application_note: Mapped[str | None] = mapped_column(Text)
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # Training Sponsor Information (the organization's business contact, not personal data)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(300))
    logistics: Mapped[str | None] = mapped_column(Text)
    vendor_number: Mapped[str | None] = mapped_column(String(32))
    self_withdrawal_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawal_window_days: Mapped[int] = mapped_column(Integer, default=0)
    withdrawal_contact: Mapped[str | None] = mapped_column(String(300))
    instructors_may_manage_events: Mapped[bool] = mapped_column(Boolean, default=False)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mime: Mapped[str | None] = mapped_column(String(32))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()


class TrainingLanguage(Base):
    """A language trainings may be given in (BCP 47 code); administrators add more."""

    __tablename__ = "training_languages"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=100)


class Training(Base):
    """A catalog entry of a sponsor."""

    __tablename__ = "training_trainings"
    __table_args__ = (CheckConstraint("hours > 0", name="hours_positive"),
                      Index("ix_training_trainings_org_title", "organization_id", "title"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    competency_area: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(ForeignKey("training_languages.code"))
    level: Mapped[str | None] = mapped_column(String(40))
    audience: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Instructor(Base):
    """A registry user's instructor standing with one sponsor."""

    __tablename__ = "training_instructors"
    __table_args__ = (UniqueConstraint("organization_id", "account_id",
                                       name="uq_training_instructors_org_account"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    message: Mapped[str | None] = mapped_column(String(1000))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class InstructorProfile(Base):
    """A person's optional Instructor Profile, one per account whatever the sponsors. The texts
    are the instructor's own words about themselves, sealed with their data key (so erasing the
    person shreds them); only a published profile is shown to others."""

    __tablename__ = "training_instructor_profiles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            unique=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    display_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    expertise_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    experience_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    bio_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TrainingEvent(Base):
    """A scheduled offering of a catalog entry. Title, language, competency area and hours are
    copied from the catalog when the event is created, so editing the catalog never rewrites
    events already held (and the calendar reads one table)."""

    __tablename__ = "training_events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_in_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The calendar's filters each lead a covering index that also holds the other filter
        # columns, so counting and paging read the index only (benchmarked at 60,000 events).
        Index("ix_training_events_calendar", "visibility", "status", "starts_at", "id"),
        Index("ix_training_events_cal_county", "county", "visibility", "status", "starts_at",
              "language", "competency_area", "organization_id"),
        Index("ix_training_events_cal_language", "language", "visibility", "status",
              "starts_at", "county", "competency_area", "organization_id"),
        Index("ix_training_events_cal_area", "competency_area", "visibility", "status",
              "starts_at", "county", "language", "organization_id"),
        Index("ix_training_events_cal_org", "organization_id", "visibility", "status",
              "starts_at", "county", "language", "competency_area"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training_trainings.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(String(600), default="")
    language: Mapped[str] = mapped_column(String(16))
    competency_area: Mapped[str] = mapped_column(String(8))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sessions: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    waitlist: Mapped[bool] = mapped_column(Boolean, default=True)
    visibility: Mapped[str] = mapped_column(String(16), default="published")
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(64))
    zip: Mapped[str | None] = mapped_column(String(10))
    online_url: Mapped[str | None] = mapped_column(String(500))
    funding_source: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    instructor_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"),
                                                              index=True)
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    training: Mapped[Training] = relationship()
    organization: Mapped[Organization] = relationship()

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


class EventWord(Base):
    """The calendar's keyword index: each word of an event's title, sponsor and city, lower
    case, with the event's start and whether it is listed (published and scheduled), so a
    keyword search counts from this index alone. A keyword matches the words it begins."""

    __tablename__ = "training_event_words"
    __table_args__ = (Index("ix_training_event_words_search", "word", "listed", "starts_at",
                            "event_id"),
                      Index("ix_training_event_words_event", "event_id", "word"))

    word: Mapped[str] = mapped_column(
        String(40).with_variant(String(40, collation="C"), "postgresql"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"),
                                          primary_key=True)
    listed: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Enrollment(Base):
    """One person's place in one event. One row per person per event (unique): enrolling again
    after withdrawing reactivates the row, so at most one active enrollment can ever exist."""

    __tablename__ = "training_enrollments"
    __table_args__ = (
        UniqueConstraint("event_id", "participant_id", name="uq_training_enrollments_event"),
        Index("ix_training_enrollments_queue", "event_id", "status", "queued_at", "id"),
        Index("ix_training_enrollments_participant", "participant_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id"))
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="self")  # self|api|staff|invite
    enrolled_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    hours_granted: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[TrainingEvent] = relationship()


class SavedEvent(Base):
    """A participant's bookmark of a calendar event."""

    __tablename__ = "training_saved_events"
    __table_args__ = (UniqueConstraint("participant_id", "event_id",
                                       name="uq_training_saved_events_participant"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackResponse(Base):
    """An anonymous answer to an event's feedback survey. Nothing here points at a person: the
    fact that someone answered is kept apart (``FeedbackReceipt``) and only the day is stored."""

    __tablename__ = "training_feedback_responses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random, not a sequence
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id"), index=True)
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackReceipt(Base):
    """That an enrollment's survey was answered (so it is asked once), without the answer."""

    __tablename__ = "training_feedback_done"

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("training_enrollments.id",
                                                          ondelete="CASCADE"), primary_key=True)
from . import survey_models  # noqa: E402,F401  (per-catalog surveys, DSP codes: T2)
