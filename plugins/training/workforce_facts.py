"""Attended trainings of many participants at once: the ``workforce_facts`` hook.

The same items as the ``education_report_sections`` "training" section
(:func:`services.attended_trainings`), one query per batch, for the workforce_data plugin's
anonymous statistics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel.hookspecs import hookimpl
from registry_kernel.models import Organization


def attended_hours(session: Session, participant_ids: Sequence[str]
                   ) -> dict[str, list[dict[str, Any]]]:
    """``{participant_id: [{completed_on, hours, competency_area}, ...]}`` of attended events."""
    from .models import Enrollment, TrainingEvent
    from .services import local_time

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(
        select(Enrollment.participant_id, Enrollment.hours_granted, TrainingEvent.hours,
               TrainingEvent.ends_at, TrainingEvent.competency_area)
        .join(TrainingEvent, TrainingEvent.id == Enrollment.event_id)
        .join(Organization, Organization.id == TrainingEvent.organization_id)
        .where(Enrollment.participant_id.in_(list(participant_ids)),
               Enrollment.status == "attended")
        .order_by(TrainingEvent.starts_at, Enrollment.id))
    for pid, granted, hours, ends_at, area in rows:
        out[pid].append({"completed_on": local_time(ends_at).date().isoformat(),
                         "hours": str(granted or hours), "competency_area": area})
    return dict(out)


@hookimpl
def workforce_facts(session: Session, registry: Any, participant_ids: Sequence[str],
                    today: date) -> dict[str, dict[str, Any]]:
    return {pid: {"training": items}
            for pid, items in attended_hours(session, participant_ids).items()}
