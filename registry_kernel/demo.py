"""Demo data: a small, realistic registry for ``registry demo``.

The kernel adds organizations and one account per role; plugins add theirs through the
``demo_data`` hook (kernel first, then plugins in dependency order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .accounts import account_by_email, create_account
from .db import unit_of_work
from .models import Account, Organization
from .organizations import create_organization

if TYPE_CHECKING:
    from .runtime import Registry

DEMO_PASSWORD = "demo-registry-2026"  # noqa: S105 - published demo credential


@dataclass
class Demo:
    """What demo loaders created, shared across plugins."""

    orgs: dict[str, Organization] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


ORGS = (
    ("rr", "Bay Area Child Care Resource & Referral", "rr_agency", "Alameda", None),
    ("sponsor", "East Bay Early Learning Institute", "training_sponsor", "Alameda", None),
    ("center", "Sunshine Learning Center", "employer_center", "Alameda", "010203040"),
    ("fcc", "Rosa's Family Child Care", "employer_fcc", "Alameda", "019876543"),
    ("county", "Alameda County Early Care and Education", "county", "Alameda", None),
    ("college", "Laney College Child Development", "college", "Alameda", None),
)

ACCOUNTS = (
    ("participant", "maria.lopez@demo.registry.test", "María", "López", "participant", None,
     date(1988, 4, 12), "es"),
    ("teacher", "wei.chen@demo.registry.test", "Wei", "Chen", "participant", None,
     date(1979, 9, 3), "zh-Hant"),
    ("registry_staff", "staff@demo.registry.test", "Jordan", "Reyes", "registry_staff", None,
     None, "en"),
    ("help_desk", "helpdesk@demo.registry.test", "Sam", "Okafor", "help_desk", None, None, "en"),
    ("sponsor_manager", "trainer@demo.registry.test", "Alicia", "Nguyen", "sponsor_manager",
     "sponsor", None, "en"),
    ("program_admin", "director@demo.registry.test", "Patricia", "Gomez", "program_admin",
     "center", None, "en"),
    ("county_admin", "county@demo.registry.test", "Dana", "Brooks", "county_admin", "county",
     None, "en"),
)


def load_demo(registry: Registry) -> dict[str, Any]:
    """Load demo data once (idempotent); returns the log-ins to print."""
    logins = {name: email for name, email, *_ in ACCOUNTS}
    with unit_of_work(registry.sessions) as session:
        if account_by_email(session, registry, ACCOUNTS[0][1]) is not None:
            return {"password": DEMO_PASSWORD, "accounts": logins}
        demo = Demo(logins=dict(logins))
        for key, name, kind, county, license_number in ORGS:
            demo.orgs[key] = create_organization(session, name=name, kind=kind, county=county,
                                                 license_number=license_number, city="Oakland")
        for key, email, first, last, role, org_key, birth, lang in ACCOUNTS:
            demo.accounts[key] = create_account(
                session, registry, email=email, password=DEMO_PASSWORD, first_name=first,
                last_name=last, role=role, organization=demo.orgs.get(org_key or ""),
                verified=True, birth_date=birth, preferred_language=lang, county="Alameda")
        registry.plugins.hook.demo_data(session=session, registry=registry, demo=demo)
    return {"password": DEMO_PASSWORD, "accounts": demo.logins}
