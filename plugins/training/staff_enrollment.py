"""Trainings for other plugins: the ``training_offerings`` and ``enroll_in_training`` hooks.

A program administrator (jobs plugin) enrolls confirmed staff through these kernel hooks, so the
jobs plugin never imports this one and works unchanged when trainings are switched off.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from registry_kernel.extension import EnrollmentOutcome, EnrollmentRefused, TrainingOffering
from registry_kernel.hookspecs import hookimpl


@hookimpl
def training_offerings(session: Session, registry: Any, limit: int) -> list[TrainingOffering]:
    from . import services

    items, _total = services.calendar(session, services.CalendarFilters(), page=1,
                                      per_page=limit)
    return [TrainingOffering(event_id=item["event_id"], title=item["title"],
                             starts_at=datetime.fromisoformat(item["starts_at"]),
                             county=item["county"], city=item["city"],
                             seats_left=item["seats_left"])
            for item in items]


@hookimpl
def enroll_in_training(session: Session, registry: Any, event_id: int, participant: Any,
                       actor: Any, source: str) -> EnrollmentOutcome:
    from . import services

    try:
        enrollment = services.enroll(session, registry, event_id, participant, actor=actor,
                                     source=source)
    except services.TrainingError as exc:
        raise EnrollmentRefused(exc.status, exc.detail, exc.errors) from exc
    position = (services.waitlist_position(session, enrollment)
                if enrollment.status == "waitlisted" else None)
    return EnrollmentOutcome(enrollment_id=enrollment.id, status=enrollment.status,
                             waitlist_position=position)
