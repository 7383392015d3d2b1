"""Test data for the workforce_data plugin: participants through the kernel, employment records
through the profile plugin's model and the vault (as the profile plugin stores them), the first
year in the field through the profile plugin's service."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.testing import Factory
from registry_kernel.testing import TestLogin as LoginPlugin  # noqa: F401 (re-exported)

#: development mode: the release is built in each request (fresh figures after every change)
NO_CACHE = {"workforce_data": {"cache_seconds": 0, "compute_on_request": True}}


def person(factory: Factory, *, county: str | None = "Alameda", language: str = "en",
           opt_out: bool = False, role: str | None = None, wage: str | None = None,
           status: str = "confirmed", ended: bool = False, employer: Any = None,
           first_year: int | None = None, left_recently: bool = False) -> Any:
    """A participant; with ``role``, a current job (``ended``: one that ended in 2021);
    ``left_recently``: a job that ended two months ago (and no current one unless ``role``)."""
    from registry_plugins.profile.models import Employment
    from registry_plugins.profile.services import update_sections

    from registry_kernel.models import Participant

    participant = factory.participant(county=county) if county else factory.participant()
    registry = factory.registry
    with unit_of_work(registry.sessions) as session:
        row = session.get(Participant, participant.id)
        row.preferred_language = language
        row.research_opt_out = opt_out
        jobs = []
        if role is not None:
            jobs.append((role, date(2020, 1, 1), date(2021, 1, 1) if ended else None, wage))
        if left_recently:
            jobs.append((role or "assistant", date(2019, 6, 1),
                         clock.today() - timedelta(days=60), None))
        for category, start, end, pay in jobs:
            job = Employment(participant_id=row.id, employer_name=None if employer else "A Center",
                             employer_id=employer.id if employer else None, position="Teacher",
                             role_category=category, start_date=start, end_date=end,
                             status=status)
            session.add(job)
            session.flush()
            job.hourly_wage_enc = registry.vault.seal(
                session, row.id, "profile_employments", "hourly_wage", str(job.id),
                None if pay is None else str(Decimal(pay)))
        if first_year is not None:
            update_sections(session, registry, row,
                            {"experience": {"first_year_in_field": first_year}}, actor=None)
    return participant


def many(factory: Factory, n: int, **kw: Any) -> list[Any]:
    return [person(factory, **kw) for _ in range(n)]


def refresh_cli(app: Any) -> dict[str, Any]:
    """``registry workforce-data refresh`` against ``app``'s database; returns its JSON."""
    import json

    from click.testing import CliRunner
    from registry_plugins.workforce_data.cli import workforce_data

    result = CliRunner().invoke(workforce_data, ["refresh"], obj={"app": app})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)
