"""Tables of the per-catalog feedback survey and of the Direct Service Profile codes.

Imported at the end of :mod:`.models`, so the ``training_*`` metadata is complete. None of
these rows is about a person: answers stay in ``training_feedback_responses`` (no person, no
enrollment) and the fact that someone answered in ``training_feedback_done``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base, UTCDateTime, utcnow
from registry_kernel.models import BigId


class SurveySettings(Base):
    """That a catalog entry's survey was configured, and its free-comment prompt. Without a row
    the entry uses the default questions (``surveys.DEFAULT_QUESTIONS``)."""

    __tablename__ = "training_surveys"

    training_id: Mapped[int] = mapped_column(
        ForeignKey("training_trainings.id", ondelete="CASCADE"), primary_key=True)
    comment_prompt: Mapped[str | None] = mapped_column(String(300))  # None: no comment box
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class SurveyQuestion(Base):
    """A rating question (1 to ``scale_max``) of a catalog entry's survey. A question is never
    edited in a way that changes its meaning: a new wording or scale is a new row, and the old
    one is retired (``is_active`` false) so earlier answers keep their label."""

    __tablename__ = "training_survey_questions"
    __table_args__ = (
        CheckConstraint("scale_max >= 2 AND scale_max <= 10", name="scale_in_range"),
        Index("ix_training_survey_questions_training", "training_id", "is_active", "position"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    training_id: Mapped[int] = mapped_column(
        ForeignKey("training_trainings.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    low_label: Mapped[str | None] = mapped_column(String(60))
    high_label: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DspSettings(Base):
    """A sponsor's Direct Service Profile coding: the county whose number goes into ORGCODE
    and the default program, delivery type and funding of its trainings."""

    __tablename__ = "training_dsp_settings"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    county: Mapped[str | None] = mapped_column(String(64))
    program: Mapped[str] = mapped_column(String(16), default="RR")
    delivery_type: Mapped[int] = mapped_column(Integer, default=1)
    funding: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DspCatalogCodes(Base):
    """A catalog entry's own program, delivery type or funding (``None``: the sponsor's)."""

    __tablename__ = "training_dsp_catalog"

    training_id: Mapped[int] = mapped_column(
        ForeignKey("training_trainings.id", ondelete="CASCADE"), primary_key=True)
    program: Mapped[str | None] = mapped_column(String(16))
    delivery_type: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[int | None] = mapped_column(Integer)
