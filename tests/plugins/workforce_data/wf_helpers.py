"""Test data for the workforce_data plugin: participants through the kernel, employment records
through the profile plugin's model and the vault (as the profile plugin stores them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from registry_kernel.db import unit_of_work
from registry_kernel.testing import Factory


def person(factory: Factory, *, county: str | None = "Alameda", language: str = "en",
           opt_out: bool = False, role: str | None = None, wage: str | None = None,
           status: str = "confirmed", ended: bool = False) -> Any:
    from registry_plugins.profile.models import Employment

    from registry_kernel.models import Participant

    participant = factory.participant(county=county) if county else factory.participant()
    registry = factory.registry
    with unit_of_work(registry.sessions) as session:
        row = session.get(Participant, participant.id)
        row.preferred_language = language
        row.research_opt_out = opt_out
        if role is not None:
            job = Employment(participant_id=row.id, employer_name="A Center", position="Teacher",
                             role_category=role, start_date=date(2020, 1, 1),
                             end_date=date(2021, 1, 1) if ended else None, status=status)
            session.add(job)
            session.flush()
            job.hourly_wage_enc = registry.vault.seal(
                session, row.id, "profile_employments", "hourly_wage", str(job.id),
                None if wage is None else str(Decimal(wage)))
    return participant


def many(factory: Factory, n: int, **kw: Any) -> list[Any]:
    return [person(factory, **kw) for _ in range(n)]
