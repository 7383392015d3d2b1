"""Demo data: stipends switched on in Alameda with one open program; María López holds an
approved award (paid through her employer's payroll, so no taxpayer ID is invented) with a
professional development plan toward the Teacher Permit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from registry_kernel import counties

from .models import Application, Pathway, PathwayGoal, Payment, Program
from .services import local_today


def add_demo(session: Any, registry: Any, demo: Any) -> None:
    county_org = demo.orgs.get("county")
    if county_org is None:
        return
    admin = demo.accounts.get("county_admin")
    counties.activate(session, "stipends", "Alameda", admin.id if admin else None)
    today = local_today(registry)
    program = Program(
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
        allow_itin=True, allow_payroll=True, created_by_account_id=admin.id if admin else None)
    session.add(program)
    session.flush()
    maria, center = demo.accounts.get("participant"), demo.orgs.get("center")
    if maria is None or center is None:
        return
    application = Application(
        program_id=program.id, participant_id=maria.participant_id, status="approved",
        tier="pd21", amount=Decimal("315.00"), funding_types=["CSPP"], tin_kind="payroll",
        employer_id=center.id, role_category="associate_teacher", eligibility=[],
        decision_reason="Meets every rule of the program.",
        decided_by_account_id=admin.id if admin else None)
    session.add(application)
    session.flush()
    session.add(Payment(application_id=application.id, amount=application.amount))
    plan = Pathway(application_id=application.id, participant_id=maria.participant_id,
                   title="Toward the Teacher Permit", status="active",
                   starts_on=today - timedelta(days=14), target_date=today + timedelta(days=365),
                   created_by_account_id=admin.id if admin else None,
                   reviewed_by_account_id=admin.id if admin else None)
    session.add(plan)
    session.flush()
    session.add_all([
        PathwayGoal(pathway_id=plan.id, position=0, kind="permit_level", permit_level="teacher",
                    steps=[{"kind": "course", "title": "CHDEV 53 Curriculum"},
                           {"kind": "course", "title": "ENGL 1A"}]),
        PathwayGoal(pathway_id=plan.id, position=1, kind="training_hours", area="HSN",
                    amount=Decimal("16"),
                    steps=[{"kind": "training", "title": "Pediatric First Aid and CPR"}])])
    session.flush()
