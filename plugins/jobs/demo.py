"""Demo data: job postings at the demo center and FCC home, a pending access request, and (from
the profile plugin) a pending employment record at the center for its administrator to confirm."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from registry_kernel.auth.actor import actor_for_account

from . import services as svc

POSTINGS = (
    ("center", {"title": "Preschool Teacher", "position": "teacher", "schedule": "full_time",
                "pay_min": Decimal("22.00"), "pay_max": Decimal("27.50"),
                "age_groups": ["preschool"], "required_permit": "teacher",
                "description": "Join a play-based preschool classroom of 20 children. We value "
                               "bilingual teachers (English/Spanish or Cantonese).",
                "how_to_apply": "Email your resume to jobs@sunshine.example.org or visit us "
                                "Monday to Friday, 9 to 11 am.", "days": 30}),
    ("center", {"title": "Infant/Toddler Assistant", "position": "assistant",
                "schedule": "part_time", "pay_min": Decimal("18.50"),
                "pay_max": Decimal("20.00"), "age_groups": ["infant", "toddler"],
                "required_permit": "assistant",
                "description": "Mornings, 25 hours a week, in our infant room.",
                "how_to_apply": "Call the front office.", "days": 21}),
    ("fcc", {"title": "Substitute Assistant", "position": "fcc_assistant",
             "schedule": "substitute", "pay_min": Decimal("18.00"), "pay_max": Decimal("19.00"),
             "age_groups": ["infant", "toddler", "preschool"],
             "description": "On-call help in a large family child care home.",
             "how_to_apply": "Text Rosa.", "days": 14}),
)


def load(session: Any, registry: Any, demo: Any) -> None:
    admin = demo.accounts.get("program_admin")
    center = demo.orgs.get("center")
    fcc = demo.orgs.get("fcc")
    if admin is None or center is None:
        return
    actor = actor_for_account(session, admin, permission_roles=registry.permission_roles)
    today = svc.local_today(registry)
    for key, data in POSTINGS:
        org = demo.orgs.get(key)
        if org is None:
            continue
        values = {k: v for k, v in data.items() if k != "days"}
        values.update(county=org.county or "Alameda", city=org.city or "Oakland",
                      closing_date=today + timedelta(days=data["days"]))
        if key == "center":
            svc.create_posting(session, registry, org.id, svc.parse_posting(values),
                               actor=actor)
        else:  # the FCC home's own administrator is not a demo log-in; post as the system
            from .models import JobPosting

            session.add(JobPosting(organization_id=org.id, status="open",
                                   **svc.parse_posting(values)))
    teacher = demo.accounts.get("teacher")
    if teacher is not None and fcc is not None:
        svc.request_access(session, registry, teacher, fcc.id, actor=None,
                           job_title="Co-owner", license_number=fcc.license_number)
    session.flush()
