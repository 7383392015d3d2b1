"""Verified education of many participants at once: the ``workforce_facts`` hook.

The same facts as :func:`services.verified_education` (permits, degrees, verified ECE semester
units, certificate training), read with four queries per batch instead of four per person, for
the workforce_data plugin's anonymous statistics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel.hookspecs import hookimpl


def _rows(session: Session, columns: tuple[Any, ...], ids: Sequence[str], *order: Any
          ) -> dict[str, list[Any]]:
    """Only the columns the facts need (no ORM objects), grouped by participant, in
    :func:`services.verified_education`'s order."""
    model = columns[0].class_
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(select(model.participant_id, *columns)
                               .where(model.participant_id.in_(ids))
                               .order_by(*order, model.id)):
        grouped[row[0]].append(row)
    return grouped


def education_facts(session: Session, participant_ids: Sequence[str], *,
                    grade_threshold: str, today: date) -> dict[str, dict[str, Any]]:
    """``{participant_id: {"education": ..., "training": [...]}}`` for those with any record,
    as :func:`services.verified_education` (with ``permit_json`` and ``training_json``) gives."""
    from .models import Course, Degree, Permit, TrainingRecord
    from .services import grade_meets, hours2, semester_units

    ids = list(participant_ids)
    courses = _rows(session, (Course.units, Course.unit_system, Course.grade, Course.category),
                    ids, Course.completed_on)
    degrees = _rows(session, (Degree.level, Degree.accredited), ids, Degree.conferred_on)
    permits = _rows(session, (Permit.kind, Permit.level, Permit.expires_on), ids,
                    Permit.issued_on)
    training = _rows(session, (TrainingRecord.completed_on, TrainingRecord.hours,
                               TrainingRecord.competency_area), ids, TrainingRecord.completed_on)
    out: dict[str, dict[str, Any]] = {}
    for pid in set(courses) | set(degrees) | set(permits) | set(training):
        ece = sum((semester_units(units, system) for _, units, system, grade, category
                   in courses.get(pid, [])
                   if category == "ece" and grade_meets(grade, grade_threshold)),
                  Decimal("0.00"))
        out[pid] = {
            "education": {
                "permits": [{"kind": kind, "level": level,
                             "current": expires is None or expires >= today,
                             "expires_on": expires.isoformat() if expires else None}
                            for _, kind, level, expires in permits.get(pid, [])],
                "degrees": [{"level": level, "accredited": accredited}
                            for _, level, accredited in degrees.get(pid, [])],
                "ece_units": ece},
            "training": [{"completed_on": done.isoformat() if done else None,
                          "hours": str(hours2(hours)), "competency_area": area}
                         for _, done, hours, area in training.get(pid, [])]}
    return out


@hookimpl
def workforce_facts(session: Session, registry: Any, participant_ids: Sequence[str],
                    today: date) -> dict[str, dict[str, Any]]:
    return education_facts(session, participant_ids,
                           grade_threshold=registry.settings.grade_threshold_permit, today=today)
