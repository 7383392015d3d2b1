"""Demo data: stipends switched on in Alameda with one open program."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry_kernel import counties

from .models import Program
from .services import local_today


def add_demo(session: Any, registry: Any, demo: Any) -> None:
    county_org = demo.orgs.get("county")
    if county_org is None:
        return
    admin = demo.accounts.get("county_admin")
    counties.activate(session, "stipends", "Alameda", admin.id if admin else None)
    today = local_today(registry)
    session.add(Program(
        organization_id=county_org.id, county="Alameda",
        name="Alameda Workforce Pathways Stipend", funding_year=str(today.year),
        description="A stipend for early educators who keep growing professionally.",
        opens_on=today - timedelta(days=14), closes_on=today + timedelta(days=60),
        amount=None,
        tiers=[{"key": "pd21", "label": "21 hours of professional development", "amount": "315.00",
                "rules": {"min_training_hours": "21"}},
               {"key": "hs16", "label": "16 hours of health and safety training",
                "amount": "240.00", "rules": {"min_training_hours": "16"}}],
        rules={"min_hours_per_week": "20", "min_months_employed": 6,
               "role_categories": ["assistant", "associate_teacher", "teacher", "lead_teacher",
                                   "master_teacher", "site_supervisor", "program_director",
                                   "fcc_owner", "fcc_assistant"]},
        allow_itin=True, created_by_account_id=admin.id if admin else None))
    session.flush()
